//go:build unix

package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/aws-runas/aws-runas/internal/testtool"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/completions"
)

// The shell integration of `aws-runas init SHELL` (contract §5) with the
// real binary, in real interactive bash, zsh and fish sessions under tmux:
// the wrapper function, the prompt segment, the refresh hook, and what they
// cost at each prompt. Then print mode and init for PowerShell (parsed, not
// run: no pwsh here) and `aws-runas completion SHELL`.

// initShell is one interactive shell the init tests drive. Its prompt is
// "e2e$ ", behind the (AWS...) segment when one shows.
type initShell struct {
	name string
	// status is how the shell spells the status of the last command.
	status string
	// initLine evaluates the init code in the shell.
	initLine string
	// setExpiry is a command line that sets AWS_SESSION_EXPIRATION_UNIX to
	// the clock plus the given seconds (negative: in the past) and prints
	// "TAG=VALUE".
	setExpiry func(tag string, offset int) string
	// hooks is a command line that prints "hooks=N", N the number of times
	// the init's prompt hook is installed.
	hooks string
}

var initShells = []initShell{
	{
		name:     "bash",
		status:   "$?",
		initLine: `eval "$(aws-runas init bash)"`,
		setExpiry: func(tag string, off int) string {
			return fmt.Sprintf(`export AWS_SESSION_EXPIRATION_UNIX=$(( $(date +%%s) + (%d) )); echo "%s=$AWS_SESSION_EXPIRATION_UNIX"`, off, tag)
		},
		hooks: `echo "hooks=$(printf '%s\n' "${PROMPT_COMMAND[@]}" | grep -c __aws_runas_hook)"`,
	},
	{
		name:     "zsh",
		status:   "$?",
		initLine: `eval "$(aws-runas init zsh)"`,
		setExpiry: func(tag string, off int) string {
			return fmt.Sprintf(`export AWS_SESSION_EXPIRATION_UNIX=$(( $(date +%%s) + (%d) )); echo "%s=$AWS_SESSION_EXPIRATION_UNIX"`, off, tag)
		},
		hooks: `echo "hooks=$(print -rl -- $precmd_functions | grep -c __aws_runas_precmd)"`,
	},
	{
		name:     "fish",
		status:   "$status",
		initLine: `aws-runas init fish | source`,
		setExpiry: func(tag string, off int) string {
			return fmt.Sprintf(`set -gx AWS_SESSION_EXPIRATION_UNIX (math (date +%%s) + %d); echo "%s=$AWS_SESSION_EXPIRATION_UNIX"`, off, tag)
		},
		// The refresh hook is a fish_prompt event handler; the wrapped
		// prompt is checked on screen (two wraps would show two segments).
		hooks: `echo "hooks="(functions --handlers-type generic | string match -e 'fish_prompt __aws_runas_refresh' | count)`,
	},
}

// initPromptRE matches a prompt line, with the segment (whatever profile
// name it holds, parentheses included) or without it.
var initPromptRE = regexp.MustCompile(`(?m)^(?:\(AWS.*\) )?e2e\$`)

// idlePromptRE matches a prompt line with nothing typed after it.
var idlePromptRE = regexp.MustCompile(`^(?:\(AWS.*\) )?e2e\$\s*$`)

// sgrRE matches the SGR sequences capture-pane -e writes.
var sgrRE = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func initPrompts(screen string) int { return len(initPromptRE.FindAllStringIndex(screen, -1)) }

// initDo types a command line and waits for the prompt after it.
func initDo(tm *tmuxTerm, line string) {
	tm.t.Helper()
	n := initPrompts(tm.screen(false))
	tm.typeLine(line)
	tm.waitFor(fmt.Sprintf("the prompt after %q", line), func(s string) bool { return initPrompts(s) > n })
}

// lastPrompt is the last prompt line of the screen, as text and with its
// colors (SGR sequences), and the whole screen with colors for messages.
func initLastPrompt(tm *tmuxTerm) (plain, colored, screen string) {
	tm.t.Helper()
	screen = tm.screen(true)
	lines := strings.Split(screen, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		p := sgrRE.ReplaceAllString(lines[i], "")
		if idlePromptRE.MatchString(p) {
			return strings.TrimRight(p, " "), lines[i], screen
		}
	}
	tm.t.Fatalf("no prompt line on the screen:\n%s", screen)
	return "", "", ""
}

// colored matches text drawn in the given SGR color (31 red, 33 yellow):
// the last color set before text is that one (tmux may set the
// background after it).
func initColored(code int, text string) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`\x1b\[(?:[0-9]+;)*%d(?:;[0-9]+)*m(?:\x1b\[4[0-9]m)*%s`, code, regexp.QuoteMeta(text)))
}

// checkPrompt fails unless the current prompt is want (plain text), with
// segment (if any) drawn in color.
func initCheckPrompt(t *testing.T, tm *tmuxTerm, after, want, segment string, color int) {
	t.Helper()
	plain, line, screen := initLastPrompt(tm)
	if plain != want {
		t.Errorf("after %s the prompt is %q, want %q; the screen:\n%s", after, plain, want, sgrRE.ReplaceAllString(screen, ""))
		return
	}
	if segment != "" && !initColored(color, segment).MatchString(line) {
		t.Errorf("after %s the prompt %q does not show %s in color %d: %q", after, plain, segment, color, line)
	}
}

