//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const mfaPrompt = "Enter MFA code for " + AliceMFA + ":"

// The MFA prompt works inside $(...) with stderr redirected: it is asked
// and answered on the terminal, and what $(...) captures is the code
// alone. A code that is not 6 digits is asked for again.
func TestTerminalMFAPrompt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tm := startShell(t, w)

	// stdout captured and stderr sent away: the prompt has the terminal.
	tm.typeLine(`out=$(aws-runas -O bash admin 2> err.txt); echo "rc1=$?"`)
	tm.waitText(mfaPrompt, 1)
	if n := w.srv.CallCount(""); n != 0 {
		t.Errorf("STS was called %d times before the MFA code was entered", n)
	}
	tm.typeLine("12ab")
	tm.waitText("An MFA code is 6 digits.", 1)
	tm.waitText(mfaPrompt, 2)
	tm.typeLine(MFACode)
	tm.waitLine(`rc1=0`)
	tm.do(`printf '%s' "$out" > out.txt; echo "w=$?"`)

	out := readFile(t, filepath.Join(w.dir, "out.txt"))
	for _, want := range []string{"export AWS_ACCESS_KEY_ID='ASIA", "export AWS_RUNAS_PROFILE='admin'"} {
		if !strings.Contains(out, want) {
			t.Errorf("$out lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"Enter MFA code", "MFA code is", "12ab"} {
		if strings.Contains(out, bad) {
			t.Errorf("$out holds prompt text %q:\n%s", bad, out)
		}
	}
	noSecrets(t, "$out", out, nil, MFACode)
	if errText := readFile(t, filepath.Join(w.dir, "err.txt")); errText != "" {
		t.Errorf("stderr of a run with an MFA prompt: %q, want nothing", errText)
	}

	if n := w.srv.CallCount("GetSessionToken"); n != 1 {
		t.Fatalf("GetSessionToken calls: %d, want 1", n)
	}
	for _, c := range w.srv.Calls() {
		if c.Action == "GetSessionToken" {
			if got := c.Params.Get("TokenCode"); got != MFACode {
				t.Errorf("TokenCode %q, want %s", got, MFACode)
			}
			if got := c.Params.Get("SerialNumber"); got != AliceMFA {
				t.Errorf("SerialNumber %q, want %s", got, AliceMFA)
			}
		}
	}
}

// Ctrl-C at the MFA prompt ends aws-runas with nothing done: no STS call,
// no cache file, and the terminal as it was (echo, canonical input).
//
// An interactive bash restores the terminal itself after a job dies of a
// signal, which would hide a terminal left without echo: so aws-runas runs
// under sh -c, which outlives the Ctrl-C (its trap is a handler, which the
// exec of aws-runas resets, not an ignore, which it would inherit) and
// looks at the terminal as aws-runas left it.
func TestTerminalCtrlCAtMFAPrompt(t *testing.T) {
	t.Parallel()
	requireProg(t, "sh")
	w := newWorld(t)
	tm := startShell(t, w)

	n := tm.prompts(tm.screen(false))
	tm.typeLine(`sh -c 'trap : INT; aws-runas -O bash admin > out.txt; echo "rc=$?"; stty -a > stty.txt; echo reading; head -n 1 > typed.txt; echo "head=$?"'`)
	tm.waitText(mfaPrompt, 1)
	tm.keys("C-c")
	// The line of the prompt ends with ^C, and the status follows on it.
	if m := tm.waitMatch(`(?m)rc=([0-9]+)$`); m[1] == "0" {
		t.Errorf("aws-runas exited 0 after Ctrl-C")
	}
	// What is typed to the next program shows on the screen, and reaches it.
	tm.waitLine(`reading`)
	tm.typeLine("typed-text-42")
	tm.waitLine(`head=0`)
	tm.waitFor("the shell's prompt after Ctrl-C", func(s string) bool { return tm.prompts(s) > n })
	if s := tm.screen(false); !regexp.MustCompile(`(?m)^typed-text-42$`).MatchString(s) {
		t.Errorf("typed text was not echoed after Ctrl-C at the MFA prompt:\n%s", s)
	}
	if got := readFile(t, filepath.Join(w.dir, "typed.txt")); got != "typed-text-42\n" {
		t.Errorf("typed.txt = %q", got)
	}
	modes := strings.FieldsFunc(readFile(t, filepath.Join(w.dir, "stty.txt")), func(r rune) bool { return r == ' ' || r == ';' || r == '\n' })
	for _, want := range []string{"echo", "icanon", "isig"} {
		if !contains(modes, want) {
			t.Errorf("terminal mode lacks %s after Ctrl-C at the MFA prompt: %q", want, modes)
		}
	}

	if n := w.srv.CallCount(""); n != 0 {
		t.Errorf("STS calls after Ctrl-C at the prompt: %d, want 0: %s", n, describe(w.srv.Calls()))
	}
	if files := w.cacheFiles(); len(files) != 0 {
		t.Errorf("cache files written after Ctrl-C: %q", files)
	}
	if out := readFile(t, filepath.Join(w.dir, "out.txt")); out != "" {
		t.Errorf("stdout after Ctrl-C: %q", out)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// yellow matches text drawn in yellow (SGR 33) in a screen captured with
// escapes.
func yellow(text string) *regexp.Regexp {
	return regexp.MustCompile(`\x1b\[(?:[0-9]+;)*33(?:;[0-9]+)*m` + regexp.QuoteMeta(text))
}

// after is what follows the last occurrence of mark in s ("" if none).
func after(s, mark string) string {
	i := strings.LastIndex(s, mark)
	if i < 0 {
		return ""
	}
	return s[i+len(mark):]
}

// Subshell mode: with stdout a terminal and no -O, aws-runas starts an
// interactive $SHELL with the credentials and the (AWS:profile) prompt in
// yellow; -n shows (AWS); -s leaves the prompt alone; leaving the subshell
// leaves the parent as it was. The subshell's arguments and start-up file
// hold no secret.
func TestTerminalSubshell(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			shellPath := requireProg(t, shell)
			w := newWorld(t)
			// The user's own rc file sets the prompt (over the system's),
			// and the subshell adds its segment in front.
			for _, rc := range []string{".bashrc", ".zshrc"} {
				if err := os.WriteFile(filepath.Join(w.home, rc), []byte("PS1='e2e$ '\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			w.mustRun(nil, "-o", MFACode, "-O", "json", "admin")
			tm := startShell(t, w, "SHELL="+shellPath)

			cmdline := "aws-runas -o " + MFACode + " admin"
			tm.do(cmdline)
			if seg := after(tm.screen(true), cmdline); !yellow("(AWS:admin)").MatchString(seg) {
				t.Errorf("%s subshell: no yellow (AWS:admin) in the prompt; the screen after %q:\n%q", shell, cmdline, seg)
			}
			tm.do(`echo "p1=$AWS_RUNAS_PROFILE"; cat /proc/$$/cmdline > argv.bin`)
			tm.waitLine(`p1=admin`)
			argv := strings.Split(strings.TrimRight(readFile(t, filepath.Join(w.dir, "argv.bin")), "\x00"), "\x00")
			secrets := w.secrets()
			noSecrets(t, "the subshell's arguments", strings.Join(argv, " "), secrets)
			for i, a := range argv {
				if a == "--rcfile" && i+1 < len(argv) {
					// Read while the subshell runs: aws-runas removes it after.
					noSecrets(t, "the subshell's rc file", readFile(t, argv[i+1]), secrets)
				}
			}
			tm.do("exit")
			tm.do(`echo "p2=${AWS_RUNAS_PROFILE-unset}"`)
			tm.waitLine(`p2=unset`)

			cmdline = "aws-runas -n admin"
			tm.do(cmdline)
			seg := after(tm.screen(true), cmdline)
			if !yellow("(AWS)").MatchString(seg) || strings.Contains(seg, "(AWS:") {
				t.Errorf("%s subshell with -n: want a yellow (AWS) prompt; the screen after %q:\n%q", shell, cmdline, seg)
			}
			tm.do(`echo "p3=$AWS_RUNAS_PROFILE:${AWS_RUNAS_ASSUMED_ROLE_ARN-none}"`)
			tm.waitLine(`p3=admin:none`)
			tm.do("exit")

			cmdline = "aws-runas -s admin"
			tm.do(cmdline)
			tm.do(`echo "p4=$AWS_RUNAS_PROFILE"`)
			tm.waitLine(`p4=admin`)
			if seg := after(tm.screen(false), cmdline); strings.Contains(seg, "(AWS") {
				t.Errorf("%s subshell with -s: the prompt changed; the screen after %q:\n%s", shell, cmdline, seg)
			}
			tm.do("exit")
			tm.do(`echo "p5=${AWS_RUNAS_PROFILE-unset}"`)
			tm.waitLine(`p5=unset`)
		})
	}
}

// Five cold runs at once in one terminal, none with -o: the MFA code is
// asked for once, and once it is typed all five succeed with the same
// credentials.
func TestTerminalParallelOnePrompt(t *testing.T) {
	t.Parallel()
	requireProg(t, "sh")
	w := newWorld(t)
	tm := startShell(t, w)

	// sh -c runs the five in the terminal's foreground process group
	// (no job control), so each may open /dev/tty.
	tm.typeLine(`sh -c 'for i in 1 2 3 4 5; do (aws-runas -O json admin > out$i.json 2> err$i.txt; echo $? > rc$i) & done; wait'; echo "all=$?"`)
	tm.waitText(mfaPrompt, 1)
	// Give the other four time to reach a prompt of their own, were they
	// going to show one.
	time.Sleep(500 * time.Millisecond)
	if s := tm.screen(false); strings.Count(s, mfaPrompt) != 1 {
		t.Fatalf("the MFA prompt shows %d times before the code is typed:\n%s", strings.Count(s, mfaPrompt), s)
	}
	tm.typeLine(MFACode)
	tm.waitLine(`all=0`)
	if s := tm.screen(false); strings.Count(s, mfaPrompt) != 1 {
		t.Errorf("the MFA prompt shows %d times:\n%s", strings.Count(s, mfaPrompt), s)
	}
	var key string
	for i := 1; i <= 5; i++ {
		n := string(rune('0' + i))
		rc := strings.TrimSpace(readFile(t, filepath.Join(w.dir, "rc"+n)))
		r := runResult{args: []string{"-O", "json", "admin"}, stdout: readFile(t, filepath.Join(w.dir, "out"+n+".json")), stderr: readFile(t, filepath.Join(w.dir, "err"+n+".txt"))}
		if rc != "0" {
			t.Errorf("run %s: exit %s\n%s", n, rc, r)
			continue
		}
		c := parseJSONCreds(t, r)
		if key == "" {
			key = c.AccessKeyID
		} else if c.AccessKeyID != key {
			t.Errorf("run %s: AccessKeyId %s, another run got %s", n, c.AccessKeyID, key)
		}
	}
	if g, a := w.srv.CallCount("GetSessionToken"), w.srv.CallCount("AssumeRole"); g != 1 || a != 1 {
		t.Errorf("GetSessionToken %d, AssumeRole %d; want 1 and 1: %s", g, a, describe(w.srv.Calls()))
	}
}

// A run killed while it holds the cache lock (blocked at the MFA prompt)
// does not keep the lock: the kernel drops it with the process, and the
// next run goes ahead.
func TestKilledLockHolder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tm := startTmux(t, w.env, w.dir, bin(), "-O", "json", "admin")
	tm.waitText(mfaPrompt, 1)
	holder := tm.panePID()
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", holder)); strings.TrimSpace(string(comm)) != "aws-runas" {
		t.Fatalf("the pane runs %q, not aws-runas", comm)
	}

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := w.command(ctx, nil, "-o", MFACode, "-O", "json", "admin")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// While the holder lives, the second run waits for the lock.
	select {
	case err := <-done:
		t.Fatalf("a second run finished while the first held the lock at its MFA prompt (%v)\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	case <-time.After(700 * time.Millisecond):
	}
	if err := syscall.Kill(holder, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the lock holder %d: %v", holder, err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the run after the holder was killed: %v\nstderr: %s", err, stderr.String())
		}
	case <-ctx.Done():
		t.Fatalf("the run after the lock holder was killed did not finish within %s: the lock outlived its holder", runTimeout)
	}
	var c processCredentials
	if err := json.Unmarshal([]byte(stdout.String()), &c); err != nil || c.AccessKeyID == "" {
		t.Errorf("stdout is not credentials (%v): %q", err, stdout.String())
	}
	if n := w.srv.CallCount("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken calls: %d, want 1", n)
	}
}

