//go:build unix

package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

// Secrets never appear on stderr (contract §7): not the long-term secret
// keys, not the secrets or session tokens STS issued, not the MFA code,
// whatever path a run takes, -v included.
func TestSecretsNeverOnStderr(t *testing.T) {
	t.Parallel()
	requireProg(t, "sh")
	warm := secretStep{name: "verbose, cold", args: []string{"-v", "-o", MFACode, "-O", "json", "admin"}}
	// Faults the SDK retries, with backoff, and an unreachable STS take a
	// few seconds each: they run beside the rest, each in a world of its own.
	t.Run("throttled", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		checkSecretSteps(t, w, []secretStep{warm,
			{name: "throttled whoami", setup: func() { w.srv.Fail(ststest.Fault{Action: "GetCallerIdentity", Code: "Throttling"}) }, args: []string{"-v", "-w", "admin"}, code: 1},
		})
	})
	t.Run("internal failure", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		checkSecretSteps(t, w, []secretStep{warm,
			{name: "internal failure", setup: func() { w.srv.Fail(ststest.Fault{Action: "AssumeRole", Code: "InternalFailure"}) }, args: []string{"-v", "-r", "-O", "json", "readonly"}, code: 1},
		})
	})
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + l.Addr().String()
		l.Close()
		checkSecretSteps(t, w, []secretStep{warm,
			{name: "STS unreachable", extra: []string{"AWS_ENDPOINT_URL_STS=" + closed}, args: []string{"-v", "-r", "-o", MFACode, "-O", "json", "admin"}, code: 1},
		})
	})
	t.Run("main", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		// Files that hold secrets of their own.
		const (
			wrongSecret   = "wrongSecretKeyForBob+000000000000000000"
			wrappedSecret = "wrappedSecretKeyOnItsOwnLine00000000000"
			typoSecret    = "typoSecretKeyWithoutEqualsSign000000000"
			procSecret    = "procSecretKeyFromCredentialProcess00000"
		)
		write := func(name, content string) string {
			p := filepath.Join(w.dir, name)
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		wrongCreds := write("wrong-credentials", "[bob]\naws_access_key_id = "+BobKey+"\naws_secret_access_key = "+wrongSecret+"\n")
		// A secret that wrapped onto a line of its own, and one whose '='
		// is missing: mistakes a user makes, that the parser reports.
		wrappedCreds := write("wrapped-credentials", "[bob]\naws_access_key_id = "+BobKey+"\naws_secret_access_key =\n"+wrappedSecret+"\n")
		typoCreds := write("typo-credentials", "[bob]\naws_access_key_id = "+BobKey+"\naws_secret_access_key "+typoSecret+"\n")
		// A credential_process whose output is not quite right (an
		// Expiration that is no RFC 3339 time).
		procJSON := write("proc.json", `{"Version":1,"AccessKeyId":"AKIAPROC000000000001","SecretAccessKey":"`+procSecret+`","Expiration":"tomorrow"}`+"\n")
		procConfig := write("proc-config", "[profile proc]\ncredential_process = cat "+procJSON+"\n")

		fail := func(f ststest.Fault) func() { return func() { w.srv.ClearFaults(); w.srv.Fail(f) } }
		checkSecretSteps(t, w, []secretStep{
			warm,
			{name: "verbose, cached", args: []string{"-v", "-O", "json", "admin"}},
			{name: "verbose, session token", args: []string{"-v", "-n", "-O", "bash", "admin"}},
			{name: "verbose, run mode", args: []string{"-v", "admin", "--", "sh", "-c", "exit 0"}},
			{name: "verbose, run mode failing", args: []string{"-v", "admin", "--", "sh", "-c", "exit 5"}, code: 5},
			{name: "verbose, whoami", args: []string{"-v", "-w", "admin"}},
			{name: "verbose, expiration", args: []string{"-v", "-e", "admin"}},
			{name: "wrong MFA code", args: []string{"-v", "-n", "-r", "-o", "654321", "-O", "json", "admin"}, code: 1},
			{name: "AccessDenied", setup: fail(ststest.Fault{Action: "AssumeRole", Code: "AccessDenied", Times: 1}), args: []string{"-v", "-r", "-O", "json", "admin"}, code: 1},
			{name: "ExpiredToken twice", setup: fail(ststest.Fault{Action: "AssumeRole", Code: "ExpiredToken", Times: 2}), args: []string{"-v", "-r", "-o", MFACode, "-O", "json", "admin"}, code: 1},
			{name: "refresh after ExpiredToken", setup: w.srv.ClearFaults, args: []string{"-v", "-r", "-o", MFACode, "-O", "json", "admin"}},
			{name: "expired, non-interactive", setup: w.srv.ExpireAll, args: []string{"-v", "-r", "--non-interactive", "-O", "json", "admin"}, code: 3},
			{name: "expired credentials, whoami", args: []string{"-v", "-w", "admin"}, code: 1},
			{name: "expired, with -o", args: []string{"-v", "-r", "-o", MFACode, "-O", "json", "admin"}},
			{name: "unknown profile", args: []string{"-v", "-O", "json", "nosuch"}, code: 1},
			{name: "unknown flag", args: []string{"-v", "--bogus", "-o", MFACode, "admin"}, code: 2},
			{name: "short MFA code", args: []string{"-v", "-o", "12345", "admin"}, code: 2},
			{name: "long one-time code", args: []string{"-v", "-o", "654321098", "admin"}, code: 2},
			{name: "bad duration", args: []string{"-v", "-o", MFACode, "-d", "99h", "admin"}, code: 2},
			{name: "option after profile", args: []string{"-v", "admin", "-o", MFACode}, code: 2},
			{name: "wrong secret key", extra: []string{"AWS_SHARED_CREDENTIALS_FILE=" + wrongCreds}, args: []string{"-v", "-n", "-O", "json", "bob"}, code: 1},
			{name: "secret wrapped onto its own line", extra: []string{"AWS_SHARED_CREDENTIALS_FILE=" + wrappedCreds}, args: []string{"-v", "-n", "-O", "json", "bob"}, code: 1},
			{name: "secret key line without '='", extra: []string{"AWS_SHARED_CREDENTIALS_FILE=" + typoCreds}, args: []string{"-v", "-n", "-O", "json", "bob"}, code: 1},
			{name: "credential_process with bad output", extra: []string{"AWS_CONFIG_FILE=" + procConfig}, args: []string{"-v", "-n", "-O", "json", "proc"}, code: 1},
		}, wrongSecret, wrappedSecret, typoSecret, procSecret)
	})
}

