//go:build unix

package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

// started is a run of the binary in progress whose stdout is read line by
// line.
type started struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	stdout strings.Builder // every line read so far
	stderr strings.Builder
	done   chan error
}

// start starts the binary in its own process group, as a shell starts a
// job.
func (w *testWorld) start(extra []string, args ...string) *started {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	s := &started{t: w.t, cmd: w.command(ctx, extra, args...), lines: make(chan string, 100), done: make(chan error, 1)}
	w.t.Cleanup(cancel)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.cmd.Stderr = &s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(s.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		<-read
		s.done <- s.cmd.Wait()
	}()
	return s
}

// waitLine waits for a line of stdout equal to want.
func (s *started) waitLine(want string) {
	s.t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("stdout ended before %q; stdout %q, stderr %q", want, s.stdout.String(), s.stderr.String())
			}
			s.stdout.WriteString(l + "\n")
			if l == want {
				return
			}
		case <-timeout:
			s.t.Fatalf("no %q on stdout within %s; stdout %q, stderr %q", want, waitTimeout, s.stdout.String(), s.stderr.String())
		}
	}
}

// wait waits for the process to end and returns how: its exit code, or
// the signal that killed it.
func (s *started) wait() (code int, sig syscall.Signal) {
	s.t.Helper()
	select {
	case err := <-s.done:
		for l := range s.lines {
			s.stdout.WriteString(l + "\n")
		}
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			s.t.Fatalf("waiting: %v", err)
		}
		ws := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return -1, ws.Signal()
		}
		return ws.ExitStatus(), 0
	case <-time.After(waitTimeout):
		s.t.Fatalf("the process did not end within %s; stdout %q, stderr %q", waitTimeout, s.stdout.String(), s.stderr.String())
	}
	return 0, 0
}

const trapScript = `trap "echo got-term; exit 42" TERM; trap "echo got-int; exit 43" INT; echo ready; while :; do sleep 0.1; done`

// Run mode: aws-runas replaces itself with the command, so a signal sent
// to the pid it was started as reaches the command, whose status is
// aws-runas's. The command's arguments are its own: no secret is added.
func TestRunModeSignals(t *testing.T) {
	t.Parallel()
	requireProg(t, "sh")
	w := newWorld(t)
	w.mustRun(nil, "-o", MFACode, "-O", "json", "admin")

	t.Run("TERM to the pid", func(t *testing.T) {
		w := &testWorld{world: w.world, t: t, dir: w.dir}
		s := w.start(nil, "admin", "--", "sh", "-c", trapScript)
		s.waitLine("ready")
		pid := s.cmd.Process.Pid
		argv, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			t.Fatal(err)
		}
		if want := "sh\x00-c\x00" + trapScript + "\x00"; string(argv) != want {
			t.Errorf("the command's argv: %q, want %q", argv, want)
		}
		noSecrets(t, "the command's argv", string(argv), w.secrets(), MFACode)
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		code, sig := s.wait()
		if code != 42 || sig != 0 || !strings.Contains(s.stdout.String(), "got-term\n") {
			t.Errorf("after SIGTERM: exit %d, signal %v, stdout %q, stderr %q; want exit 42 after got-term", code, sig, s.stdout.String(), s.stderr.String())
		}
	})

	t.Run("INT to the group", func(t *testing.T) {
		w := &testWorld{world: w.world, t: t, dir: w.dir}
		s := w.start(nil, "admin", "--", "sh", "-c", trapScript)
		s.waitLine("ready")
		// What Ctrl-C does: SIGINT to the foreground process group.
		if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		code, sig := s.wait()
		if code != 43 || sig != 0 || !strings.Contains(s.stdout.String(), "got-int\n") {
			t.Errorf("after SIGINT to the group: exit %d, signal %v, stdout %q, stderr %q; want exit 43 after got-int", code, sig, s.stdout.String(), s.stderr.String())
		}
	})

	t.Run("INT to the group, no trap", func(t *testing.T) {
		w := &testWorld{world: w.world, t: t, dir: w.dir}
		s := w.start(nil, "admin", "--", "sh", "-c", `echo ready; while :; do sleep 0.1; done`)
		s.waitLine("ready")
		if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if code, sig := s.wait(); sig != syscall.SIGINT {
			t.Errorf("after SIGINT to the group: exit %d, signal %v; want killed by SIGINT", code, sig)
		}
	})
	if g, a := w.srv.CallCount("GetSessionToken"), w.srv.CallCount("AssumeRole"); g != 1 || a != 1 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want 1 and 1 (the cache serves every run)", g, a)
	}
}

