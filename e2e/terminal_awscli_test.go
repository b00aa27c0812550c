//go:build unix

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The real AWS CLI runs aws-runas as its credential_process from a
// terminal, with no display: the CLI captures the process's stdout and
// stderr, yet the MFA prompt shows on the terminal (aws-runas asks on
// /dev/tty), the code typed there reaches STS with the serial, and the CLI
// gets the credentials. No secret shows on the screen.
func TestTerminalCredentialProcessAWSCLI(t *testing.T) {
	t.Parallel()
	aws := requireProg(t, "/usr/bin/aws")
	w := newWorld(t)
	cfg := filepath.Join(w.home, ".aws", "config")
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The built binary by its path: the CLI runs it, not a shell.
	if _, err := f.WriteString("\n[profile ide]\ncredential_process = " + bin() + " -O json admin\nregion = eu-west-1\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tm := startShell(t, w, "AWS_CONFIG_FILE="+cfg, "AWS_PAGER=")

	// stdin from /dev/null and the CLI's own stderr to a file: the terminal
	// is reachable only as the controlling terminal.
	tm.typeLine(aws + " sts get-caller-identity --profile ide --endpoint-url " + w.srv.URL +
		` --query Arn --output text < /dev/null 2> err.txt; echo "rc=$?"`)
	tm.waitText(mfaPrompt, 1)
	if n := w.srv.CallCount(""); n != 0 {
		t.Errorf("STS was called %d times before the MFA code was entered", n)
	}
	tm.typeLine(MFACode)
	rc := tm.waitMatch(`(?m)^rc=([0-9]+)$`)
	screen := tm.screen(false)
	errText := readFile(t, filepath.Join(w.dir, "err.txt"))
	if rc[1] != "0" {
		t.Fatalf("aws sts get-caller-identity: exit %s\nstderr: %s\nscreen:\n%s", rc[1], errText, screen)
	}
	arn := "arn:aws:sts::" + Account + ":assumed-role/admin/"
	if strings.Count(screen, arn) != 1 {
		t.Errorf("the screen does not show the role's ARN %s... once:\n%s", arn, screen)
	}
	if strings.Count(screen, mfaPrompt) != 1 {
		t.Errorf("the MFA prompt shows %d times, want 1:\n%s", strings.Count(screen, mfaPrompt), screen)
	}
	secrets := w.secrets()
	if len(secrets) < 4 {
		t.Fatalf("no credentials were cached: %v", w.cacheFiles())
	}
	noSecrets(t, "the screen", screen, secrets)
	noSecrets(t, "the CLI's stderr", errText, secrets, MFACode)

	var gst int
	for _, c := range w.srv.Calls() {
		if c.Action == "GetSessionToken" {
			gst++
			if got := c.Params.Get("TokenCode"); got != MFACode {
				t.Errorf("TokenCode %q, want %s", got, MFACode)
			}
			if got := c.Params.Get("SerialNumber"); got != AliceMFA {
				t.Errorf("SerialNumber %q, want %s", got, AliceMFA)
			}
		}
	}
	if gst != 1 || w.srv.CallCount("AssumeRole") != 1 {
		t.Errorf("want one GetSessionToken and one AssumeRole: %s", describe(w.srv.Calls()))
	}
	// The CLI's own call, the last, is signed with the role's key.
	calls := w.srv.Calls()
	if last := calls[len(calls)-1]; last.Action != "GetCallerIdentity" || last.Err != "" || last.AccessKeyID != w.roleKey(RolePrefix+"admin") {
		t.Errorf("the CLI's call: want GetCallerIdentity signed with the admin role's cached key: %s", describe(calls))
	}
}

// roleKey is the access key id of the cached credentials of role.
func (w *testWorld) roleKey(role string) string {
	w.t.Helper()
	for _, name := range w.cacheFiles() {
		var e struct {
			Key  string `json:"access_key_id"`
			Role string `json:"role_arn"`
		}
		if json.Unmarshal([]byte(readFile(w.t, filepath.Join(w.home, ".aws", name))), &e) == nil && e.Role == role {
			return e.Key
		}
	}
	w.t.Fatalf("no cached credentials of %s among %q", role, w.cacheFiles())
	return ""
}