// startInitShell opens a terminal running sh interactively, without rc
// files, with the prompt "e2e$ ", and evaluates the init code times times.
func startInitShell(t *testing.T, w *testWorld, sh initShell, times int) *tmuxTerm {
	t.Helper()
	path := requireProg(t, sh.name)
	env := append(append([]string(nil), w.env...), "SHELL="+path, "PS1=e2e$ ", "HISTFILE=/dev/null")
	var argv []string
	switch sh.name {
	case "bash":
		argv = []string{path, "--norc", "--noprofile"}
	case "zsh":
		argv = []string{path, "-f"}
	case "fish":
		x := t.TempDir()
		for _, d := range []string{"config", "data", "cache", "runtime"} {
			if err := os.Mkdir(filepath.Join(x, d), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		env = append(env, "XDG_CONFIG_HOME="+filepath.Join(x, "config"), "XDG_DATA_HOME="+filepath.Join(x, "data"),
			"XDG_CACHE_HOME="+filepath.Join(x, "cache"), "XDG_RUNTIME_DIR="+filepath.Join(x, "runtime"))
		argv = []string{path, "--no-config", "-C", `function fish_prompt; printf 'e2e$ '; end; set -g fish_autosuggestion_enabled 0; set -g fish_history ''`}
	default:
		t.Fatalf("no such shell %s", sh.name)
	}
	tm := startTmux(t, env, w.dir, argv...)
	tm.waitFor("the shell's first prompt", func(s string) bool { return initPrompts(s) >= 1 })
	for i := 0; i < times; i++ {
		initDo(tm, sh.initLine)
	}
	if s := sgrRE.ReplaceAllString(tm.screen(false), ""); strings.Contains(s, "rror") || strings.Contains(s, "not found") {
		t.Fatalf("%s: the init code complains:\n%s", sh.name, s)
	}
	return tm
}

func forEachInitShell(t *testing.T, f func(t *testing.T, sh initShell)) {
	t.Parallel()
	for _, sh := range initShells {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			f(t, sh)
		})
	}
}

// The wrapper function, with init evaluated twice: with a COMMAND it is the
// binary (status, stdout, stdin; its output is never evaluated, the shell
// is unchanged); without one it switches the shell in place, and the
// prompt shows the segment once, in yellow: (AWS:admin) for a role, (AWS)
// for a session token, none after -u.
func TestInitWrapper(t *testing.T) {
	forEachInitShell(t, func(t *testing.T, sh initShell) {
		w := newWorld(t)
		tm := startInitShell(t, w, sh, 2)

		initDo(tm, sh.hooks)
		if m := tm.waitLine(`hooks=([0-9]+)`); m[1] != "1" {
			t.Errorf("init evaluated twice installs its prompt hook %s times, want 1", m[1])
		}

		// A COMMAND: the binary's exit status, its stdout (never evaluated),
		// its stdin.
		initDo(tm, "aws-runas -o "+MFACode+" admin sh -c 'exit 7'; echo \"rc="+sh.status+"\"")
		if m := tm.waitLine(`rc=([0-9]+)`); m[1] != "7" {
			t.Errorf("aws-runas admin sh -c 'exit 7': status %s, want 7", m[1])
		}
		initDo(tm, `aws-runas admin printf 'export X=1\n'; printenv X || echo X-unset`)
		tm.waitLine(`export X=1`)
		tm.waitLine(`X-unset`)
		initDo(tm, `printf '%s\n' piped-42 | aws-runas admin tr a-z A-Z`)
		tm.waitLine(`PIPED-42`)
		initDo(tm, `printenv AWS_RUNAS_PROFILE || echo p0-unset`)
		tm.waitLine(`p0-unset`)
		initCheckPrompt(t, tm, "runs with a COMMAND", "e2e$", "", 0)

		// No COMMAND: this shell switches.
		cmd := "aws-runas -o " + MFACode + " admin"
		initDo(tm, cmd)
		initCheckPrompt(t, tm, cmd, "(AWS:admin) e2e$", "(AWS:admin)", 33)
		initDo(tm, `echo "p1=$AWS_RUNAS_PROFILE"`)
		tm.waitLine(`p1=admin`)
		initDo(tm, `printenv AWS_RUNAS_ASSUMED_ROLE_ARN`)
		tm.waitLine(regexp.QuoteMeta(RolePrefix + "admin"))

		// The user's own AWS_RUNAS_SHELL names another shell: the wrapper's
		// call still gets code for this one, and the variable stays.
		other := map[string]string{"bash": "export AWS_RUNAS_SHELL=fish", "zsh": "export AWS_RUNAS_SHELL=fish", "fish": "set -gx AWS_RUNAS_SHELL bash"}[sh.name]
		initDo(tm, other)
		cmd = "aws-runas -n admin"
		initDo(tm, cmd)
		initCheckPrompt(t, tm, cmd, "(AWS) e2e$", "(AWS)", 33)
		initDo(tm, `echo "us=$AWS_RUNAS_SHELL"; `+map[string]string{"bash": "unset AWS_RUNAS_SHELL", "zsh": "unset AWS_RUNAS_SHELL", "fish": "set -e AWS_RUNAS_SHELL"}[sh.name])
		tm.waitLine(`us=(fish|bash)`)
		initDo(tm, `echo "p2=$AWS_RUNAS_PROFILE"; printenv AWS_RUNAS_ASSUMED_ROLE_ARN || echo role-unset`)
		tm.waitLine(`p2=admin`)
		tm.waitLine(`role-unset`)

		cmd = "aws-runas -u"
		initDo(tm, cmd)
		initCheckPrompt(t, tm, cmd, "e2e$", "", 0)
		initDo(tm, `printenv AWS_RUNAS_PROFILE || echo p3-unset; printenv AWS_ACCESS_KEY_ID || echo key-unset`)
		tm.waitLine(`p3-unset`)
		tm.waitLine(`key-unset`)

		// stdout a file: the shell switches all the same, and nothing is
		// printed (issue 10).
		initDo(tm, `aws-runas admin > printed.txt; echo "p4=$AWS_RUNAS_PROFILE"`)
		tm.waitLine(`p4=admin`)
		if got := readFile(t, filepath.Join(w.dir, "printed.txt")); got != "" {
			t.Errorf("aws-runas admin > printed.txt wrote %q, want nothing", got)
		}
		initDo(tm, "aws-runas -u")
		// A command substitution cannot change the shell: there the wrapper
		// is the binary, which prints the code, and eval applies it.
		if sh.name == "fish" {
			initDo(tm, `eval (aws-runas admin | string collect); echo "p5=$AWS_RUNAS_PROFILE"`)
		} else {
			initDo(tm, `eval "$(aws-runas admin)"; echo "p5=$AWS_RUNAS_PROFILE"`)
		}
		tm.waitLine(`p5=admin`)
		initDo(tm, "aws-runas -u")

		if s := tm.screen(false); strings.Contains(s, "Enter MFA code") {
			t.Errorf("an MFA code was asked for although every run had it or a cache:\n%s", s)
		}
		if g := w.srv.CallCount("GetSessionToken"); g != 1 {
			t.Errorf("GetSessionToken calls: %d, want 1 (then the cache): %s", g, describe(w.srv.Calls()))
		}
	})
}

