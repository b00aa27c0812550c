package creds

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws-runas/aws-runas/internal/termtext"
	"golang.org/x/term"
)

// TerminalPrompt asks for an MFA code on the controlling terminal, never on
// stdout or stderr, so that it works inside $(...) and with stderr
// redirected. Up to three tries are given for a code that is not 6 digits.
// It fails with InputNeededError when there is no terminal.
func TerminalPrompt(ctx context.Context, serial string) (string, error) {
	serial = termtext.Escape(serial)
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
		if isMFACode(code) {
			return code, nil
		}
		fmt.Fprintln(out, "An MFA code is 6 digits.")
	}
	return "", errors.New("no valid MFA code entered")
}

// TerminalPassword reads a secret from the terminal without echo; Ctrl-C
// leaves the terminal as it was.
func TerminalPassword(ctx context.Context, prompt string) (string, error) {
	prompt = termtext.Escape(prompt)
	in, out, closeTTY, err := openTTY()
	if err != nil {
		return "", &InputNeededError{What: prompt + " is needed, but there is no terminal to ask on"}
	}
	defer closeTTY()
	fmt.Fprintf(out, "%s: ", prompt)
	b, err := readPassword(in)
	fmt.Fprintln(out)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", prompt, err)
	}
	return string(b), nil
}

// TerminalChoose shows options numbered from 1 and reads a choice.
func TerminalChoose(ctx context.Context, prompt string, options []string) (int, error) {
	prompt = termtext.Escape(prompt)
	shown := make([]string, len(options))
	for i, o := range options {
		shown[i] = termtext.Escape(o)
	}
	options = shown
	in, out, closeTTY, err := openTTY()
	if err != nil {
		return 0, &InputNeededError{What: prompt + ": no terminal to choose on; one of: " + strings.Join(options, ", ")}
	}
	defer closeTTY()
	for i, o := range options {
		fmt.Fprintf(out, "%3d) %s\n", i+1, o)
	}
	r := bufio.NewReader(in)
	for try := 0; try < 3; try++ {
		fmt.Fprintf(out, "%s [1-%d]: ", prompt, len(options))
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return 0, fmt.Errorf("reading a choice: %w", err)
		}
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "%d", &n); err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
	}
	return 0, errors.New("no valid choice made")
}

// readPassword reads a line with echo off; the terminal's mode is restored
// even when the read fails.
func readPassword(in io.Reader) ([]byte, error) {
	f, ok := in.(*os.File)
	if !ok {
		return nil, os.ErrInvalid
	}
	return term.ReadPassword(int(f.Fd()))
}
