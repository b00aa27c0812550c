//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// MFA wherever the user works (issue 16): the built binary with no
// controlling terminal (a new session, every standard stream a pipe), as
// an IDE or the AWS CLI's credential_process starts it, asks in a real
// zenity dialog on a real X server, answered by xdotool.

// detached is a run started in a session of its own: no controlling
// terminal, stdin a pipe that stays open, stdout and stderr captured.
type detached struct {
	t     *testing.T
	cmd   *exec.Cmd
	args  []string
	out   bytes.Buffer
	err   bytes.Buffer
	stdin *os.File
	done  chan runResult
	start time.Time
}

// detachedTimeout bounds a detached run: a dialog nobody answers must
// fail the test, not hang it.
const detachedTimeout = 60 * time.Second

// startDetached runs prog (the binary when "") with w's environment plus
// extra.
func (w *testWorld) startDetached(extra []string, prog string, args ...string) *detached {
	w.t.Helper()
	if prog == "" {
		prog = bin()
	}
	ctx, cancel := context.WithTimeout(context.Background(), detachedTimeout)
	d := &detached{t: w.t, args: args, done: make(chan runResult, 1)}
	d.cmd = exec.CommandContext(ctx, prog, args...)
	d.cmd.Env = append(append([]string(nil), w.env...), extra...)
	d.cmd.Dir = w.dir
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	d.cmd.WaitDelay = 2 * time.Second
	r, wr, err := os.Pipe()
	if err != nil {
		w.t.Fatal(err)
	}
	d.stdin = wr
	d.cmd.Stdin, d.cmd.Stdout, d.cmd.Stderr = r, &d.out, &d.err
	d.start = time.Now()
	if err := d.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	r.Close()
	go func() {
		defer cancel()
		err := d.cmd.Wait()
		res := runResult{args: args, stdout: d.out.String(), stderr: d.err.String()}
		var ee *exec.ExitError
		switch {
		case ctx.Err() != nil:
			res.code = -1
			res.stderr += "\n(killed: no end within " + detachedTimeout.String() + ")"
		case errors.As(err, &ee):
			res.code = ee.ExitCode()
		case err != nil:
			res.code = -1
			res.stderr += "\n(" + err.Error() + ")"
		}
		d.done <- res
	}()
	w.t.Cleanup(func() {
		d.cmd.Process.Kill()
		wr.Close()
	})
	return d
}

// wait returns how the run ended and how long it took.
func (d *detached) wait() (runResult, time.Duration) {
	r := <-d.done
	d.stdin.Close()
	return r, time.Since(d.start)
}

// startXvfb starts an X server with the dialog the tests answer.
func startXvfb(t *testing.T) string {
	t.Helper()
	requireProg(t, "zenity")
	return testtool.Xvfb(t)
}

// dialogWindows waits (xdotool's --sync, bounded) until a window named re
// shows, and returns every one that does.
func dialogWindows(t *testing.T, display, re string) []string {
	t.Helper()
	out, err := testtool.Xdotool(t, display, "search", "--sync", "--onlyvisible", "--name", re)
	if err != nil {
		t.Fatalf("no window named %q appeared: %v %s", re, err, out)
	}
	return strings.Fields(out)
}

// answer focuses win (a window just mapped may refuse it for a moment:
// retried, bounded) and types keys: text then Return, or one key name.
func answer(t *testing.T, display, win, text, key string) {
	t.Helper()
	var out string
	var err error
	for try := 0; try < 40; try++ {
		if out, err = testtool.Xdotool(t, display, "windowfocus", "--sync", win); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("windowfocus: %v %s", err, out)
	}
	if text != "" {
		if out, err := testtool.Xdotool(t, display, "type", "--delay", "20", text); err != nil {
			t.Fatalf("type: %v %s", err, out)
		}
	}
	if out, err := testtool.Xdotool(t, display, "key", key); err != nil {
		t.Fatalf("key %s: %v %s", key, err, out)
	}
}

// keepScreenshot saves the screen as a PNG under PROMPT_SCREENSHOT_DIR
// (CI keeps it as an artefact), else in the test's scratch directory.
func keepScreenshot(t *testing.T, display, name string) {
	t.Helper()
	dir := os.Getenv("PROMPT_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, name)
	cmd := exec.Command(requireProg(t, "import"), "-window", "root", f)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	t.Logf("screenshot of the dialog: %s", f)
}

// Cancel in the dialog is exit 1, "cancelled", no STS call and nothing
// cached; a code typed into it reaches STS with the device's serial.
func TestDialogMFANoTerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	display := startXvfb(t)
	env := []string{"DISPLAY=" + display}

	d := w.startDetached(env, "", "-O", "json", "admin")
	win := dialogWindows(t, display, "^aws-runas: admin$")[0]
	answer(t, display, win, "", "Escape")
	r, _ := d.wait()
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "cancelled") {
		t.Errorf("cancelled dialog: want exit 1, \"cancelled\", no stdout:\n%s", r)
	}
	if n := w.srv.CallCount(""); n != 0 {
		t.Errorf("STS was called %d times after Cancel", n)
	}
	if f := w.cacheFiles(); len(f) != 0 {
		t.Errorf("cached after Cancel: %v", f)
	}

	d = w.startDetached(env, "", "-O", "json", "admin")
	win = dialogWindows(t, display, "^aws-runas: admin$")[0]
	keepScreenshot(t, display, "e2e-mfa-dialog.png")
	answer(t, display, win, MFACode, "Return")
	r, _ = d.wait()
	if r.code != 0 {
		t.Fatalf("answered dialog: want exit 0:\n%s", r)
	}
	parseJSONCreds(t, r)
	noSecrets(t, "stderr", r.stderr, nil, MFACode)
	if n := w.srv.CallCount("GetSessionToken"); n != 1 {
		t.Fatalf("GetSessionToken calls: %d, want 1", n)
	}
	for _, c := range w.srv.Calls() {
		if c.Action == "GetSessionToken" && (c.Params.Get("TokenCode") != MFACode || c.Params.Get("SerialNumber") != AliceMFA) {
			t.Errorf("GetSessionToken with %v", c.Params)
		}
	}
}

