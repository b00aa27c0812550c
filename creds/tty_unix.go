//go:build !windows

package creds

import (
	"io"
	"os"
)

func openTTY() (in io.Reader, out io.Writer, closeTTY func(), err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	return f, f, func() { f.Close() }, nil
}