// Ctrl-C while aws-runas waits for STS ends it at once: the command never
// starts and nothing is cached.
func TestRunModeInterruptWhileFetching(t *testing.T) {
	t.Parallel()
	requireProg(t, "sh")
	w := newWorld(t)
	w.srv.Fail(faultDelay("GetSessionToken", time.Minute))
	s := w.start(nil, "-o", MFACode, "admin", "--", "sh", "-c", "echo ran")
	// Wait for the request to be in flight; an earlier SIGINT must end the
	// run just as well.
	time.Sleep(300 * time.Millisecond)
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, sig := s.wait()
	if code == 0 {
		t.Errorf("exit 0 after SIGINT while fetching")
	}
	if strings.Contains(s.stdout.String(), "ran") {
		t.Errorf("the command ran after SIGINT: stdout %q", s.stdout.String())
	}
	if files := w.cacheFiles(); len(files) != 0 {
		t.Errorf("cache files after SIGINT: %q", files)
	}
	t.Logf("ended with exit %d, signal %v", code, sig)
}

// Concurrent cold runs that need the same credentials make one set of STS
// calls (contract §6).
func TestParallelColdRuns(t *testing.T) {
	t.Parallel()
	t.Run("one profile", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		keys := parallelRuns(t, w, 20, func(int) string { return "admin" })
		if len(keys["admin"]) != 1 {
			t.Errorf("20 runs got %d different access keys: %v", len(keys["admin"]), keys)
		}
		if g, a := w.srv.CallCount("GetSessionToken"), w.srv.CallCount("AssumeRole"); g != 1 || a != 1 {
			t.Errorf("GetSessionToken %d, AssumeRole %d; want 1 and 1: %s", g, a, describe(w.srv.Calls()))
		}
	})
	t.Run("two roles of one source profile", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		keys := parallelRuns(t, w, 20, func(i int) string { return []string{"admin", "readonly"}[i%2] })
		if len(keys["admin"]) != 1 || len(keys["readonly"]) != 1 {
			t.Errorf("want one access key per profile, got %v", keys)
		}
		if g, a := w.srv.CallCount("GetSessionToken"), w.srv.CallCount("AssumeRole"); g != 1 || a != 2 {
			t.Errorf("GetSessionToken %d, AssumeRole %d; want 1 and 2: %s", g, a, describe(w.srv.Calls()))
		}
	})
}

// parallelRuns starts n runs of `aws-runas -o CODE -O json PROFILE` at once
// and returns the access keys each profile got.
func parallelRuns(t *testing.T, w *testWorld, n int, profile func(i int) string) map[string]map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*strings.Builder, n)
	errs := make([]*strings.Builder, n)
	for i := range cmds {
		cmds[i] = w.command(ctx, nil, "-o", MFACode, "-O", "json", profile(i))
		outs[i], errs[i] = &strings.Builder{}, &strings.Builder{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], errs[i]
	}
	var wg sync.WaitGroup
	results := make([]error, n)
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = c.Wait() }()
	}
	wg.Wait()
	keys := map[string]map[string]bool{}
	for i := range cmds {
		r := runResult{args: cmds[i].Args[1:], stdout: outs[i].String(), stderr: errs[i].String()}
		if results[i] != nil {
			t.Errorf("run %d: %v\n%s", i, results[i], r)
			continue
		}
		c := parseJSONCreds(t, r)
		if keys[profile(i)] == nil {
			keys[profile(i)] = map[string]bool{}
		}
		keys[profile(i)][c.AccessKeyID] = true
	}
	return keys
}

// With STS unreachable, the error says so and aws-runas gives up well
// before its 30 s bound of one STS operation.
func TestSTSUnreachable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	begin := time.Now()
	r := w.run([]string{"AWS_ENDPOINT_URL_STS=" + closed}, "-o", MFACode, "-O", "json", "admin")
	took := time.Since(begin)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "cannot reach STS") {
		t.Errorf("want exit 1, empty stdout and \"cannot reach STS\":\n%s", r)
	}
	if took > 15*time.Second {
		t.Errorf("giving up on an unreachable STS took %s", took)
	}
	t.Logf("gave up after %s", took.Round(time.Millisecond))
}

// faultDelay slows action down by d, then answers it normally.
func faultDelay(action string, d time.Duration) ststest.Fault {
	return ststest.Fault{Action: action, Delay: d}
}