// Five runs started at once show one dialog: the others wait on the
// cache lock (seen in /proc/locks) while it is open, and then take what
// it got. STS sees one GetSessionToken.
func TestDialogParallelOneDialog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	display := startXvfb(t)
	var runs []*detached
	for i := 0; i < 5; i++ {
		runs = append(runs, w.startDetached([]string{"DISPLAY=" + display}, "", "-O", "json", "admin"))
	}
	first := dialogWindows(t, display, "^aws-runas")
	pids := map[string]bool{}
	for _, d := range runs {
		pids[strconv.Itoa(d.cmd.Process.Pid)] = true
	}
	// The four others block in flock: wait for that (bounded), then
	// count the dialogs.
	deadline := time.Now().Add(waitTimeout)
	for blockedOn(t, pids) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of the runs wait on the lock after %s; /proc/locks:\n%s", blockedOn(t, pids), waitTimeout, readFile(t, "/proc/locks"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, _ := testtool.Xdotool(t, display, "search", "--onlyvisible", "--name", "^aws-runas")
	if wins := strings.Fields(out); len(wins) != 1 {
		t.Fatalf("%d dialogs show, want 1", len(wins))
	}
	answer(t, display, first[0], MFACode, "Return")
	var key string
	for i, d := range runs {
		r, _ := d.wait()
		if r.code != 0 {
			t.Errorf("run %d:\n%s", i, r)
			continue
		}
		c := parseJSONCreds(t, r)
		if key == "" {
			key = c.AccessKeyID
		} else if c.AccessKeyID != key {
			t.Errorf("run %d: AccessKeyId %s, another run got %s", i, c.AccessKeyID, key)
		}
	}
	if g, a := w.srv.CallCount("GetSessionToken"), w.srv.CallCount("AssumeRole"); g != 1 || a != 1 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want 1 and 1: %s", g, a, describe(w.srv.Calls()))
	}
}

// blockedOn counts the processes of pids blocked in flock: /proc/locks
// lists a waiter as "N: -> FLOCK ADVISORY WRITE PID ...".
func blockedOn(t *testing.T, pids map[string]bool) int {
	n := 0
	for _, line := range strings.Split(readFile(t, "/proc/locks"), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[1] == "->" && f[2] == "FLOCK" && pids[f[5]] {
			n++
		}
	}
	return n
}

// The real AWS CLI runs aws-runas as a credential_process with no
// terminal; the MFA code is asked in a dialog and the CLI gets the
// credentials.
func TestDialogCredentialProcessAWSCLI(t *testing.T) {
	t.Parallel()
	aws := requireProg(t, "/usr/bin/aws")
	w := newWorld(t)
	display := startXvfb(t)
	cfg := filepath.Join(w.home, ".aws", "config")
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n[profile ide]\ncredential_process = aws-runas -O json admin\nregion = eu-west-1\n")
	f.Close()

	d := w.startDetached([]string{"DISPLAY=" + display, "AWS_PAGER="}, aws,
		"sts", "get-caller-identity", "--profile", "ide", "--endpoint-url", w.srv.URL, "--query", "Arn", "--output", "text")
	win := dialogWindows(t, display, "^aws-runas: admin$")[0]
	answer(t, display, win, MFACode, "Return")
	r, _ := d.wait()
	if r.code != 0 || !strings.Contains(r.stdout, "assumed-role/admin/") {
		t.Fatalf("aws sts get-caller-identity: want the role's ARN:\n%s", r)
	}
	if n := w.srv.CallCount("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken calls: %d, want 1", n)
	}
}

// With no terminal, no display and no mfa_process, nobody can be asked:
// exit 3 at once, with a message naming the ways out; no STS call.
func TestNoOneToAskExit3(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	d := w.startDetached(nil, "", "-O", "json", "admin")
	r, took := d.wait()
	if r.code != 3 || r.stdout != "" {
		t.Fatalf("want exit 3, empty stdout:\n%s", r)
	}
	if took >= time.Second {
		t.Errorf("exit 3 took %s, want under 1s", took)
	}
	for _, way := range []string{"an MFA code for " + AliceMFA + " is needed", "-o CODE", "mfa_process", "--prompt DRIVER", "run in a terminal"} {
		if !strings.Contains(r.stderr, way) {
			t.Errorf("stderr lacks %q:\n%s", way, r.stderr)
		}
	}
	if n := w.srv.CallCount(""); n != 0 {
		t.Errorf("STS was called %d times", n)
	}
	t.Logf("no one to ask: exit 3 after %s", took)
}
