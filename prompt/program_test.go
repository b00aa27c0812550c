//go:build unix

package prompt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// programPrompter runs programs with PATH starting at dir, never asks on
// a terminal (and is non-interactive: programs ask no person), and
// collects their stderr.
func programPrompter(t *testing.T, dir string, timeout time.Duration) (*Prompter, *bytes.Buffer) {
	var stderr bytes.Buffer
	return &Prompter{NonInteractive: true, Timeout: timeout, Env: []string{"PATH=" + dir + ":" + os.Getenv("PATH")}, Stderr: &stderr, openTTY: noTTY}, &stderr
}

// gone waits (bounded) until the process whose pid is in file has ended.
func gone(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d outlived its mfa_process", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMFAProcess(t *testing.T) {
	dir := t.TempDir()
	const secret = "654321-SECRET"
	cases := []struct {
		name, line string
		code       string // the answer, or
		kind       error  // the error's kind, and
		msg        string // text the error holds
		pidFile    string // a child that must be dead after
	}{
		{name: "code", line: `echo 'asking the phone' >&2; printf '123456\n'`, code: "123456"},
		{name: "words as sh -c reads them", line: `printf '%s\n' "1234""56"`, code: "123456"},
		{name: "bad exit", line: `echo ` + secret + `; exit 3`, msg: `profile "prod": mfa_process failed with exit status 3`},
		{name: "garbage", line: `echo ` + secret, kind: ErrBadAnswer, msg: `profile "prod": mfa_process printed something that is not a code (an MFA code is 6 digits)`},
		{name: "two codes", line: `printf '123456\n654321\n'`, kind: ErrBadAnswer, msg: "not a code"},
		{name: "slow", line: `echo ` + secret + `; sleep 30; echo 123456`, kind: ErrTimeout, msg: `profile "prod": mfa_process gave no code within 2s and was stopped (AWS_RUNAS_PROMPT_TIMEOUT`},
		{name: "child holds stdout", line: `sleep 30 & echo $! > ` + dir + `/child.pid; sleep 30`, kind: ErrTimeout, msg: "gave no code within 2s", pidFile: dir + "/child.pid"},
		{name: "escaped child holds stdout", line: `setsid sleep 30 & echo $! > ` + dir + `/setsid.pid; printf 123456`, code: "123456", pidFile: dir + "/setsid.pid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, stderr := programPrompter(t, dir, 2*time.Second)
			start := time.Now()
			got, err := p.Code(context.Background(), Code{Profile: Profile{Name: "prod", MFAProcess: c.line}, Device: testSerial})
			// The programs sleep 30 s: well before that, the timeout (or
			// the code) ended the wait, not the program's own end.
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s with a timeout of 2s", d)
			}
			if c.pidFile != "" && c.name == "escaped child holds stdout" {
				// Out of our group: not ours to kill, but the test's.
				b, _ := os.ReadFile(c.pidFile)
				if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			} else if c.pidFile != "" {
				gone(t, c.pidFile)
			}
			if c.code != "" {
				if err != nil || got != c.code {
					t.Fatalf("got %q, %v; want %s", got, err, c.code)
				}
				if c.name == "code" && stderr.String() != "asking the phone\n" {
					t.Errorf("stderr %q, want the program's", stderr.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want an error", got)
			}
			if c.kind != nil && !errors.Is(err, c.kind) {
				t.Errorf("error %v is not %v", err, c.kind)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q lacks %q", err, c.msg)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "654321") {
				t.Errorf("error quotes the output: %q", err)
			}
		})
	}
}

// ykman from PATH is asked for the account named by mfa_oath_name, else
// the serial; the user is told to touch the key.
func TestYkman(t *testing.T) {
	dir := t.TempDir()
	stub := `#!/bin/sh
printf '%s\n' "$*" > "` + dir + `/args"
case "$*" in
"oath accounts code --single "*) ;;
*) echo "usage" >&2; exit 2;;
esac
[ -n "$YKMAN_FAIL" ] && { echo "ERROR: No YubiKey detected!" >&2; exit 1; }
[ -n "$YKMAN_SLOW" ] && exec sleep 30
echo 987654
`
	if err := os.WriteFile(filepath.Join(dir, "ykman"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ oath, want string }{{"", testSerial}, {"AWS:alice", "AWS:alice"}} {
		p, stderr := programPrompter(t, dir, 2*time.Second)
		p.Driver = YKMan
		got, err := p.Code(context.Background(), Code{Profile: Profile{Name: "prod", OATHName: c.oath}, Device: testSerial})
		if err != nil || got != "987654" {
			t.Fatalf("got %q, %v", got, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "args")); string(b) != "oath accounts code --single "+c.want+"\n" {
			t.Errorf("ykman ran with %q, want the account %s", b, c.want)
		}
		if !strings.Contains(stderr.String(), "Touch your YubiKey") {
			t.Errorf("no touch notice without a terminal or desktop: %q", stderr.String())
		}
	}

	// With a terminal, the notice is on it.
	p, stderr := programPrompter(t, dir, 2*time.Second)
	p.Driver = YKMan
	var screen bytes.Buffer
	p.openTTY = func() (r io.Reader, w io.Writer, closeTTY func(), err error) {
		return strings.NewReader(""), &screen, func() {}, nil
	}
	if _, err := p.Code(context.Background(), Code{Profile: Profile{Name: "prod"}, Device: testSerial}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(screen.String(), "Touch your YubiKey") || stderr.Len() != 0 {
		t.Errorf("terminal %q, stderr %q: want the notice on the terminal", screen.String(), stderr.String())
	}

	for env, want := range map[string]string{"YKMAN_FAIL=1": "failed with exit status 1", "YKMAN_SLOW=1": "gave no code within 2s"} {
		p, stderr := programPrompter(t, dir, 2*time.Second)
		p.Driver, p.Env = YKMan, append(p.Env, env)
		_, err := p.Code(context.Background(), Code{Profile: Profile{Name: "prod"}, Device: testSerial})
		if err == nil || !strings.Contains(err.Error(), `profile "prod": ykman (OATH account `+testSerial+`, from mfa_serial) `+want) {
			t.Errorf("%s: error %v, want %q", env, err, want)
		}
		if env == "YKMAN_FAIL=1" && !strings.Contains(stderr.String(), "No YubiKey detected") {
			t.Errorf("ykman's stderr was not passed on: %q", stderr.String())
		}
	}

	// --non-interactive allows ykman; no ykman on PATH is a clear error.
	p, _ = programPrompter(t, t.TempDir(), 2*time.Second)
	p.Driver, p.NonInteractive = YKMan, true
	p.Env = []string{"PATH=" + t.TempDir()}
	if _, err := p.Code(context.Background(), Code{Profile: Profile{Name: "prod"}, Device: testSerial}); err == nil || !strings.Contains(err.Error(), "ykman is not installed") {
		t.Errorf("no ykman: %v", err)
	}
}
