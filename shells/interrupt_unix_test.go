//go:build unix

package shells

import (
	"bytes"
	"context"
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

// runInteractive runs an interactive shell on stdin in a session of its own
// (so that a kill -INT 0 reaches its process group only, as Ctrl-C at a
// terminal does), and kills that whole group after timeout.
func runInteractive(t *testing.T, argv, env []string, stdin string, timeout time.Duration) (stdout, stderr string, timedOut bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// An interactive shell ignores SIGTERM: the whole group gets SIGKILL.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	return out.String(), errb.String(), ctx.Err() != nil
}

// TestRefreshCtrlCNotRetried: a refresh that Ctrl-C cuts short (here the
// binary sends SIGINT to its process group, as the terminal does) counts as
// tried for that expiry: the next prompts do not start it again (before,
// the interactive shell re-prompted and refreshed in an endless loop).
func TestRefreshCtrlCNotRetried(t *testing.T) {
	for _, c := range []struct {
		dialect string
		args    []string
	}{
		{"bash", []string{"--noprofile", "--norc", "-i"}},
		{"zsh", []string{"-f", "-i"}},
	} {
		c := c
		t.Run(c.dialect, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			calls := filepath.Join(dir, "calls")
			bin := fakeScript(t, dir, "aws-runas", "echo call >>\"$T_CALLS\"\nkill -INT 0\nsleep 1\n")
			code, err := Init(mustDialect(t, c.dialect), InitOptions{Prompt: true, Refresh: true, Binary: bin})
			if err != nil {
				t.Fatal(err)
			}
			near := strconv.FormatInt(time.Now().Unix()+100, 10)
			script := "eval \"$__T_CODE\"\nexport AWS_RUNAS_PROFILE=prod AWS_SESSION_EXPIRATION_UNIX=" + near + "\n:\n:\n:\nexit\n"
			argv := append([]string{testtool.Require(t, c.dialect)}, c.args...)
			_, stderr, timedOut := runInteractive(t, argv, append(baseEnv(t), "__T_CODE="+code, "T_CALLS="+calls), script, 10*time.Second)
			b, _ := os.ReadFile(calls)
			if n := strings.Count(string(b), "call"); n != 1 || timedOut {
				t.Errorf("the interrupted refresh ran %d times (timed out: %v), want once; stderr:\n%.2000s", n, timedOut, stderr)
			}
		})
	}
}

// TestBashPromptHookRemovesPendingFile: a wrapper call that Ctrl-C cut short
// leaves its file named in __aws_runas_pending; the next prompt removes it,
// not only the next call of the wrapper.
func TestBashPromptHookRemovesPendingFile(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	os.Mkdir(tmp, 0o700)
	// The binary, run with a COMMAND by the wrapper at a terminal, is
	// interrupted as by Ctrl-C.
	bin := fakeScript(t, dir, "aws-runas", "kill -INT 0\nsleep 1\n")
	code, err := Init(mustDialect(t, "bash"), InitOptions{Cmd: "aws-runas", Prompt: true, Refresh: true, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	script := "eval \"$__T_CODE\"\naws-runas prod sleep 5 >\"$__T_TTY\"\necho \"pending=${__aws_runas_pending:-none}\"\nexit\n"
	argv := []string{testtool.Require(t, "bash"), "--noprofile", "--norc", "-i"}
	out, stderr, timedOut := runInteractive(t, argv, append(baseEnv(t), "__T_CODE="+code, "TMPDIR="+tmp, "__T_TTY="+ttyPath(t)), script, 10*time.Second)
	if timedOut || !strings.Contains(out, "pending=none\n") {
		t.Errorf("stdout %q (timed out: %v), want pending=none; stderr:\n%s", out, timedOut, stderr)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the wrapper's file is left after the next prompt: %v", left)
	}
}