// Ctrl-C during a COMMAND run by the wrapper reaches the command, and the
// shell then reports what it reports for the binary itself: the same
// status, and (bash, zsh) the rest of the command line is dropped. fish
// runs the rest of the line after a function is interrupted, whatever the
// function (fish's own rule), so there only the status is compared. The
// wrapper's private file does not outlive the next call.
func TestInitWrapperCtrlC(t *testing.T) {
	forEachInitShell(t, func(t *testing.T, sh initShell) {
		w := newWorld(t)
		tmp := t.TempDir()
		w.env = append(w.env, "TMPDIR="+tmp)
		tm := startInitShell(t, w, sh, 1)
		initDo(tm, "aws-runas -o "+MFACode+" admin true")

		interrupt := func(line string) {
			t.Helper()
			n := initPrompts(tm.screen(false))
			tm.typeLine(line)
			waitChild(t, tm, "sleep")
			tm.keys("C-c")
			tm.waitFor(fmt.Sprintf("the prompt after Ctrl-C interrupted %q", line), func(s string) bool { return initPrompts(s) > n })
		}
		// The binary itself, as the reference.
		interrupt("command aws-runas admin sleep 30; echo after-ref")
		initDo(tm, `echo "refrc=`+sh.status+`"`)
		ref := tm.waitLine(`refrc=([0-9]+)`)[1]
		if ref != "130" {
			t.Logf("%s reports %s after Ctrl-C interrupted the binary", sh.name, ref)
		}
		if sh.name == "fish" {
			interrupt(`aws-runas admin sleep 30; echo "fnrc=$status"`)
		} else {
			interrupt("aws-runas admin sleep 30; echo after-fn")
			initDo(tm, `echo "fnrc=`+sh.status+`"`)
		}
		// fish's echo follows the ^C the terminal showed, on its line.
		if got := tm.waitLine(`(?:\^C)?fnrc=([0-9]+)`)[1]; got != ref {
			t.Errorf("after Ctrl-C the wrapper's status is %s; the binary's is %s", got, ref)
		}
		screen := tm.screen(false)
		for _, l := range strings.Split(screen, "\n") {
			if sh.name != "fish" && strings.TrimSpace(l) == "after-fn" {
				t.Errorf("Ctrl-C stopped the binary's command line but not the wrapper's:\n%s", screen)
			}
			if strings.TrimSpace(l) == "after-ref" {
				t.Errorf("Ctrl-C did not stop the command line of the binary itself:\n%s", screen)
			}
		}
		initDo(tm, "aws-runas admin true")
		if left, _ := filepath.Glob(filepath.Join(tmp, "aws-runas*")); len(left) > 0 {
			t.Errorf("the wrapper left its files behind after Ctrl-C: %q", left)
		}
	})
}

