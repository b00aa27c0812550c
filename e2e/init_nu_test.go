//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// `aws-runas init nu` with the built binary in a real interactive nushell
// under tmux (issue 17), installed as the README says: saved once into the
// first of $nu.user-autoload-dirs, which nushell reads after config.nu.
// Nushell's syntax differs too much from the other shells' for
// forEachInitShell, so it has this test of its own.

// nuInstallLine is the README's one-time installation step for nushell.
const nuInstallLine = `mkdir ($nu.user-autoload-dirs | first); aws-runas init nu | save -f ($nu.user-autoload-dirs | first | path join aws-runas.nu)`

// nuSetExpiry is a nushell line that sets AWS_SESSION_EXPIRATION_UNIX to
// the clock plus offset seconds and prints "TAG=VALUE".
func nuSetExpiry(tag string, offset int) string {
	return fmt.Sprintf(`$env.AWS_SESSION_EXPIRATION_UNIX = ((date now | into int) // 1000000000 + (%d) | into string); print $"%s=($env.AWS_SESSION_EXPIRATION_UNIX)"`, offset, tag)
}

// startNuInit installs the init code with the README's line and opens an
// interactive nushell (its own config.nu: the prompt "e2e$ ", no banner,
// no hints) on a terminal.
func startNuInit(t *testing.T, w *testWorld) *tmuxTerm {
	t.Helper()
	nu := testtool.Nu(t)
	x := t.TempDir()
	env := append([]string(nil), w.env...)
	for _, d := range []string{"config", "data", "cache"} {
		if err := os.MkdirAll(filepath.Join(x, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env = append(env, "XDG_CONFIG_HOME="+filepath.Join(x, "config"), "XDG_DATA_HOME="+filepath.Join(x, "data"),
		"XDG_CACHE_HOME="+filepath.Join(x, "cache"), "SHELL="+nu)
	cfg := filepath.Join(x, "config", "nushell")
	if err := os.MkdirAll(cfg, 0o700); err != nil {
		t.Fatal(err)
	}
	// The user's prompt is a closure the segment must keep; the user's own
	// pre_prompt hook must stay beside the refresh hook.
	config := `$env.config.show_banner = false
$env.config.show_hints = false
$env.PROMPT_COMMAND = {|| "e2e$" }
$env.PROMPT_INDICATOR = " "
$env.PROMPT_COMMAND_RIGHT = ""
$env.USER_HOOK_RUNS = 0
$env.config.hooks.pre_prompt = ($env.config.hooks.pre_prompt? | default [] | append {|| $env.USER_HOOK_RUNS += 1 })
`
	for name, content := range map[string]string{"config.nu": config, "env.nu": ""} {
		if err := os.WriteFile(filepath.Join(cfg, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(nu, "-c", nuInstallLine)
	cmd.Env = env
	cmd.Dir = w.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's install line for nushell: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(cfg, "autoload", "aws-runas.nu")); err != nil {
		t.Fatalf("the install line saved no autoload file: %v", err)
	}
	// Two words: tmux runs one alone through $SHELL -c, and the pane would
	// be a nu that waits for this one.
	tm := startTmux(t, env, w.dir, nu, "--interactive")
	tm.waitFor("nushell's first prompt", func(s string) bool { return initPrompts(s) >= 1 })
	if s := sgrRE.ReplaceAllString(tm.screen(false), ""); strings.Contains(s, "rror") {
		t.Fatalf("nushell complains at start-up:\n%s", s)
	}
	return tm
}

func TestInitNu(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tmp := t.TempDir()
	w.env = append(w.env, "TMPDIR="+tmp)
	tm := startNuInit(t, w)

	initDo(tm, `print $"hooks=($env.config.hooks.pre_prompt | length) ours=($env.config.hooks.pre_prompt | where {|h| (view source $h) =~ '__aws_runas_' } | length)"`)
	if m := tm.waitLine(`hooks=([0-9]+) ours=([0-9]+)`); m[1] != "2" || m[2] != "1" {
		t.Errorf("pre_prompt holds %s hooks, %s of them aws-runas's; want the user's and one of ours", m[1], m[2])
	}

	// A COMMAND: the binary runs it; its status is in LAST_EXIT_CODE and
	// the shell is unchanged.
	initDo(tm, "aws-runas -o "+MFACode+" admin -- sh -c 'exit 7'")
	initDo(tm, `print $"rc=($env.LAST_EXIT_CODE)"`)
	if m := tm.waitLine(`rc=([0-9]+)`); m[1] != "7" {
		t.Errorf("aws-runas admin -- sh -c 'exit 7': LAST_EXIT_CODE %s, want 7", m[1])
	}
	// Its output streams: the first line shows while the command waits for
	// the terminal's input.
	n := initPrompts(tm.screen(false))
	tm.typeLine(`aws-runas admin -- sh -c 'echo part-one; read line; echo "got=$line"'`)
	tm.waitLine(`part-one`)
	tm.typeLine("typed-in")
	tm.waitLine(`got=typed-in`)
	tm.waitFor("the prompt after the streaming command", func(s string) bool { return initPrompts(s) > n })
	initDo(tm, `print $"p0=($env.AWS_RUNAS_PROFILE? | default unset) rc=($env.LAST_EXIT_CODE)"`)
	tm.waitLine(`p0=unset rc=0`)
	initCheckPrompt(t, tm, "aws-runas with a COMMAND", "e2e$", "", 0)

	// No COMMAND: this shell switches in place.
	initDo(tm, "aws-runas admin")
	initCheckPrompt(t, tm, "aws-runas admin", "(AWS:admin) e2e$", "(AWS:admin)", 33)
	initDo(tm, `print $"p1=($env.AWS_RUNAS_PROFILE) rc=($env.LAST_EXIT_CODE) role=($env.AWS_RUNAS_ASSUMED_ROLE_ARN)"`)
	tm.waitLine(`p1=admin rc=0 role=` + regexp.QuoteMeta(RolePrefix+"admin"))

	// The wrapper's private variables reach no command: neither a command
	// of the user's nor one the binary runs.
	initDo(tm, `^env | save -f env-direct.txt; aws-runas admin -- env | save -f env-run.txt`)
	for _, f := range []string{"env-direct.txt", "env-run.txt"} {
		env := readFile(t, filepath.Join(w.dir, f))
		if !strings.Contains("\n"+env, "\nAWS_ACCESS_KEY_ID=") {
			t.Errorf("%s: no AWS_ACCESS_KEY_ID, the check is blind:\n%s", f, env)
		}
		for _, l := range strings.Split(env, "\n") {
			if strings.HasPrefix(l, "__AWS_RUNAS_") && !strings.HasPrefix(l, "__AWS_RUNAS_RENEW=") {
				t.Errorf("%s: a private variable of the wrapper reached a command: %.60q", f, l)
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "aws-runas*")); len(left) > 0 {
		t.Errorf("the wrapper left its files behind: %q", left)
	}

	// The refresh hook: the role credentials near expiry, in the shell and
	// in the cache; before the next prompt the hook renews them through
	// --renew, and STS sees the AssumeRole.
	initDo(tm, `print $"rkey1=($env.AWS_ACCESS_KEY_ID)"`)
	rkey1 := tm.waitLine(`rkey1=(ASIA[A-Z0-9]+)`)[1]
	assumed, before := w.srv.CallCount("AssumeRole"), w.srv.CallCount("")
	setRoleCacheExpiry(t, w, time.Now().Add(2*time.Minute))
	initDo(tm, nuSetExpiry("near", 120))
	initDo(tm, `print $"rkey2=($env.AWS_ACCESS_KEY_ID) rexp2=($env.AWS_SESSION_EXPIRATION_UNIX)"`)
	m := tm.waitLine(`rkey2=(\S*) rexp2=([0-9]+)`)
	exp, _ := strconv.ParseInt(m[2], 10, 64)
	if m[1] == rkey1 || exp-time.Now().Unix() < 1800 || w.srv.CallCount("AssumeRole") != assumed+1 {
		t.Errorf("role credentials near expiry: after a prompt the key is %s (was %s), the expiry %d s ahead; STS calls since: %s",
			m[1], rkey1, exp-time.Now().Unix(), describe(w.srv.Calls()[before:]))
	}
	initCheckPrompt(t, tm, "the refresh", "(AWS:admin) e2e$", "(AWS:admin)", 33)

	// Twenty prompts far from expiry start no process (strace follows
	// nushell and whatever it starts, then one command of the user's,
	// which it must see); the user's own hook runs at each.
	strace := requireProg(t, "strace")
	initDo(tm, `print $"runs1=($env.USER_HOOK_RUNS)"`)
	runs1, _ := strconv.Atoi(tm.waitLine(`runs1=([0-9]+)`)[1])
	bad := processesDuring20Prompts(t, tm, strace, "^/bin/echo", nil)
	if len(bad) > 0 {
		t.Errorf("nushell started processes during 20 prompts far from expiry:\n%s", formatEvents(bad))
	}
	initDo(tm, `print $"runs2=($env.USER_HOOK_RUNS)"`)
	if runs2, _ := strconv.Atoi(tm.waitLine(`runs2=([0-9]+)`)[1]); runs2 < runs1+21 {
		t.Errorf("the user's pre_prompt hook ran %d times over 21 prompts", runs2-runs1)
	}
	initCheckPrompt(t, tm, "20 prompts", "(AWS:admin) e2e$", "(AWS:admin)", 33)

	// Expired, and renewing would need an MFA code: nothing is asked, the
	// variables stay, and the segment turns red.
	removeCache(t, w)
	calls := w.srv.CallCount("")
	initDo(tm, nuSetExpiry("past", -10))
	past := tm.waitLine(`past=([0-9]+)`)[1]
	initCheckPrompt(t, tm, "the expiry passed", "(AWS:admin) e2e$", "(AWS:admin)", 31)
	initDo(tm, `print $"exp3=($env.AWS_SESSION_EXPIRATION_UNIX) p3=($env.AWS_RUNAS_PROFILE)"`)
	if m := tm.waitLine(`exp3=(\S*) p3=(\S*)`); m[1] != past || m[2] != "admin" {
		t.Errorf("an expired role whose renewal needs MFA changed: expiry %s (was %s), profile %s", m[1], past, m[2])
	}
	initCheckPrompt(t, tm, "one more prompt", "(AWS:admin) e2e$", "(AWS:admin)", 31)
	if n := w.srv.CallCount(""); n != calls {
		t.Errorf("the refresh hook called STS without the MFA code it needs: %s", describe(w.srv.Calls()[calls:]))
	}

	// -u: the variables go, and with them the segment.
	initDo(tm, "aws-runas -u")
	initCheckPrompt(t, tm, "aws-runas -u", "e2e$", "", 0)
	initDo(tm, `print $"p4=($env.AWS_RUNAS_PROFILE? | default unset) key=($env.AWS_ACCESS_KEY_ID? | default unset)"`)
	tm.waitLine(`p4=unset key=unset`)

	// The binary itself, without the wrapper, from nushell: a subshell, an
	// interactive nushell with the credentials and the segment, the user's
	// config kept; exit comes back to this shell, unchanged.
	initDo(tm, "^aws-runas -o "+MFACode+" admin")
	initCheckPrompt(t, tm, "^aws-runas admin (a subshell)", "(AWS:admin) e2e$", "(AWS:admin)", 33)
	initDo(tm, `print $"sub=($env.AWS_RUNAS_PROFILE) key=($env.AWS_ACCESS_KEY_ID) nu=($env.NU_VERSION? | default none) hooks=($env.config.hooks.pre_prompt | length)"`)
	tm.waitLine(`sub=admin key=ASIA[A-Z0-9]+ nu=[0-9.]+ hooks=2`)
	initDo(tm, "exit")
	initCheckPrompt(t, tm, "exit from the subshell", "e2e$", "", 0)
	initDo(tm, `print $"p5=($env.AWS_RUNAS_PROFILE? | default unset)"`)
	tm.waitLine(`p5=unset`)

	if s := tm.screen(false); strings.Contains(s, "Enter MFA code") || strings.Contains(s, "aws-runas:") {
		t.Errorf("the shell asked or complained:\n%s", s)
	}
	if g := w.srv.CallCount("GetSessionToken"); g != 2 {
		t.Errorf("GetSessionToken calls: %d, want 2 (then the cache, which the test removed once): %s", g, describe(w.srv.Calls()))
	}
}
