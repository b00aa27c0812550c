//go:build !linux

package shells

import (
	"os/exec"
	"testing"
)

// ttyPath: the pseudo-terminal of these tests is Linux's /dev/ptmx.
func ttyPath(t testing.TB) string {
	t.Skip("no pseudo-terminal helper on this system")
	return ""
}

func startWithTTYStdout(t testing.TB, cmd *exec.Cmd) func() (string, error) {
	t.Skip("no pseudo-terminal helper on this system")
	return nil
}
