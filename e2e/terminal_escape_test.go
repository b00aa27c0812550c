//go:build unix

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A profile name and an mfa_serial holding escape sequences (ESC [ 2 J
// clears the screen, OSC 52 sets the clipboard) reach the terminal only
// escaped: the MFA prompt, which names the serial, and the message that
// names the profile show them as \x1b text, and not one raw escape of
// theirs is among the bytes the terminal received.
func TestTerminalEscapesHostileText(t *testing.T) {
	t.Parallel()
	const (
		clear = "\x1b[2J"
		osc52 = "\x1b]52;c;cHduZWQ=\x07"
	)
	w := newWorld(t)
	serial := "arn:aws:iam::123456789012:mfa/al" + clear + "ice" + osc52
	name := "ev" + clear + "il" + osc52
	cfg := "[default]\nmfa_serial = " + serial + "\n\n[profile " + name + "]\nrole_arn = " + RolePrefix + "admin\nsource_profile = default\nregion = eu-west-1\n"
	if err := os.WriteFile(filepath.Join(w.dir, "hostile.cfg"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "name.txt"), []byte(name), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := startShell(t, w)
	raw := filepath.Join(w.dir, "raw.out")
	if out, err := tm.cmd("pipe-pane", "-o", "-t", "e2e", "cat > "+raw); err != nil {
		t.Fatalf("tmux pipe-pane: %v\n%s", err, out)
	}

	// The terminal prompt names the device, not the profile; the message
	// of a run that may not ask names both.
	tm.typeLine(`aws-runas --non-interactive --path hostile.cfg -O json "$(cat name.txt)"; echo "rc=$?"`)
	tm.waitLine(`rc=3`)
	screen := tm.screen(false)
	// The profile is quoted as a Go string (one backslash or two: the
	// name's escapes are shown, not obeyed, either way).
	for _, want := range []string{`profile "ev\\+x1b\[2Jil\\+x1b\]52;c;cHduZWQ=\\+x07"`, `mfa/al\\x1b\[2Jice\\x1b\]52;c;cHduZWQ=\\x07 is needed`} {
		if !regexp.MustCompile(want).MatchString(screen) {
			t.Errorf("the screen lacks a match for %s:\n%s", want, screen)
		}
	}

	tm.typeLine(`aws-runas --path hostile.cfg -O json "$(cat name.txt)"; echo "rc=$?"`)
	tm.waitText(`Enter MFA code for arn:aws:iam::123456789012:mfa/al\x1b[2Jice\x1b]52;c;cHduZWQ=\x07:`, 1)
	tm.typeLine(MFACode)
	// STS refuses the serial; the run ends.
	tm.waitLine(`rc=1`)
	// cat may lag behind the screen: wait for it to write the end.
	var got string
	for deadline := time.Now().Add(waitTimeout); !strings.Contains(got, "rc=1"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal's bytes, as piped, lack the end of the run: %q", got)
		}
		b, _ := os.ReadFile(raw)
		got = string(b)
	}
	if !strings.Contains(got, "Enter MFA code for") || !strings.Contains(got, "is needed") {
		t.Fatalf("the terminal's bytes lack the prompt or the message: %q", got)
	}
	for _, seq := range []string{clear, "\x1b]52", "\x07"} {
		if strings.Contains(got, seq) {
			t.Errorf("the terminal received %q raw: %q", seq, got)
		}
	}
}
