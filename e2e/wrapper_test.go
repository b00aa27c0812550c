//go:build unix

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wrapperScripts are scripts that define the wrapper function (named cmd),
// switch with it in the shell itself, then take its code from a command
// substitution. They print what they see, never a secret.
var wrapperScripts = map[string]func(cmd string) string{
	"bash": func(cmd string) string { return posixWrapperScript("bash", cmd) },
	"zsh":  func(cmd string) string { return posixWrapperScript("zsh", cmd) },
	"dash": func(cmd string) string { return posixWrapperScript("sh", cmd) },
	"fish": func(cmd string) string {
		return `aws-runas init fish --cmd ` + cmd + ` | source
` + cmd + ` -o ` + MFACode + ` admin
echo "in-place profile=$AWS_RUNAS_PROFILE role=$AWS_RUNAS_ASSUMED_ROLE_ARN key=$AWS_ACCESS_KEY_ID secret="(set -q AWS_SECRET_ACCESS_KEY; and echo set)
` + cmd + ` -u
echo "unset profile=$AWS_RUNAS_PROFILE"
set c (` + cmd + ` admin | string collect)
string match -q '*AWS_SECRET_ACCESS_KEY*' -- $c; and echo subst-printed-code
echo "subst-before profile=$AWS_RUNAS_PROFILE"
eval $c
echo "subst profile=$AWS_RUNAS_PROFILE"
`
	},
}

func posixWrapperScript(dialect, cmd string) string {
	return `eval "$(aws-runas init ` + dialect + ` --cmd ` + cmd + `)"
` + cmd + ` -o ` + MFACode + ` admin
echo "in-place profile=${AWS_RUNAS_PROFILE-} role=${AWS_RUNAS_ASSUMED_ROLE_ARN-} key=${AWS_ACCESS_KEY_ID-} secret=${AWS_SECRET_ACCESS_KEY:+set}"
` + cmd + ` -u
echo "unset profile=${AWS_RUNAS_PROFILE-}"
c=$(` + cmd + ` admin)
case $c in *AWS_SECRET_ACCESS_KEY*) echo subst-printed-code ;; esac
echo "subst-before profile=${AWS_RUNAS_PROFILE-}"
eval "$c"
echo "subst profile=${AWS_RUNAS_PROFILE-}"
`
}

// The wrapper function in a shell whose stdout is a file (a CI log, `bash
// -c '...' | tee log`): it switches that shell and prints nothing, so no
// secret reaches the file; inside $(...) it prints the code, which eval
// applies (issue 10, contract §5). For the default name and --cmd.
func TestWrapperStdoutFile(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "dash", "fish"} {
		for _, cmd := range []string{"aws-runas", "awsr"} {
			t.Run(shell+"/"+cmd, func(t *testing.T) {
				t.Parallel()
				path := requireProg(t, shell)
				w := newWorld(t)
				log := filepath.Join(w.dir, "log")
				f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
				defer cancel()
				args := []string{"-c", wrapperScripts[shell](cmd)}
				if shell == "fish" {
					args = append([]string{"--no-config"}, args...)
				}
				c := exec.CommandContext(ctx, path, args...)
				c.Env = append(append([]string(nil), w.env...), "SHELL="+path)
				c.Dir = w.dir
				var stderr bytes.Buffer
				c.Stdout, c.Stderr = f, &stderr
				if err := c.Run(); err != nil {
					t.Fatalf("%s: %v\nstderr: %s", shell, err, stderr.String())
				}
				got := readFile(t, log)
				noSecrets(t, "the log (stdout)", got, w.secrets(), MFACode)
				noSecrets(t, "stderr", stderr.String(), w.secrets(), MFACode)
				for _, want := range []string{
					"in-place profile=admin role=" + RolePrefix + "admin key=ASIA",
					" secret=set\n",
					"unset profile=\n",
					"subst-printed-code\n",
					"subst-before profile=\n",
					"subst profile=admin\n",
				} {
					if !strings.Contains(got, want) {
						t.Errorf("the log lacks %q:\n%s\nstderr: %s", want, got, stderr.String())
					}
				}
				if n := w.srv.CallCount("AssumeRole"); n != 1 {
					t.Errorf("AssumeRole calls: %d, want 1 (then the cache): %s", n, describe(w.srv.Calls()))
				}
			})
		}
	}
}