// waitChild waits until the shell of tm has a child process named comm.
func waitChild(t *testing.T, tm *tmuxTerm, comm string) {
	t.Helper()
	pid := tm.panePID()
	deadline := time.Now().Add(waitTimeout)
	for {
		kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		for _, k := range strings.Fields(string(kids)) {
			if c, _ := os.ReadFile("/proc/" + k + "/comm"); strings.TrimSpace(string(c)) == comm {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s process under the shell (%d) after %s; the screen:\n%s", comm, pid, waitTimeout, tm.screen(false))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The refresh hook: credentials that expire within a minute are replaced at
// the next prompt without a question; where that needs an MFA code nothing
// is asked, the variables stay, and the segment turns red once they expire.
func TestInitRefresh(t *testing.T) {
	forEachInitShell(t, func(t *testing.T, sh initShell) {
		w := newWorld(t)
		tm := startInitShell(t, w, sh, 1)

		initDo(tm, "aws-runas -o "+MFACode+" admin")
		initCheckPrompt(t, tm, "aws-runas admin", "(AWS:admin) e2e$", "(AWS:admin)", 33)

		// Role credentials a minute from expiry: the hook gets them again
		// (from the cache, no MFA needed) before the next prompt.
		initDo(tm, sh.setExpiry("near1", 60))
		near := tm.waitLine(`near1=([0-9]+)`)[1]
		initDo(tm, `echo "exp=$AWS_SESSION_EXPIRATION_UNIX"`)
		exp, _ := strconv.ParseInt(tm.waitLine(`exp=([0-9]+)`)[1], 10, 64)
		if left := exp - time.Now().Unix(); left < 1800 {
			t.Errorf("AWS_SESSION_EXPIRATION_UNIX was set to %s (a minute ahead); after a prompt it is %d, %d s ahead: not refreshed", near, exp, left)
		}
		initCheckPrompt(t, tm, "the refresh", "(AWS:admin) e2e$", "(AWS:admin)", 33)

		// The cached role credentials near expiry too, as they are when
		// the expiry is real: the hook gets new ones from STS (with the
		// cached session token: no MFA needed).
		initDo(tm, `echo "rkey1=$AWS_ACCESS_KEY_ID"`)
		rkey1 := tm.waitLine(`rkey1=(ASIA[A-Z0-9]+)`)[1]
		assumed, before := w.srv.CallCount("AssumeRole"), w.srv.CallCount("")
		setRoleCacheExpiry(t, w, time.Now().Add(2*time.Minute))
		initDo(tm, sh.setExpiry("near0", 120))
		initDo(tm, `echo "rkey2=$AWS_ACCESS_KEY_ID rexp2=$AWS_SESSION_EXPIRATION_UNIX"`)
		m := tm.waitLine(`rkey2=(\S*) rexp2=([0-9]+)`)
		exp, _ = strconv.ParseInt(m[2], 10, 64)
		if m[1] == rkey1 || exp-time.Now().Unix() < 1800 || w.srv.CallCount("AssumeRole") != assumed+1 {
			t.Errorf("role credentials near expiry, in the shell and in the cache: after a prompt the key is %s (was %s), the expiry %d s ahead; STS calls since: %s",
				m[1], rkey1, exp-time.Now().Unix(), describe(w.srv.Calls()[before:]))
		}

		// A role ARN instead of a profile is refreshed as well.
		arn := RolePrefix + "readonly"
		initDo(tm, "aws-runas "+arn)
		initCheckPrompt(t, tm, "aws-runas "+arn, "(AWS:"+arn+") e2e$", "(AWS:"+arn+")", 33)
		initDo(tm, sh.setExpiry("near3", 60))
		initDo(tm, `echo "aexp=$AWS_SESSION_EXPIRATION_UNIX"`)
		exp, _ = strconv.ParseInt(tm.waitLine(`aexp=([0-9]+)`)[1], 10, 64)
		if left := exp - time.Now().Unix(); left < 1800 {
			t.Errorf("the credentials of role ARN %s a minute from expiry were not refreshed: %d s ahead", arn, left)
		}

		// A session token whose refresh needs MFA: the cached session goes.
		initDo(tm, "aws-runas -n admin")
		initCheckPrompt(t, tm, "aws-runas -n admin", "(AWS) e2e$", "(AWS)", 33)
		initDo(tm, `echo "key1=$AWS_ACCESS_KEY_ID"`)
		key1 := tm.waitLine(`key1=(ASIA[A-Z0-9]+)`)[1]
		removeSessionCache(t, w)
		calls := w.srv.CallCount("")

		initDo(tm, sh.setExpiry("near2", 60))
		near = tm.waitLine(`near2=([0-9]+)`)[1]
		initDo(tm, `echo "key2=$AWS_ACCESS_KEY_ID exp2=$AWS_SESSION_EXPIRATION_UNIX p2=$AWS_RUNAS_PROFILE"`)
		m = tm.waitLine(`key2=(\S*) exp2=(\S*) p2=(\S*)`)
		if m[1] != key1 || m[2] != near || m[3] != "admin" {
			t.Errorf("a refresh that needs MFA changed the variables: key %s (was %s), expiry %s (was %s), profile %s", m[1], key1, m[2], near, m[3])
		}
		initCheckPrompt(t, tm, "a refresh that needs MFA", "(AWS) e2e$", "(AWS)", 33)

		// Expired: red, still nothing asked, nothing changed.
		initDo(tm, sh.setExpiry("past", -10))
		near = tm.waitLine(`past=([0-9]+)`)[1]
		initCheckPrompt(t, tm, "the expiry passed", "(AWS) e2e$", "(AWS)", 31)
		initDo(tm, "")
		initCheckPrompt(t, tm, "one more prompt", "(AWS) e2e$", "(AWS)", 31)
		initDo(tm, `echo "key3=$AWS_ACCESS_KEY_ID exp3=$AWS_SESSION_EXPIRATION_UNIX"`)
		m = tm.waitLine(`key3=(\S*) exp3=(\S*)`)
		if m[1] != key1 || m[2] != near {
			t.Errorf("an expired session whose refresh needs MFA changed: key %s (was %s), expiry %s (was %s)", m[1], key1, m[2], near)
		}

		if s := tm.screen(false); strings.Contains(s, "Enter MFA code") || strings.Contains(s, "aws-runas:") {
			t.Errorf("the refresh hook asked or said something:\n%s", s)
		}
		if n := w.srv.CallCount(""); n != calls {
			t.Errorf("the refresh hook called STS without the MFA code it needs: %s", describe(w.srv.Calls()[calls:]))
		}
	})
}

// removeSessionCache removes the cached session tokens, so that new ones
// need an MFA code.
func removeSessionCache(t *testing.T, w *testWorld) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(w.home, ".aws", ".aws-runas.session.*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no session cache file under %s (%v); cache: %q", w.home, err, w.cacheFiles())
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
}

// removeCache removes every cached credential.
func removeCache(t *testing.T, w *testWorld) {
	t.Helper()
	for _, f := range w.cacheFiles() {
		if err := os.Remove(filepath.Join(w.home, ".aws", f)); err != nil {
			t.Fatal(err)
		}
	}
}

// setRoleCacheExpiry moves the expiry recorded in the cached role
// credentials to at, as if they had been fetched long ago.
func setRoleCacheExpiry(t *testing.T, w *testWorld, at time.Time) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(w.home, ".aws", ".aws-runas.role.*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no role cache file (%v); cache: %q", err, w.cacheFiles())
	}
	for _, f := range files {
		var e map[string]any
		if err := json.Unmarshal([]byte(readFile(t, f)), &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, ok := e["expiration"]; !ok {
			t.Fatalf("%s has no expiration: the cache format changed", f)
		}
		e["expiration"] = at.UTC().Format(time.RFC3339)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// processesDuring20Prompts presses Enter 20 times in the shell of tm under
// strace, then runs one command of the user's (echo, the shell's way to
// run /bin/echo), which strace must see, else the check would be blind.
// It returns the events of every process but that command and those named
// in allowed.
func processesDuring20Prompts(t *testing.T, tm *tmuxTerm, strace, echo string, allowed map[string]bool) []straceEvent {
	t.Helper()
	trace := startStrace(t, strace, tm.panePID())
	n := initPrompts(tm.screen(false))
	enters := make([]string, 20)
	for i := range enters {
		enters[i] = "Enter"
	}
	tm.keys(enters...)
	tm.waitFor("20 more prompts", func(s string) bool { return initPrompts(s) >= n+20 })
	const marker = "aws-runas-strace-control"
	initDo(tm, echo+" "+marker)
	events := trace()

	var control int
	for _, e := range events {
		if e.call == "execve" && strings.Contains(e.text, `"`+marker+`"`) {
			control = e.pid
		}
	}
	if control == 0 {
		t.Fatalf("strace did not see the user's command /bin/echo: the check is blind. The trace:\n%s", formatEvents(events))
	}
	allowedPID := map[int]bool{control: true}
	for _, e := range events {
		if e.call == "execve" && allowed[filepath.Base(e.path)] {
			allowedPID[e.pid] = true
		}
	}
	var bad []straceEvent
	for _, e := range events {
		if !allowedPID[e.pid] && !allowedPID[e.ret] {
			bad = append(bad, e)
		}
	}
	return bad
}

// Twenty prompts with credentials far from expiry start no process: strace
// follows the shell through them, and then through one command of the
// user's, which it must see (else it saw nothing).
func TestInitPromptStartsNoProcess(t *testing.T) {
	forEachInitShell(t, func(t *testing.T, sh initShell) {
		strace := requireProg(t, "strace")
		w := newWorld(t)
		tm := startInitShell(t, w, sh, 1)
		initDo(tm, "aws-runas -o "+MFACode+" admin")
		initCheckPrompt(t, tm, "aws-runas admin", "(AWS:admin) e2e$", "(AWS:admin)", 33)

		// fish before 3.5 has no `path` builtin and reads the clock with
		// date(1), as the contract allows; from 3.5 on it needs no process.
		allowed := map[string]bool{}
		if sh.name == "fish" {
			if err := exec.Command(requireProg(t, "fish"), "--no-config", "-c", "contains -- path (builtin -n)").Run(); err != nil {
				t.Logf("this fish has no path builtin: date(1) may run at each prompt")
				allowed["date"] = true
			}
		}

		bad := processesDuring20Prompts(t, tm, strace, "/bin/echo", allowed)
		if len(bad) > 0 {
			t.Errorf("%s started processes during 20 prompts far from expiry:\n%s", sh.name, formatEvents(bad))
		}
		initCheckPrompt(t, tm, "20 prompts", "(AWS:admin) e2e$", "(AWS:admin)", 33)
	})
}

// straceEvent is one process-creating system call: fork, vfork, clone or
// clone3 without CLONE_THREAD (a new thread starts no process), or execve.
type straceEvent struct {
	pid  int
	call string
	ret  int    // the child's pid for fork and clone
	path string // the program of execve
	text string
}

func formatEvents(events []straceEvent) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "  %d %s\n", e.pid, e.text)
	}
	return b.String()
}

var (
	straceCallRE    = regexp.MustCompile(`^(\d+)\s+(execve|fork|vfork|clone|clone3)\((.*)$`)
	straceResumedRE = regexp.MustCompile(`^(\d+)\s+<\.\.\. (execve|fork|vfork|clone|clone3) resumed>(.*)$`)
	straceRetRE     = regexp.MustCompile(`\)\s+=\s+(-?\d+)`)
	straceExecRE    = regexp.MustCompile(`^execve\("([^"]*)"`)
)

// parseStrace reads the process-creating calls of an strace -f -o file.
func parseStrace(out string) []straceEvent {
	var events []straceEvent
	pending := map[int]string{}
	add := func(pid int, text string) {
		if strings.Contains(text, "CLONE_THREAD") {
			return
		}
		text = strings.Join(strings.Fields(text), " ")
		e := straceEvent{pid: pid, text: text, ret: -1}
		e.call, _, _ = strings.Cut(text, "(")
		if m := straceRetRE.FindAllStringSubmatch(text, -1); m != nil {
			e.ret, _ = strconv.Atoi(m[len(m)-1][1])
		}
		if m := straceExecRE.FindStringSubmatch(text); m != nil {
			e.path = m[1]
		}
		events = append(events, e)
	}
	for _, line := range strings.Split(out, "\n") {
		if m := straceCallRE.FindStringSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(m[1])
			text := m[2] + "(" + m[3]
			if strings.HasSuffix(text, "<unfinished ...>") {
				pending[pid] = strings.TrimSuffix(text, "<unfinished ...>")
				continue
			}
			add(pid, text)
		} else if m := straceResumedRE.FindStringSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(m[1])
			text, ok := pending[pid]
			if !ok {
				text = m[2] + "("
			}
			delete(pending, pid)
			add(pid, text+m[3])
		}
	}
	for pid, text := range pending {
		add(pid, text)
	}
	return events
}

