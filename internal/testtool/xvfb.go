//go:build unix

package testtool

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Xvfb starts a real X server on a free display number (Xvfb picks it and
// says which on -displayfd once it accepts clients) and returns DISPLAY's
// value. The server is killed at cleanup.
func Xvfb(t testing.TB) string {
	t.Helper()
	xvfb := Require(t, "Xvfb")
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

// Xdotool runs xdotool on display, bounded generously: --sync waits for a
// window that a loaded machine (the whole suite on two cores) may take
// many seconds to map.
func Xdotool(t testing.TB, display string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, Require(t, "xdotool"), args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
