//go:build linux

package prompt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

var tmuxSeq atomic.Int64

// With no terminal (a new session, setsid), no display and no
// mfa_process, auto says at once that there is no one to ask, and how to
// get on.
func TestAutoNoOneToAsk(t *testing.T) {
	setsid := testtool.Require(t, "setsid")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, setsid, "--wait", self)
	cmd.Env = []string{"PROMPT_HELPER=code", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"no-one=true", `profile "prod": an MFA code for ` + testSerial + " is needed, but there is no terminal and no desktop dialog to ask with", "-o CODE", "mfa_process", "--prompt DRIVER", "run in a terminal"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	var elapsed time.Duration
	if i := strings.Index(s, "elapsed="); i < 0 {
		t.Fatalf("no elapsed time:\n%s", s)
	} else if elapsed, err = time.ParseDuration(strings.TrimSpace(s[i+len("elapsed="):])); err != nil {
		t.Fatal(err)
	}
	if elapsed > 500*time.Millisecond {
		t.Errorf("finding no one to ask took %s", elapsed)
	}
}

// The prompt is on the controlling terminal although stdin, stdout and
// stderr are all pipes (as under the AWS CLI's credential_process): a
// real terminal in tmux; the answer reaches stdout and nothing else does;
// a password typed there is not shown.
func TestTerminalWithPipes(t *testing.T) {
	tmux := testtool.Require(t, "tmux")
	bash := testtool.Require(t, "bash")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sock := fmt.Sprintf("aws-runas-prompt-%d-%d", os.Getpid(), tmuxSeq.Add(1))
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-L", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cmd := exec.Command(tmux, "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "160", "-y", "40", "-c", dir, "--", bash, "--norc", "--noprofile")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "PS1=t$ ", "TERM=xterm"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(tmux, "-L", sock, "kill-server").Run() })
	waitScreen := func(text string, n int) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			s := tm("capture-pane", "-p", "-J", "-t", "t")
			if strings.Count(s, text) >= n {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waited for %q; the screen:\n%s", text, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	typeLine := func(s string) { tm("send-keys", "-t", "t", "-l", "--", s); tm("send-keys", "-t", "t", "Enter") }
	waitScreen("t$ ", 1)

	typeLine(`echo | PROMPT_HELPER=code ` + self + ` 2>&1 | cat > out.txt; echo "rc=${PIPESTATUS[1]}"`)
	waitScreen("Enter MFA code for "+testSerial+": ", 1)
	typeLine("12ab")
	waitScreen("An MFA code is 6 digits.", 1)
	waitScreen("Enter MFA code for "+testSerial+": ", 2)
	typeLine("123456")
	waitScreen("rc=0", 1)
	if b, _ := os.ReadFile(filepath.Join(dir, "out.txt")); string(b) != "answer=123456\n" {
		t.Errorf("stdout and stderr: %q, want the answer alone", b)
	}

	typeLine(`echo | PROMPT_HELPER=password ` + self + ` 2>&1 | cat > pw.txt; echo "rc=${PIPESTATUS[1]}"`)
	waitScreen("Password for carol at idp.example.com: ", 1)
	typeLine("hunter2 pw")
	s := waitScreen("rc=0", 2)
	if strings.Contains(s, "hunter2") {
		t.Errorf("the password was shown:\n%s", s)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "pw.txt")); string(b) != "answer=hunter2 pw\n" {
		t.Errorf("stdout and stderr: %q", b)
	}
}