// startStrace attaches strace to pid and its children, recording the
// process-creating calls; the function it returns detaches and gives them.
func startStrace(t *testing.T, strace string, pid int) func() []straceEvent {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command(strace, "-f", "-e", "trace=execve,fork,vfork,clone,clone3", "-o", out, "-p", strconv.Itoa(pid))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("strace: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	attached := make(chan struct{})
	var log bytes.Buffer
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(stderr)
		want := fmt.Sprintf("Process %d attached", pid)
		once := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), want) {
				once = true
				close(attached)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case <-attached:
	case <-logged:
		msg := fmt.Sprintf("strace could not attach to the shell (%d): %s", pid, log.String())
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	case <-time.After(waitTimeout):
		t.Fatalf("strace did not attach to %d within %s", pid, waitTimeout)
	}
	return func() []straceEvent {
		t.Helper()
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { <-logged; done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			_ = cmd.Process.Kill()
			t.Fatalf("strace did not detach within %s", waitTimeout)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return parseStrace(string(data))
	}
}

// hostileInitProfile is a profile name made of shell, prompt and printf
// syntax: the prompt must show it as it is, and run none of it.
const hostileInitProfile = `x$(touch pwned)%F{red}\w`

// The profile name in the prompt is text: not run ($(...)), not read as a
// prompt escape (zsh's %F{red}, bash's \w), at any prompt.
func TestInitHostileProfile(t *testing.T) {
	forEachInitShell(t, func(t *testing.T, sh initShell) {
		w := newWorld(t)
		f, err := os.OpenFile(filepath.Join(w.home, ".aws", "config"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = fmt.Fprintf(f, "\n[profile %s]\nrole_arn = %sadmin\nsource_profile = default\n", hostileInitProfile, RolePrefix)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		tm := startInitShell(t, w, sh, 1)

		initDo(tm, "aws-runas -o "+MFACode+" '"+hostileInitProfile+"'")
		want := "(AWS:" + hostileInitProfile + ")"
		initCheckPrompt(t, tm, "switching to the hostile profile", want+" e2e$", want, 33)
		initDo(tm, "")
		initDo(tm, "printenv AWS_RUNAS_PROFILE")
		tm.waitLine(regexp.QuoteMeta(hostileInitProfile))
		initCheckPrompt(t, tm, "more prompts", want+" e2e$", want, 33)
		// Expired, and no refresh without an MFA code (the caches are gone):
		// the prompt is rebuilt in red, still literally.
		removeCache(t, w)
		initDo(tm, sh.setExpiry("past", -10))
		initCheckPrompt(t, tm, "the expiry passed", want+" e2e$", want, 31)
		for _, dir := range []string{w.dir, w.home} {
			if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
				t.Errorf("the profile name was run: %s/pwned exists", dir)
			}
		}
	})
}

// ---- PowerShell ----

// psHostileProfile holds PowerShell's quotes (typographic ones too), its
// expansions and non-ASCII text.
const psHostileProfile = "it's $(touch pwned) `n @' \"q\" Bob’s ‘x’ ‚y‛ café"

// What aws-runas prints for PowerShell (print mode, -u, init with every
// option, completion) parses clean with a real PowerShell grammar and is
// printable ASCII; a profile name full of PowerShell syntax, typographic
// quotes and non-ASCII text comes back byte for byte.
func TestPowerShellOutput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	hostileCfg := filepath.Join(w.dir, "hostile.cfg")
	if err := os.WriteFile(hostileCfg, []byte("[default]\nmfa_serial = "+AliceMFA+"\n\n[profile "+psHostileProfile+"]\nrole_arn = "+RolePrefix+"admin\nsource_profile = default\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	type output struct {
		name string
		args []string
	}
	outs := []output{
		{"export-admin", []string{"-o", MFACode, "-O", "powershell", "admin"}},
		{"export-pwsh-readonly", []string{"-O", "pwsh", "readonly"}},
		{"export-session", []string{"-n", "-O", "powershell", "admin"}},
		{"export-hostile", []string{"--path", hostileCfg, "-o", MFACode, "-O", "powershell", psHostileProfile}},
		{"unset", []string{"-u", "-O", "powershell"}},
		{"unset-pwsh", []string{"-u", "-O", "pwsh"}},
		{"completion", []string{"completion", "powershell"}},
		{"completion-pwsh", []string{"completion", "pwsh"}},
	}
	for _, shell := range []string{"powershell", "pwsh"} {
		for _, cmd := range [][]string{nil, {"--cmd", "awsr"}, {"--no-cmd"}} {
			for _, skip := range []bool{false, true} {
				for _, noRefresh := range []bool{false, true} {
					args := append([]string{"init", shell}, cmd...)
					if skip {
						args = append(args, "--skip-prompt")
					}
					if noRefresh {
						args = append(args, "--no-refresh")
					}
					outs = append(outs, output{strings.Join(args, "_"), args})
				}
			}
		}
	}

	dir := t.TempDir()
	var files []string
	code := map[string]string{}
	for _, o := range outs {
		r := w.mustRun(nil, o.args...)
		if r.stdout == "" || r.stderr != "" {
			t.Errorf("want code on stdout and nothing on stderr:\n%s", r)
		}
		for i := 0; i < len(r.stdout); i++ {
			if c := r.stdout[i]; (c < 0x20 || c > 0x7e) && c != '\n' {
				t.Errorf("aws-runas %q: byte %#x at %d is not printable ASCII: %q", o.args, c, i, r.stdout[max(0, i-30):min(len(r.stdout), i+10)])
				break
			}
		}
		p := filepath.Join(dir, o.name+".ps1")
		if err := os.WriteFile(p, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
		code[o.name] = r.stdout
	}
	// A broken script the harness must report: it is not blind.
	control := filepath.Join(dir, "control-broken.ps1")
	if err := os.WriteFile(control, []byte("function f {\n  if ($x -eq 'a' { 'b' }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	problems := testtool.ParsePowerShell(t, append(files, control))
	if len(problems[control]) == 0 {
		t.Errorf("psparse found nothing wrong in a broken script: the check is blind")
	}
	for _, f := range files {
		if p := problems[f]; len(p) > 0 {
			lines := strings.Split(code[strings.TrimSuffix(filepath.Base(f), ".ps1")], "\n")
			var b strings.Builder
			for _, problem := range p {
				fmt.Fprintf(&b, "  %s\n", problem)
				var n int
				if _, err := fmt.Sscanf(problem, "%d:", &n); err == nil && n >= 1 && n <= len(lines) {
					fmt.Fprintf(&b, "    line %d: %s\n", n, lines[n-1])
				}
			}
			t.Errorf("aws-runas %s does not parse:\n%s", strings.ReplaceAll(strings.TrimSuffix(filepath.Base(f), ".ps1"), "_", " "), b.String())
		}
	}

	// Every variable of §4 is removed by -u; the exports set what they should.
	for _, name := range initAllVars {
		if !strings.Contains(code["unset"], "Remove-Item -LiteralPath Env:/"+name+" ") {
			t.Errorf("-u -O powershell does not remove %s:\n%s", name, code["unset"])
		}
	}
	if code["unset"] != code["unset-pwsh"] {
		t.Errorf("-O pwsh and -O powershell differ for -u")
	}
	for _, want := range []string{"$env:AWS_RUNAS_PROFILE = 'admin'\n", "$env:AWS_RUNAS_ASSUMED_ROLE_ARN = '" + RolePrefix + "admin'\n", "$env:AWS_ACCESS_KEY_ID = 'ASIA"} {
		if !strings.Contains(code["export-admin"], want) {
			t.Errorf("-O powershell admin lacks %q:\n%s", want, code["export-admin"])
		}
	}
	if !strings.Contains(code["export-pwsh-readonly"], "$env:AWS_REGION = 'us-west-2'\n") {
		t.Errorf("-O pwsh readonly lacks the region:\n%s", code["export-pwsh-readonly"])
	}
	if got := psExportValue(t, code["export-hostile"], "AWS_RUNAS_PROFILE"); got != psHostileProfile {
		t.Errorf("the hostile profile name comes back as %q, want %q", got, psHostileProfile)
	}
	if s := code["completion"]; s != initCompletionScript(t, "powershell") || code["completion-pwsh"] != s {
		t.Errorf("aws-runas completion powershell/pwsh is not the completions package's script")
	}
}

// initAllVars are the variables of contract §4.
var initAllVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_RUNAS_PROFILE", "AWS_RUNAS_ASSUMED_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_SESSION_EXPIRATION", "AWS_SESSION_EXPIRATION_UNIX", "AWS_CREDENTIAL_EXPIRATION",
}

var (
	psLiteralRE = regexp.MustCompile(`^'((?:[^'‘’‚‛]|['‘’‚‛]{2})*)'$`)
	psBase64RE  = regexp.MustCompile(`^\(\[Text\.Encoding\]::UTF8\.GetString\(\[Convert\]::FromBase64String\('([A-Za-z0-9+/=]*)'\)\)\)$`)
)

// psValue reads back the value an export gives name, as PowerShell would:
// a verbatim string with its quotes doubled, or base64 decoded by .NET.
func psExportValue(t *testing.T, code, name string) string {
	t.Helper()
	prefix := "$env:" + name + " = "
	for _, line := range strings.Split(code, "\n") {
		expr, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		if m := psLiteralRE.FindStringSubmatch(expr); m != nil {
			var b strings.Builder
			rs := []rune(m[1])
			for i := 0; i < len(rs); i++ {
				b.WriteRune(rs[i])
				if strings.ContainsRune("'‘’‚‛", rs[i]) {
					i++
				}
			}
			return b.String()
		}
		if m := psBase64RE.FindStringSubmatch(expr); m != nil {
			v, err := base64.StdEncoding.DecodeString(m[1])
			if err != nil {
				t.Fatalf("%s: bad base64: %v", name, err)
			}
			return string(v)
		}
		t.Fatalf("%s is set to an expression this test does not read: %s", name, expr)
	}
	t.Fatalf("the code does not set %s:\n%s", name, code)
	return ""
}

func initCompletionScript(t *testing.T, shell string) string {
	t.Helper()
	s, err := completions.Script(shell)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ---- completion ----

// `aws-runas completion SHELL` prints the completions package's script, and
// the shell's own syntax check passes on it (and fails on a broken script,
// so it is not blind). sh has no completion: an error, stdout empty.
func TestCompletionCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	checks := map[string]struct {
		argv   func(file string) []string
		broken string
	}{
		"bash": {func(f string) []string { return []string{"bash", "-n", f} }, "if true; then\n"},
		"zsh":  {func(f string) []string { return []string{"zsh", "-n", f} }, "if true; then\n"},
		"fish": {func(f string) []string { return []string{"fish", "--no-config", "--no-execute", f} }, "if true\n"},
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		c := checks[shell]
		r := w.mustRun(nil, "completion", shell)
		if r.stdout != initCompletionScript(t, shell) {
			t.Errorf("aws-runas completion %s is not the completions package's script", shell)
		}
		if r.stderr != "" {
			t.Errorf("completion %s: stderr %q", shell, r.stderr)
		}
		requireProg(t, shell)
		for _, f := range []struct{ name, text string }{{"completion." + shell, r.stdout}, {"broken." + shell, c.broken}} {
			p := filepath.Join(dir, f.name)
			if err := os.WriteFile(p, []byte(f.text), 0o600); err != nil {
				t.Fatal(err)
			}
			argv := c.argv(p)
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			broken := strings.HasPrefix(f.name, "broken")
			switch {
			case broken && err == nil:
				t.Errorf("%q passes a broken script: the check is blind", argv)
			case !broken && (err != nil || len(out) > 0):
				t.Errorf("%q: %v\n%s", argv, err, out)
			}
		}
	}
	r := w.run(nil, "completion", "sh")
	if r.code == 0 || r.stdout != "" || r.stderr == "" {
		t.Errorf("completion sh: want an error on stderr and nothing on stdout:\n%s", r)
	}
}