// secretStep is one run of TestSecretsNeverOnStderr.
type secretStep struct {
	name  string
	setup func()
	extra []string // environment
	args  []string
	code  int // the exit status wanted
}

// checkSecretSteps runs steps in order, then checks that no stderr holds
// a secret: known ones, and every one issued along the way.
func checkSecretSteps(t *testing.T, w *testWorld, steps []secretStep, known ...string) {
	t.Helper()
	stderrs := make([]string, len(steps))
	for i, s := range steps {
		if s.setup != nil {
			s.setup()
		}
		r := w.run(s.extra, s.args...)
		if r.code != s.code {
			t.Errorf("%s: want exit %d:\n%s", s.name, s.code, r)
		}
		if s.code != 0 && len(s.args) > 0 && !contains(s.args, "--") && r.stdout != "" {
			t.Errorf("%s: stdout not empty on error:\n%s", s.name, r)
		}
		if r.code == 0 && strings.Contains(strings.Join(s.args, " "), "-O json") {
			c := parseJSONCreds(t, r)
			known = append(known, c.SecretAccessKey, c.SessionToken)
		}
		// Cache files come and go (an expired session token is removed):
		// collect their secrets after every step.
		known = append(known, w.secrets()...)
		stderrs[i] = r.stderr
	}
	for i, s := range steps {
		noSecrets(t, s.name+": stderr", stderrs[i], known, MFACode, "654321")
	}
}
