//go:build unix

package prompt

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// findWindow waits (bounded) for a window whose name matches re and
// returns its id.
func findWindow(t *testing.T, display, re string) string {
	t.Helper()
	out, err := testtool.Xdotool(t, display, "search", "--sync", "--onlyvisible", "--name", re)
	if err != nil {
		t.Fatalf("no window named %q appeared: %v %s", re, err, out)
	}
	return strings.Fields(out)[0]
}

// windowPID is the process that shows window win.
func windowPID(t *testing.T, display, win string) string {
	t.Helper()
	pid, err := testtool.Xdotool(t, display, "getwindowpid", win)
	if err != nil {
		t.Fatalf("getwindowpid: %v %s", err, pid)
	}
	return pid
}

// newWindow waits (bounded) for a window named re of another process
// than oldPID: the X server may give the new dialog the old one's window
// id.
func newWindow(t *testing.T, display, re, oldPID string) string {
	t.Helper()
	const bound = 45 * time.Second // a dialog's start on a loaded machine
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		out, _ := testtool.Xdotool(t, display, "search", "--onlyvisible", "--name", re)
		for _, w := range strings.Fields(out) {
			if pid, err := testtool.Xdotool(t, display, "getwindowpid", w); err == nil && pid != oldPID {
				return w
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no new window named %q appeared in %s", re, bound)
	return ""
}

// screenshot saves the screen as a PNG under dir.
func screenshot(t *testing.T, display, dir string) string {
	t.Helper()
	f := filepath.Join(dir, "dialog.png")
	cmd := exec.Command(testtool.Require(t, "import"), "-window", "root", f)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	return f
}
