//go:build windows

package prompt

import (
	"io"
	"os"
)

// openTTY opens the console's own input and output, whatever stdin and
// stdout are.
func openTTY() (in io.Reader, out io.Writer, closeTTY func(), err error) {
	i, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	o, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		i.Close()
		return nil, nil, nil, err
	}
	return i, o, func() { i.Close(); o.Close() }, nil
}
