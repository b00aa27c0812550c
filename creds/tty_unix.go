//go:build !windows

package creds

import (
	"io"
	"os"

	"golang.org/x/term"
)

func openTTY() (in io.Reader, out io.Writer, closeTTY func(), err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	return f, f, func() { f.Close() }, nil
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
