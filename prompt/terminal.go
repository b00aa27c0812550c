package prompt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/aws-runas/aws-runas/internal/termtext"
)

// terminal asks on the controlling terminal, never on stdout or stderr, so
// that it works inside $(...), with stderr captured, and with every
// standard stream a pipe. It has no timeout: a person is there, and
// Ctrl-C ends the wait.
type terminal struct{ p *Prompter }

func (p *Prompter) tty() (io.Reader, io.Writer, func(), error) {
	if p.openTTY != nil {
		return p.openTTY()
	}
	return openTTY()
}

// code gives three tries for a code that is not well-formed.
func (t *terminal) code(ctx context.Context, q Code) (string, error) {
	in, out, closeTTY, err := t.p.tty()
	if err != nil {
		return "", t.p.noOne(q.Profile, "an MFA code for "+termtext.Escape(q.Device), "the terminal cannot be opened")
	}
	defer closeTTY()
	r := bufio.NewReader(in)
	for try := 0; try < 3; try++ {
		fmt.Fprintf(out, "Enter MFA code for %s: ", termtext.Escape(q.Device))
		line, err := r.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			fmt.Fprintln(out)
			if errors.Is(err, io.EOF) {
				return "", errorf(ErrCancelled, "no MFA code entered: the terminal was closed")
			}
			return "", fmt.Errorf("reading the MFA code: %w", err)
		}
		code := strings.TrimSpace(line)
		if isCode(q, code) {
			return code, nil
		}
		fmt.Fprintln(out, codeRule(q))
	}
	return "", errorf(ErrBadAnswer, "no valid MFA code entered: %s", strings.ToLower(codeRule(q)[:1])+codeRule(q)[1:])
}

// password reads without echo; Ctrl-C leaves the terminal as it was.
func (t *terminal) password(ctx context.Context, q Password) (string, error) {
	in, out, closeTTY, err := t.p.tty()
	if err != nil {
		return "", t.p.noOne(q.Profile, "the password of "+where(q), "the terminal cannot be opened")
	}
	defer closeTTY()
	fmt.Fprintf(out, "Password for %s: ", where(q))
	b, err := readPassword(in)
	fmt.Fprintln(out)
	if err != nil {
		return "", fmt.Errorf("reading the password of %s: %w", where(q), err)
	}
	if len(b) == 0 {
		return "", errorf(ErrBadAnswer, "no password entered for %s", where(q))
	}
	return string(b), nil
}

// choose shows the options numbered from 1 and reads a number.
func (t *terminal) choose(ctx context.Context, q Choice) (int, error) {
	in, out, closeTTY, err := t.p.tty()
	if err != nil {
		return 0, t.p.noOne(q.Profile, "a choice ("+termtext.Escape(q.Text)+")", "the terminal cannot be opened")
	}
	defer closeTTY()
	for i, o := range q.Options {
		fmt.Fprintf(out, "%3d) %s\n", i+1, termtext.Escape(o))
	}
	r := bufio.NewReader(in)
	for try := 0; try < 3; try++ {
		fmt.Fprintf(out, "%s [1-%d]: ", termtext.Escape(q.Text), len(q.Options))
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			if errors.Is(err, io.EOF) {
				return 0, errorf(ErrCancelled, "no choice made: the terminal was closed")
			}
			return 0, fmt.Errorf("reading a choice: %w", err)
		}
		if n, ok := choiceNumber(line, len(q.Options)); ok {
			return n, nil
		}
	}
	return 0, errorf(ErrBadAnswer, "no valid choice made: enter a number from 1 to %d", len(q.Options))
}

// choiceNumber reads "N" (1 to n) as the index N-1.
func choiceNumber(s string, n int) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 6 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	var i int
	fmt.Sscan(s, &i)
	if i < 1 || i > n {
		return 0, false
	}
	return i - 1, true
}

// readPassword reads a line with echo off; the terminal's mode is restored
// even when the read fails.
func readPassword(in io.Reader) ([]byte, error) {
	f, ok := in.(*os.File)
	if !ok {
		// A test's terminal that is no file: read a line.
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return nil, err
		}
		return []byte(strings.TrimRight(line, "\r\n")), nil
	}
	return term.ReadPassword(int(f.Fd()))
}
