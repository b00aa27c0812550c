//go:build unix

package prompt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// dialogPrompter asks with driver d on display, never on a terminal.
func dialogPrompter(t *testing.T, d, display string, timeout time.Duration) *Prompter {
	t.Helper()
	testtool.Require(t, d)
	return &Prompter{Driver: d, Timeout: timeout, Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "DISPLAY=" + display}, openTTY: noTTY}
}

type answer struct {
	s   string
	err error
}

func askCode(p *Prompter, q Code) chan answer {
	c := make(chan answer, 1)
	go func() { s, err := p.Code(context.Background(), q); c <- answer{s, err} }()
	return c
}

func wait(t *testing.T, c chan answer) answer {
	t.Helper()
	select {
	case a := <-c:
		return a
	case <-time.After(45 * time.Second):
		t.Fatal("no answer from the prompt in 45s")
	}
	return answer{}
}

// focus gives win the keyboard. A window just mapped may refuse it for a
// moment (BadMatch): retried, bounded.
func focus(t *testing.T, display, win string) {
	t.Helper()
	var out string
	var err error
	for try := 0; try < 40; try++ {
		if out, err = testtool.Xdotool(t, display, "windowfocus", "--sync", win); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("windowfocus: %v %s", err, out)
}

// typeInto focuses the window and types text, then Enter.
func typeInto(t *testing.T, display, win, text string) {
	t.Helper()
	focus(t, display, win)
	if out, err := testtool.Xdotool(t, display, "type", "--delay", "20", text); err != nil {
		t.Fatalf("type: %v %s", err, out)
	}
	if out, err := testtool.Xdotool(t, display, "key", "Return"); err != nil {
		t.Fatalf("key: %v %s", err, out)
	}
}

// A code typed into a real zenity dialog is the answer; the window's name
// shows the profile's escape sequence written out, not obeyed; a code
// that is not 6 digits is asked for again in a new dialog.
func TestZenityCode(t *testing.T) {
	for _, d := range []string{Zenity, KDialog} {
		t.Run(d, func(t *testing.T) {
			display := testtool.Xvfb(t)
			p := dialogPrompter(t, d, display, 30*time.Second)
			c := askCode(p, Code{Profile: Profile{Name: "prod\x1b[31m"}, Device: testSerial})
			win := findWindow(t, display, "^aws-runas")
			name, err := testtool.Xdotool(t, display, "getwindowname", win)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(name, `aws-runas: prod\x1b[31m`) || strings.ContainsRune(name, 0x1b) {
				t.Errorf("window name %q, want the escape written out", name)
			}
			pid := windowPID(t, display, win)
			typeInto(t, display, win, "12ab")
			win = newWindow(t, display, "^aws-runas", pid)
			// PROMPT_SCREENSHOT_DIR keeps the picture (CI's artefact).
			dir := os.Getenv("PROMPT_SCREENSHOT_DIR")
			if dir == "" {
				dir = t.TempDir()
			} else {
				dir = filepath.Join(dir, d)
				os.MkdirAll(dir, 0o755)
			}
			shot := screenshot(t, display, dir)
			t.Logf("screenshot of the second dialog: %s", shot)
			typeInto(t, display, win, "123456")
			a := wait(t, c)
			if a.err != nil || a.s != "123456" {
				t.Fatalf("got %q, %v; want 123456", a.s, a.err)
			}
		})
	}
}

// Escape in the dialog is the cancelled error.
func TestDialogCancel(t *testing.T) {
	for _, d := range []string{Zenity, KDialog} {
		t.Run(d, func(t *testing.T) {
			display := testtool.Xvfb(t)
			p := dialogPrompter(t, d, display, 30*time.Second)
			c := askCode(p, Code{Profile: Profile{Name: "prod"}, Device: testSerial})
			win := findWindow(t, display, "^aws-runas")
			focus(t, display, win)
			if out, err := testtool.Xdotool(t, display, "key", "Escape"); err != nil {
				t.Fatalf("key: %v %s", err, out)
			}
			a := wait(t, c)
			if !errors.Is(a.err, ErrCancelled) || !strings.Contains(a.err.Error(), "cancelled") {
				t.Fatalf("got %q, %v; want the cancelled error", a.s, a.err)
			}
		})
	}
}

// A masked password typed into the dialog is the answer, byte for byte.
func TestZenityPassword(t *testing.T) {
	display := testtool.Xvfb(t)
	p := dialogPrompter(t, Zenity, display, 30*time.Second)
	c := make(chan answer, 1)
	go func() {
		s, err := p.Password(context.Background(), Password{Profile: Profile{Name: "saml"}, For: "carol", Host: "idp.example.com"})
		c <- answer{s, err}
	}()
	typeInto(t, display, findWindow(t, display, "^aws-runas"), "pw with spaces!")
	if a := wait(t, c); a.err != nil || a.s != "pw with spaces!" {
		t.Fatalf("got %q, %v", a.s, a.err)
	}
}

// A dialog nobody answers is closed at the timeout: the timeout error,
// and no window left.
func TestDialogTimeout(t *testing.T) {
	display := testtool.Xvfb(t)
	p := dialogPrompter(t, Zenity, display, 3*time.Second)
	c := askCode(p, Code{Profile: Profile{Name: "prod"}, Device: testSerial})
	findWindow(t, display, "^aws-runas")
	a := wait(t, c)
	if !errors.Is(a.err, ErrTimeout) || !strings.Contains(a.err.Error(), TimeoutEnv) {
		t.Fatalf("got %q, %v; want the timeout error", a.s, a.err)
	}
	if out, err := testtool.Xdotool(t, display, "search", "--name", "^aws-runas"); err == nil {
		t.Fatalf("a dialog window is left after the timeout: %s", out)
	}
}
