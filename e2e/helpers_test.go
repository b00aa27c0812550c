//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// testWorld is a world owned by one Go test: its server closes and its
// files go when the test ends. dir is a scratch directory (the working
// directory of every run), apart from home.
type testWorld struct {
	world
	t   *testing.T
	dir string
	// exe, when set, is the argv that runs in place of the binary: another
	// build of it, or a tracer and the binary.
	exe []string
}

// newWorld seeds a world for t (see seed and baseEnv).
func newWorld(t *testing.T) *testWorld {
	t.Helper()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	srv, err := seed(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	dir := filepath.Join(root, "work")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return &testWorld{world: world{srv: srv, home: home, env: baseEnv(home, srv.URL)}, t: t, dir: dir}
}

// bin is the aws-runas binary under test.
func bin() string { return filepath.Join(binDir, "aws-runas"+exeSuffix()) }

// runResult is one finished run of the binary.
type runResult struct {
	args           []string
	stdout, stderr string
	code           int // -1 when killed by a signal
}

func (r runResult) String() string {
	return fmt.Sprintf("aws-runas %q: exit %d\nstdout: %q\nstderr: %q", r.args, r.code, r.stdout, r.stderr)
}

// runTimeout bounds every run of the binary: a run that hangs fails the
// test instead of the whole package timing out.
const runTimeout = 20 * time.Second

// command prepares a run of the binary in w's environment plus extra
// variables (NAME=VALUE, later ones win).
func (w *testWorld) command(ctx context.Context, extra []string, args ...string) *exec.Cmd {
	argv := append([]string{bin()}, args...)
	if len(w.exe) > 0 {
		argv = append(append([]string(nil), w.exe...), args...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(append([]string(nil), w.env...), extra...)
	cmd.Dir = w.dir
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// run runs the binary with stdin from /dev/null and no terminal.
func (w *testWorld) run(extra []string, args ...string) runResult {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := w.command(ctx, extra, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := runResult{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		w.t.Fatalf("aws-runas %q did not finish within %s\nstderr: %s", args, runTimeout, r.stderr)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		w.t.Fatalf("aws-runas %q: %v", args, err)
	}
	return r
}

// mustRun runs the binary and fails the test unless it exits 0.
func (w *testWorld) mustRun(extra []string, args ...string) runResult {
	w.t.Helper()
	r := w.run(extra, args...)
	if r.code != 0 {
		w.t.Fatalf("want exit 0:\n%s", r)
	}
	return r
}

// processCredentials is the JSON of -O json.
type processCredentials struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

func parseJSONCreds(t *testing.T, r runResult) processCredentials {
	t.Helper()
	var c processCredentials
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatalf("stdout is not credential_process JSON (%v):\n%s", err, r)
	}
	if c.Version != 1 || !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Fatalf("incomplete credentials:\n%s", r)
	}
	return c
}

// cacheFiles lists the credential files aws-runas keeps under home/.aws
// (lock files excluded).
func (w *testWorld) cacheFiles() []string {
	w.t.Helper()
	ents, err := os.ReadDir(filepath.Join(w.home, ".aws"))
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".aws-runas.") && !strings.HasSuffix(e.Name(), ".lock") {
			out = append(out, e.Name())
		}
	}
	return out
}

// secrets lists every secret the world knows of: the seeded secret keys,
// and the secret keys and session tokens of every credential file cached
// so far, plus any given.
func (w *testWorld) secrets(more ...string) []string {
	w.t.Helper()
	out := []string{AliceSec, BobSec}
	for _, name := range w.cacheFiles() {
		data, err := os.ReadFile(filepath.Join(w.home, ".aws", name))
		if err != nil {
			w.t.Fatal(err)
		}
		var e struct {
			Secret string `json:"secret_access_key"`
			Token  string `json:"session_token"`
		}
		if json.Unmarshal(data, &e) != nil {
			continue
		}
		out = append(out, e.Secret, e.Token)
	}
	for _, s := range more {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// leakWindow: text holding this many consecutive characters of a secret
// holds (part of) the secret.
const leakWindow = 16

// noSecrets fails the test when text holds one of secrets, whole or in
// part (leakWindow characters of it), or, as a word of its own, one of the
// MFA codes.
func noSecrets(t *testing.T, what, text string, secrets []string, codes ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range secrets {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		for i := 0; i+min(leakWindow, len(s)) <= len(s); i++ {
			if part := s[i : i+min(leakWindow, len(s))]; strings.Contains(text, part) {
				t.Errorf("%s holds a secret (%q is part of %.8s...):\n%s", what, part, s, text)
				break
			}
		}
	}
	for _, c := range codes {
		if regexp.MustCompile(`(^|[^0-9])` + regexp.QuoteMeta(c) + `([^0-9]|$)`).MatchString(text) {
			t.Errorf("%s holds the MFA code %s:\n%s", what, c, text)
		}
	}
}

// requireProg finds an external program, or skips (fails under CI=true).
func requireProg(t *testing.T, name string) string {
	t.Helper()
	return testtool.Require(t, name)
}

// ---- terminals ----

// tmuxTerm is one tmux server on a socket of its own, with one session of
// one pane: a real terminal for the program it runs.
type tmuxTerm struct {
	t    *testing.T
	tmux string
	sock string
}

var tmuxSeq atomic.Int64

const (
	termCols = 160
	termRows = 50
	// waitTimeout bounds every wait for the screen or a process. Each wait
	// ends at its event; the bound only says when to give up, generous for
	// a loaded 2-core machine (fish under strace drew 20 prompts in more
	// than 10 s there).
	waitTimeout = 30 * time.Second
)

// startTmux runs argv in a new terminal, with env as its whole
// environment and dir as its working directory.
func startTmux(t *testing.T, env []string, dir string, argv ...string) *tmuxTerm {
	t.Helper()
	tm := &tmuxTerm{t: t, tmux: requireProg(t, "tmux"), sock: fmt.Sprintf("aws-runas-e2e-%d-%d", os.Getpid(), tmuxSeq.Add(1))}
	args := append([]string{"new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(termCols), "-y", fmt.Sprint(termRows), "-c", dir, "--"}, argv...)
	cmd := exec.Command(tm.tmux, append([]string{"-L", tm.sock, "-f", "/dev/null"}, args...)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(tm.tmux, "-L", tm.sock, "kill-server").Run() })
	return tm
}

// startShell opens a terminal running an interactive bash without rc
// files, whose prompt is "e2e$ ".
func startShell(t *testing.T, w *testWorld, extra ...string) *tmuxTerm {
	t.Helper()
	bash := requireProg(t, "bash")
	env := append(append([]string(nil), w.env...), "SHELL="+bash, "PS1=e2e$ ", "HISTFILE=/dev/null")
	env = append(env, extra...)
	tm := startTmux(t, env, w.dir, bash, "--norc", "--noprofile")
	tm.waitFor("the shell's first prompt", func(s string) bool { return tm.prompts(s) >= 1 })
	return tm
}

func (tm *tmuxTerm) cmd(args ...string) (string, error) {
	out, err := exec.Command(tm.tmux, append([]string{"-L", tm.sock}, args...)...).CombinedOutput()
	return string(out), err
}

// keys sends tmux key names (C-c, Enter).
func (tm *tmuxTerm) keys(keys ...string) {
	tm.t.Helper()
	if out, err := tm.cmd(append([]string{"send-keys", "-t", "e2e"}, keys...)...); err != nil {
		tm.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

// typeLine types text literally, then Enter.
func (tm *tmuxTerm) typeLine(text string) {
	tm.t.Helper()
	if out, err := tm.cmd("send-keys", "-t", "e2e", "-l", "--", text); err != nil {
		tm.t.Fatalf("tmux send-keys %q: %v\n%s", text, err, out)
	}
	tm.keys("Enter")
}

// screen is the pane's text, history included, wrapped lines joined;
// with escapes, its colors as SGR sequences. "" once the pane is gone.
func (tm *tmuxTerm) screen(escapes bool) string {
	args := []string{"capture-pane", "-p", "-J", "-S", "-", "-t", "e2e"}
	if escapes {
		args = append(args, "-e")
	}
	out, err := tm.cmd(args...)
	if err != nil {
		return ""
	}
	return out
}

// waitFor polls the screen until ok, and fails the test, showing the
// screen, after waitTimeout.
func (tm *tmuxTerm) waitFor(what string, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		s := tm.screen(false)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waited %s for %s; the screen:\n%s", waitTimeout, what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitText waits until the screen shows text n times or more.
func (tm *tmuxTerm) waitText(text string, n int) string {
	tm.t.Helper()
	return tm.waitFor(fmt.Sprintf("%q on screen (%d times)", text, n), func(s string) bool { return strings.Count(s, text) >= n })
}

// waitLine waits until a whole line of the screen matches re, and returns
// its submatches.
func (tm *tmuxTerm) waitLine(re string) []string {
	tm.t.Helper()
	return tm.waitMatch(`(?m)^` + re + `$`)
}

// waitMatch waits until the screen matches re, and returns its submatches.
func (tm *tmuxTerm) waitMatch(re string) []string {
	tm.t.Helper()
	rx := regexp.MustCompile(re)
	var m []string
	tm.waitFor(fmt.Sprintf("a match for %s", rx), func(s string) bool {
		m = rx.FindStringSubmatch(s)
		return m != nil
	})
	return m
}

// promptRE matches a shell prompt line: "e2e$", maybe after a prompt
// segment such as "(AWS:admin) ".
var promptRE = regexp.MustCompile(`(?m)^(?:\(AWS[^)]*\) )?e2e\$`)

func (tm *tmuxTerm) prompts(screen string) int { return len(promptRE.FindAllStringIndex(screen, -1)) }

// do types a command line and waits for the next prompt.
func (tm *tmuxTerm) do(line string) string {
	tm.t.Helper()
	n := tm.prompts(tm.screen(false))
	tm.typeLine(line)
	return tm.waitFor(fmt.Sprintf("the prompt after %q", line), func(s string) bool { return tm.prompts(s) > n })
}

// panePID is the process id of the program the pane runs.
func (tm *tmuxTerm) panePID() int {
	tm.t.Helper()
	out, err := tm.cmd("display-message", "-p", "-t", "e2e", "#{pane_pid}")
	if err != nil {
		tm.t.Fatalf("tmux display-message: %v\n%s", err, out)
	}
	var pid int
	if _, err := fmt.Sscan(out, &pid); err != nil || pid <= 0 {
		tm.t.Fatalf("pane pid %q: %v", out, err)
	}
	return pid
}

// readFile reads a file the test's shell wrote.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
