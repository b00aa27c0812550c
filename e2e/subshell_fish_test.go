//go:build unix

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Subshell mode with SHELL=fish (contract §3.3): an interactive fish after
// the user's own config, with the credentials and the (AWS:profile)
// prompt; leaving it leaves the parent bash as it was.
func TestTerminalSubshellFish(t *testing.T) {
	t.Parallel()
	fish := requireProg(t, "fish")
	w := newWorld(t)
	conf := filepath.Join(w.home, ".config", "fish")
	if err := os.MkdirAll(conf, 0o700); err != nil {
		t.Fatal(err)
	}
	// The user's own prompt, which the subshell's segment goes in front of.
	if err := os.WriteFile(filepath.Join(conf, "config.fish"), []byte("function fish_prompt; echo -n 'e2e$ '; end\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.mustRun(nil, "-o", MFACode, "-O", "json", "admin")
	tm := startShell(t, w, "SHELL="+fish, "XDG_CONFIG_HOME="+filepath.Join(w.home, ".config"))

	cmdline := "aws-runas admin"
	tm.do(cmdline)
	if seg := after(tm.screen(true), cmdline); !yellow("(AWS:admin)").MatchString(seg) {
		t.Errorf("fish subshell: no yellow (AWS:admin) in the prompt; the screen after %q:\n%q", cmdline, seg)
	}
	tm.do(`echo "p1=$AWS_RUNAS_PROFILE"`)
	tm.waitLine(`p1=admin`)
	tm.do("exit")
	tm.do(`echo "p2=${AWS_RUNAS_PROFILE-unset}"`)
	tm.waitLine(`p2=unset`)

	cmdline = "aws-runas -n admin"
	tm.do(cmdline)
	if seg := after(tm.screen(true), cmdline); !yellow("(AWS)").MatchString(seg) || strings.Contains(seg, "(AWS:") {
		t.Errorf("fish subshell with -n: want a yellow (AWS) prompt; the screen after %q:\n%q", cmdline, seg)
	}
	tm.do("exit")
}
