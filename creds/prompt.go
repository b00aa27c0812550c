package creds

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// TerminalPrompt asks for an MFA code on the controlling terminal, never on
// stdout or stderr, so that it works inside $(...) and with stderr
// redirected. Up to three tries are given for a code that is not 6 digits.
// It fails with InputNeededError when there is no terminal.
func TerminalPrompt(ctx context.Context, serial string) (string, error) {
	in, out, closeTTY, err := openTTY()
	if err != nil {
		return "", &InputNeededError{What: fmt.Sprintf("an MFA code for %s is needed, but there is no terminal to ask on: give it with -o CODE", serial)}
	}
	defer closeTTY()
	r := bufio.NewReader(in)
	for try := 0; try < 3; try++ {
		fmt.Fprintf(out, "Enter MFA code for %s: ", serial)
		line, err := r.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			fmt.Fprintln(out)
			return "", fmt.Errorf("reading the MFA code: %w", err)
		}
		code := strings.TrimSpace(line)
		if mfaCodeRE.MatchString(code) {
			return code, nil
		}
		fmt.Fprintln(out, "An MFA code is 6 digits.")
	}
	return "", errors.New("no valid MFA code entered")
}
