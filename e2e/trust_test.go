//go:build unix

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// hostileSerial writes the clipboard (OSC 52), rings the bell and erases
// the line it is on, if a terminal obeys it.
const hostileSerial = "arn:aws:iam::123456789012:mfa/a\x1b]52;c;cHduZWQ=\x07\x1b[2K\rfake"

// The text of hostileSerial as it must be shown.
const hostileShown = `arn:aws:iam::123456789012:mfa/a\x1b]52;c;cHduZWQ=\x07\x1b[2K\rfake`

// A value with control characters reaches stderr and the terminal as text,
// from each kind of file: the user's config, credentials and a project's
// aws_config. It is refused (it is no MFA device) before any STS call, by
// file and line.
func TestControlCharactersInFilesAreShownEscaped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, file, content, profile string
		line                         int
	}{
		{"config", "home/.aws/config", "[profile evil]\nrole_arn = " + RolePrefix + "admin\nsource_profile = default\nmfa_serial = " + hostileSerial + "\n", "evil", 4},
		{"credentials", "home/.aws/credentials", "[evil]\naws_access_key_id = " + AliceKey + "\naws_secret_access_key = " + AliceSec + "\nmfa_serial = " + hostileSerial + "\n", "evil", 4},
		{"project", "work/aws_config", "[profile evil]\nrole_arn = " + RolePrefix + "admin\nsource_profile = default\nmfa_serial = " + hostileSerial + "\n", "evil", 4},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			w := newWorld(t)
			path := filepath.Join(filepath.Dir(w.home), tc.file)
			old, _ := os.ReadFile(path)
			line := tc.line
			if len(old) > 0 {
				old = append(old, '\n')
				line += strings.Count(string(old), "\n")
			}
			if err := os.WriteFile(path, append(old, tc.content...), 0o600); err != nil {
				t.Fatal(err)
			}
			r := w.run(nil, "-O", "json", tc.profile)
			if r.code != 1 || r.stdout != "" {
				t.Fatalf("want exit 1 and no stdout:\n%s", r)
			}
			if strings.ContainsAny(r.stderr, "\x1b\x07\r") {
				t.Errorf("a raw control character on stderr:\n%s", r)
			}
			want := path + ":" + strconv.Itoa(line) + ": mfa_serial \"" + hostileShown + "\" is not an MFA device"
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r)
			}
			if n := w.srv.CallCount(""); n != 0 {
				t.Errorf("%d STS calls, want none", n)
			}

			// On a terminal: the text is on the screen as written, and the
			// line before it was not erased.
			tm := startShell(t, w)
			tm.typeLine("echo before; aws-runas -O json evil; echo rc=$?")
			tm.waitLine(`rc=1`)
			screen := tm.screen(false)
			if !strings.Contains(screen, "before\n") || !strings.Contains(screen, `mfa/a\x1b]52;c;cHduZWQ=\x07\x1b[2K\rfake`) {
				t.Errorf("the screen does not show the value escaped:\n%s", screen)
			}
		})
	}
}
