//go:build unix

package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

// removeRoleCache removes the cached role credentials under dir (the
// directory of the config file used), so that a renewal calls AssumeRole.
func removeRoleCache(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, ".aws-runas.role.*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no role cache file under %s (%v)", dir, err)
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
}

// The refresh hook in real interactive shells renews exactly the
// credentials the shell holds (issue 10, contract §5): credentials from
// --path alt/config are renewed from alt/config, -X is kept, and a cd into
// a project whose ./aws_config defines the same profile name differently
// changes nothing. Each time the role cache is gone, so STS is asked, and
// it must see the recorded role and external ID; the role ARN in the shell
// stays, and the expiry moves on.
func TestInitRenewsWhatTheShellHolds(t *testing.T) {
	forEachInitShell(t, func(t *testing.T, sh initShell) {
		w := newWorld(t)
		w.srv.AddRole(ststest.Role{ARN: RolePrefix + "partner", ExternalID: "x-7"})
		cfg := filepath.Join(w.home, ".aws", "config")
		if err := os.WriteFile(cfg, []byte(defaultConfig+"\n[profile partner]\nrole_arn = "+RolePrefix+"partner\nsource_profile = bob\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		// alt/config: admin is another role there.
		alt := filepath.Join(w.dir, "alt")
		project := filepath.Join(w.dir, "project")
		for _, d := range []string{alt, project} {
			if err := os.Mkdir(d, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(alt, "config"), []byte("[default]\nregion = eu-west-1\nmfa_serial = "+AliceMFA+
			"\n\n[profile admin]\nrole_arn = "+RolePrefix+"readonly\nsource_profile = default\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		// A project that defines admin (the user's admin role) as readonly.
		if err := os.WriteFile(filepath.Join(project, "aws_config"), []byte("[profile admin]\nrole_arn = "+RolePrefix+"readonly\nsource_profile = default\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		tm := startInitShell(t, w, sh, 1)

		// renew makes the credentials near expiry, with the role cache
		// gone, and checks what the hook did at the next prompt.
		// Each expiry set is another number: the hook tries an expiry value
		// only once, and two renewals within one second would share it.
		near := 60
		renew := func(what, cacheDir, wantRole, wantExternalID string) {
			t.Helper()
			near++
			tag := strings.ReplaceAll(what, " ", "-")
			initDo(tm, `echo "before-`+tag+` role=$AWS_RUNAS_ASSUMED_ROLE_ARN"`)
			if got := tm.waitLine(`before-` + tag + ` role=(\S*)`)[1]; got != wantRole {
				t.Fatalf("%s: switched to role %s, want %s", what, got, wantRole)
			}
			removeRoleCache(t, cacheDir)
			before := len(w.srv.Calls())
			initDo(tm, sh.setExpiry("near-"+tag, near))
			initDo(tm, `echo "`+tag+` role=$AWS_RUNAS_ASSUMED_ROLE_ARN exp=$AWS_SESSION_EXPIRATION_UNIX"`)
			m := tm.waitLine(tag + ` role=(\S*) exp=([0-9]+)`)
			exp, _ := strconv.ParseInt(m[2], 10, 64)
			if m[1] != wantRole {
				t.Errorf("%s: after the refresh the role is %s, want %s (unchanged)", what, m[1], wantRole)
			}
			if left := exp - time.Now().Unix(); left < 1800 {
				t.Errorf("%s: credentials a minute from expiry were not renewed: %d s ahead", what, left)
			}
			var assumed []ststest.Call
			for _, c := range w.srv.Calls()[before:] {
				if c.Action == "AssumeRole" {
					assumed = append(assumed, c)
				}
			}
			if len(assumed) != 1 || assumed[0].Err != "" || assumed[0].Params.Get("RoleArn") != wantRole || assumed[0].Params.Get("ExternalId") != wantExternalID {
				t.Errorf("%s: want one AssumeRole of %s with external ID %q; STS saw: %s", what, wantRole, wantExternalID, describe(w.srv.Calls()[before:]))
			}
		}

		// --path alt/config: renewed from alt/config, not ~/.aws/config.
		initDo(tm, "aws-runas --path alt/config -o "+MFACode+" admin")
		renew("path", alt, RolePrefix+"readonly", "")

		// -X: the external ID is kept.
		initDo(tm, "aws-runas -X x-7 partner")
		renew("external id", filepath.Join(w.home, ".aws"), RolePrefix+"partner", "x-7")

		// A cd into a project whose aws_config defines admin otherwise.
		initDo(tm, "aws-runas -o "+MFACode+" admin")
		initDo(tm, "cd project")
		renew("cd project", filepath.Join(w.home, ".aws"), RolePrefix+"admin", "")

		if s := tm.screen(false); strings.Contains(s, "Enter MFA code") || strings.Contains(s, "aws-runas:") {
			t.Errorf("the refresh hook asked or said something:\n%s", s)
		}
	})
}

// --renew, the refresh hook's call: it renews what __AWS_RUNAS_RENEW
// records, wherever it runs, and refuses (exit 1, nothing on stdout) when
// that now resolves to another role, or when the record is missing or
// malformed. The record holds no secret; -u removes it.
func TestRenewFlag(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alt := filepath.Join(w.dir, "alt")
	if err := os.Mkdir(alt, 0o700); err != nil {
		t.Fatal(err)
	}
	altConfig := func(role string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(alt, "config"), []byte("[default]\nregion = eu-west-1\nmfa_serial = "+AliceMFA+
			"\n\n[profile admin]\nrole_arn = "+RolePrefix+role+"\nsource_profile = default\nduration_seconds = 1800\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	altConfig("readonly")
	r := w.mustRun(nil, "--path", "alt/config", "-o", MFACode, "-a", "45m", "admin", "printenv", "__AWS_RUNAS_RENEW")
	rec := strings.TrimSuffix(r.stdout, "\n")
	if rec == "" || strings.ContainsFunc(rec, func(c rune) bool { return c <= ' ' || c > '~' }) {
		t.Fatalf("the record %q is not one line of printable ASCII", rec)
	}
	noSecrets(t, "the record", rec, w.secrets(), MFACode)
	rec64, _ := base64Decode(rec)
	noSecrets(t, "the decoded record", rec64, w.secrets(), MFACode)
	with := []string{"__AWS_RUNAS_RENEW=" + rec}

	// From another directory, one with a project file that says otherwise.
	other := filepath.Join(w.dir, "elsewhere")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "aws_config"), []byte("[profile admin]\nrole_arn = "+RolePrefix+"admin\nsource_profile = default\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	removeRoleCache(t, alt)
	before := len(w.srv.Calls())
	r = w.runIn(other, with, "--non-interactive", "--renew", "-O", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "AWS_RUNAS_ASSUMED_ROLE_ARN='"+RolePrefix+"readonly'") || !strings.Contains(r.stdout, "__AWS_RUNAS_RENEW=") {
		t.Errorf("--renew from elsewhere:\n%s", r)
	}
	calls := w.srv.Calls()[before:]
	if len(calls) != 1 || calls[0].Action != "AssumeRole" || calls[0].Params.Get("RoleArn") != RolePrefix+"readonly" || calls[0].Params.Get("DurationSeconds") != "2700" {
		t.Errorf("--renew: want one AssumeRole of readonly for 2700 s (-a 45m); STS saw %s", describe(calls))
	}

	// The file now says admin is another role: refused, nothing applied.
	altConfig("admin")
	before = len(w.srv.Calls())
	r = w.run(with, "--non-interactive", "--renew", "-O", "bash")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "not renewed") || !strings.Contains(r.stderr, RolePrefix+"readonly") {
		t.Errorf("--renew after the profile changed role: want exit 1, no stdout, a message naming the recorded role:\n%s", r)
	}
	noSecrets(t, "stderr", r.stderr, w.secrets(), MFACode)

	for _, bad := range [][]string{nil, {"__AWS_RUNAS_RENEW=not a record"}, {"__AWS_RUNAS_RENEW=" + rec[:len(rec)/2]}} {
		r = w.run(bad, "--non-interactive", "--renew", "-O", "bash")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "__AWS_RUNAS_RENEW") {
			t.Errorf("--renew with %q: want exit 1, no stdout, a message naming the variable:\n%s", bad, r)
		}
	}
	for _, args := range [][]string{{"--renew", "admin"}, {"--renew", "--path", "alt/config"}, {"--renew", "-X", "x"}} {
		if r = w.run(with, args...); r.code != 2 || r.stdout != "" {
			t.Errorf("%q: want a usage error:\n%s", args, r)
		}
	}
	if n := len(w.srv.Calls()) - before; n != 0 {
		t.Errorf("refused renewals called STS %d times", n)
	}

	// -u removes the record with the credentials.
	r = w.mustRun(nil, "-u", "-O", "bash")
	if !strings.Contains(r.stdout, "unset") || !strings.Contains(r.stdout, "__AWS_RUNAS_RENEW") {
		t.Errorf("-u does not remove __AWS_RUNAS_RENEW:\n%s", r)
	}
}

func base64Decode(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}

// runIn is run with another working directory.
func (w *testWorld) runIn(dir string, extra []string, args ...string) runResult {
	w.t.Helper()
	saved := w.dir
	w.dir = dir
	defer func() { w.dir = saved }()
	return w.run(extra, args...)
}
