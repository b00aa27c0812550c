//go:build unix

package prompt

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// startXvfb starts a real X server on a free display number (Xvfb picks
// it and says which on -displayfd once it accepts clients) and returns
// DISPLAY's value. The server is killed at cleanup.
func startXvfb(t *testing.T) string {
	t.Helper()
	xvfb := testtool.Require(t, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "800x600x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		got <- strings.TrimSpace(line)
	}()
	select {
	case n := <-got:
		if n == "" {
			t.Fatal("Xvfb exited without a display number")
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb gave no display number in 20s")
	}
	return ""
}

// xdotool runs xdotool on display, bounded generously: --sync waits for a
// window that a loaded machine may take many seconds to map.
func xdotool(t *testing.T, display string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testtool.Require(t, "xdotool"), args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// findWindow waits (bounded) for a window whose name matches re and
// returns its id.
func findWindow(t *testing.T, display, re string) string {
	t.Helper()
	out, err := xdotool(t, display, "search", "--sync", "--onlyvisible", "--name", re)
	if err != nil {
		t.Fatalf("no window named %q appeared: %v %s", re, err, out)
	}
	return strings.Fields(out)[0]
}

// windowPID is the process that shows window win.
func windowPID(t *testing.T, display, win string) string {
	t.Helper()
	pid, err := xdotool(t, display, "getwindowpid", win)
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
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := xdotool(t, display, "search", "--onlyvisible", "--name", re)
		for _, w := range strings.Fields(out) {
			if pid, err := xdotool(t, display, "getwindowpid", w); err == nil && pid != oldPID {
				return w
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no new window named %q appeared in 15s", re)
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