// Ctrl-C works inside the subshell as in any shell: it interrupts the
// program running in the foreground there, and the subshell lives on.
func TestTerminalSubshellCtrlC(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			shellPath := requireProg(t, shell)
			requireProg(t, "sleep")
			w := newWorld(t)
			for _, rc := range []string{".bashrc", ".zshrc"} {
				if err := os.WriteFile(filepath.Join(w.home, rc), []byte("PS1='e2e$ '\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			tm := startShell(t, w, "SHELL="+shellPath)
			tm.do("aws-runas -o " + MFACode + " admin")
			tm.do(`echo "in=$AWS_RUNAS_PROFILE"`)
			tm.waitLine(`in=admin`)

			n := tm.prompts(tm.screen(false))
			tm.typeLine(`echo sleeping; sleep 30`)
			tm.waitLine(`sleeping`)
			time.Sleep(200 * time.Millisecond) // let sleep start
			tm.keys("C-c")
			tm.waitFor("the subshell's prompt after Ctrl-C interrupted sleep", func(s string) bool { return tm.prompts(s) > n })
			tm.do(`echo "st=$? in=$AWS_RUNAS_PROFILE"`)
			tm.waitLine(`st=130 in=admin`)
			tm.do("exit")
			tm.do(`echo "out=${AWS_RUNAS_PROFILE-unset}"`)
			tm.waitLine(`out=unset`)
		})
	}
}
