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
// escaped: the message that names the profile, and the error that refuses
// the serial (checked before any prompt), show them as \x1b text, and not
// one raw escape of theirs is among the bytes the terminal received.
func TestTerminalEscapesHostileText(t *testing.T) {
	t.Parallel()
	const (
		clear = "\x1b[2J"
		osc52 = "\x1b]52;c;cHduZWQ=\x07"
	)
	w := newWorld(t)
	name := "ev" + clear + "il" + osc52
	profile := "\n\n[profile " + name + "]\nrole_arn = " + RolePrefix + "admin\nsource_profile = default\nregion = eu-west-1\n"
	for file, serial := range map[string]string{
		"hostile-name.cfg":   AliceMFA,
		"hostile-serial.cfg": "arn:aws:iam::123456789012:mfa/al" + clear + "ice" + osc52,
	} {
		if err := os.WriteFile(filepath.Join(w.dir, file), []byte("[default]\nmfa_serial = "+serial+profile), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(w.dir, "name.txt"), []byte(name), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := startShell(t, w)
	raw := filepath.Join(w.dir, "raw.out")
	if out, err := tm.cmd("pipe-pane", "-o", "-t", "e2e", "cat > "+raw); err != nil {
		t.Fatalf("tmux pipe-pane: %v\n%s", err, out)
	}

	// A run that may not ask names the profile.
	tm.typeLine(`aws-runas --non-interactive --path hostile-name.cfg -O json "$(cat name.txt)"; echo "rc=$?"`)
	tm.waitLine(`rc=3`)
	// The serial is refused, with its file and line, before anything is
	// asked or sent.
	tm.typeLine(`aws-runas --path hostile-serial.cfg -O json "$(cat name.txt)"; echo "end=$?"`)
	tm.waitLine(`end=1`)
	screen := tm.screen(false)
	// The profile is quoted as a Go string: each escape shown once.
	for _, want := range []string{`profile "ev\\x1b\[2Jil\\x1b\]52;c;cHduZWQ=\\a"`, `hostile-serial.cfg:2: mfa_serial "arn:aws:iam::123456789012:mfa/al\\x1b\[2Jice\\x1b\]52;c;cHduZWQ=\\x07" is not an MFA device`} {
		if !regexp.MustCompile(want).MatchString(screen) {
			t.Errorf("the screen lacks a match for %s:\n%s", want, screen)
		}
	}
	if calls := w.srv.Calls(); len(calls) != 0 {
		t.Errorf("STS was called: %s", describe(calls))
	}

	// cat may lag behind the screen: wait for it to write the end.
	var got string
	for deadline := time.Now().Add(waitTimeout); !strings.Contains(got, "end=1"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal's bytes, as piped, lack the end of the run: %q", got)
		}
		b, _ := os.ReadFile(raw)
		got = string(b)
	}
	if !strings.Contains(got, "is not an MFA device") || !strings.Contains(got, "rc=3") {
		t.Fatalf("the terminal's bytes lack the messages: %q", got)
	}
	for _, seq := range []string{clear, "\x1b]52", "\x07"} {
		if strings.Contains(got, seq) {
			t.Errorf("the terminal received %q raw: %q", seq, got)
		}
	}
}
