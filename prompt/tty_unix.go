//go:build !windows

package prompt

import (
	"io"
	"os"
)

// openTTY opens the controlling terminal, whatever stdin, stdout and
// stderr are (pipes under the AWS CLI's credential_process).
func openTTY() (in io.Reader, out io.Writer, closeTTY func(), err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	return f, f, func() { f.Close() }, nil
}
