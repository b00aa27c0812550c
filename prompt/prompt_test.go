package prompt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// fakeTTY is a terminal made of a reader and a buffer, for the unit tests
// of what is written and read; the tmux test uses a real one.
func fakeTTY(input string, screen *bytes.Buffer) func() (io.Reader, io.Writer, func(), error) {
	r := strings.NewReader(input)
	return func() (io.Reader, io.Writer, func(), error) { return r, screen, func() {}, nil }
}

func TestSelect(t *testing.T) {
	for _, c := range []struct{ flag, env, key, want string }{
		{"", "", "", Auto},
		{"", "", "ykman", YKMan},
		{"", "zenity", "ykman", Zenity},
		{"terminal", "zenity", "ykman", Terminal},
	} {
		if got, err := Select(c.flag, c.env, c.key, "prod"); err != nil || got != c.want {
			t.Errorf("Select(%q, %q, %q) = %q, %v; want %s", c.flag, c.env, c.key, got, err, c.want)
		}
	}
	for _, c := range []struct{ flag, env, key, where string }{
		{"gui", "", "", "--prompt"},
		{"", "Zenity", "", "AWS_RUNAS_PROMPT"},
		{"", "", "yubikey\x1b[2J", `mfa_prompt of profile "prod": unknown prompt driver "yubikey\\x1b[2J"`},
	} {
		_, err := Select(c.flag, c.env, c.key, "prod")
		if err == nil || !strings.HasPrefix(err.Error(), c.where) || !strings.Contains(err.Error(), "auto, terminal, zenity, kdialog, osascript, wincred, ykman") {
			t.Errorf("Select(%q, %q, %q): %v; want an error from %s listing the drivers", c.flag, c.env, c.key, err, c.where)
		}
	}
}

func TestNew(t *testing.T) {
	p, err := New("", false, []string{"AWS_RUNAS_PROMPT=kdialog", "AWS_RUNAS_PROMPT_TIMEOUT=7"}, nil)
	if err != nil || p.Driver != KDialog || p.Timeout != 7*time.Second {
		t.Fatalf("New: %+v, %v", p, err)
	}
	if p, err := New("", false, []string{}, nil); err != nil || p.Driver != "" || p.Timeout != DefaultTimeout {
		t.Fatalf("New with nothing set: %+v, %v; want no driver (the profile's or auto) and 120s", p, err)
	}
	for _, v := range []string{"0", "-1", "2m", "x"} {
		if _, err := New("", false, []string{"AWS_RUNAS_PROMPT_TIMEOUT=" + v}, nil); err == nil || !strings.Contains(err.Error(), "AWS_RUNAS_PROMPT_TIMEOUT") {
			t.Errorf("timeout %q: %v", v, err)
		}
	}
	// The flag wins over the environment, and the profile's key counts
	// only when neither is set.
	p, _ = New("terminal", false, []string{"AWS_RUNAS_PROMPT=zenity"}, nil)
	if d, _ := p.driver(Profile{MFAPrompt: "ykman"}); d != Terminal {
		t.Errorf("driver %s, want the flag's", d)
	}
	p, _ = New("", false, []string{}, nil)
	if d, _ := p.driver(Profile{MFAPrompt: "ykman"}); d != YKMan {
		t.Errorf("driver %s, want the profile's", d)
	}
}

func TestTerminalCode(t *testing.T) {
	var screen bytes.Buffer
	p := &Prompter{Env: []string{}, openTTY: fakeTTY("12ab\n 123456 \n", &screen)}
	got, err := p.Code(context.Background(), Code{Profile: Profile{Name: "prod"}, Device: "arn:aws:iam::1:mfa/a\x1b[2J"})
	if err != nil || got != "123456" {
		t.Fatalf("got %q, %v", got, err)
	}
	want := "Enter MFA code for arn:aws:iam::1:mfa/a\\x1b[2J: An MFA code is 6 digits.\nEnter MFA code for arn:aws:iam::1:mfa/a\\x1b[2J: "
	if screen.String() != want {
		t.Errorf("screen %q, want %q", screen.String(), want)
	}
	// An identity provider's code may have 8 digits.
	p = &Prompter{Env: []string{}, openTTY: fakeTTY("12345678\n", &screen)}
	if got, err := p.Code(context.Background(), Code{Device: "carol at idp", MinDigits: 6, MaxDigits: 8}); err != nil || got != "12345678" {
		t.Errorf("8 digits: %q, %v", got, err)
	}
	p = &Prompter{Env: []string{}, openTTY: fakeTTY("1\n2\n3\n123456\n", &screen)}
	if _, err := p.Code(context.Background(), Code{Device: "d"}); !errors.Is(err, ErrBadAnswer) {
		t.Errorf("three bad codes: %v, want ErrBadAnswer", err)
	}
	p = &Prompter{Env: []string{}, openTTY: fakeTTY("", &screen)}
	if _, err := p.Code(context.Background(), Code{Device: "d"}); !errors.Is(err, ErrCancelled) {
		t.Errorf("end of input: %v, want ErrCancelled", err)
	}
}

func TestTerminalChoose(t *testing.T) {
	var screen bytes.Buffer
	p := &Prompter{Env: []string{}, openTTY: fakeTTY("0\nx\n2\n", &screen)}
	got, err := p.Choose(context.Background(), Choice{Text: "Second factor for Okta", Options: []string{"push", "code\x07"}})
	if err != nil || got != 1 {
		t.Fatalf("got %d, %v", got, err)
	}
	if !strings.Contains(screen.String(), "  1) push\n  2) code\\x07\nSecond factor for Okta [1-2]: ") {
		t.Errorf("screen %q", screen.String())
	}
}

// --non-interactive forbids asking a person even with a terminal there,
// but lets mfa_process answer.
func TestNonInteractive(t *testing.T) {
	var screen bytes.Buffer
	for _, d := range []string{"", Terminal, Zenity} {
		p := &Prompter{Driver: d, NonInteractive: true, Env: []string{"DISPLAY=:99"}, openTTY: fakeTTY("123456\n", &screen)}
		_, err := p.Code(context.Background(), Code{Profile: Profile{Name: "prod"}, Device: testSerial})
		if !errors.Is(err, ErrNoOneToAsk) || !strings.Contains(err.Error(), "--non-interactive") {
			t.Errorf("driver %q: %v, want no one to ask", d, err)
		}
	}
	if screen.Len() != 0 {
		t.Errorf("something was asked: %q", screen.String())
	}
	if _, err := (&Prompter{NonInteractive: true, Env: []string{}}).Password(context.Background(), Password{For: "carol"}); !errors.Is(err, ErrNoOneToAsk) {
		t.Errorf("password: %v", err)
	}
}

// The dialog text names the profile and the device with control
// characters written out, and survives zenity's backslash and mnemonic
// reading.
func TestDialogText(t *testing.T) {
	q := Code{Profile: Profile{Name: "a_b\x1b]0;x\x07"}, Device: `arn\x`}
	text := codeText(q)
	if text != "Profile: a_b\\x1b]0;x\\x07\nMFA device: arn\\x\n\nEnter the MFA code:" {
		t.Errorf("text %q", text)
	}
	argv := zenityArgs(title(q.Profile), text, true)
	want := []string{"--entry", `--title=aws-runas: a_b\x1b]0;x\x07`, "--text=Profile: a__b\\\\x1b]0;x\\\\x07\nMFA device: arn\\\\x\n\nEnter the MFA code:", "--hide-text"}
	if strings.Join(argv, "|") != strings.Join(want, "|") {
		t.Errorf("zenity %q\nwant %q", argv, want)
	}
	if k := kdialogArgs("t", "<b>&\n", true); k[2] != "--password" || k[3] != "<qt>&lt;b&gt;&amp;<br></qt>" {
		t.Errorf("kdialog %q", k)
	}
}

func TestAppleString(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:         `"plain"`,
		`say "hi"`:      `"say \"hi\""`,
		`back\slash`:    `"back\\slash"`,
		"two\nlines\t!": `"two\nlines\t!"`,
		`\"`:            `"\\\""`,
	} {
		if got := appleString(in); got != want {
			t.Errorf("appleString(%q) = %s, want %s", in, got, want)
		}
	}
	argv := osascriptArgs("aws-runas: p", "pw", true)
	if argv[1] != `set r to display dialog "pw" default answer "" with title "aws-runas: p" buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel" with hidden answer` {
		t.Errorf("osascript %q", argv)
	}
}

// The Windows dialog's script parses as PowerShell, with quotes of every
// kind in the profile name kept inside their strings.
func TestWincredScript(t *testing.T) {
	dir := t.TempDir()
	name := "it's ‘ours’ ‚really‛ $(whoami) `n"
	var files []string
	for i, hidden := range []bool{false, true} {
		s := wincredScript(title(Profile{Name: name}), codeText(Code{Profile: Profile{Name: name}, Device: testSerial}), hidden)
		if !strings.Contains(s, `$form.Text = 'aws-runas: it''s ‘‘ours’’ ‚‚really‛‛ $(whoami) `+"`n'") {
			t.Errorf("title not quoted:\n%s", s)
		}
		if strings.Contains(s, "UseSystemPasswordChar = $true") != hidden {
			t.Errorf("masking %v:\n%s", hidden, s)
		}
		f := filepath.Join(dir, []string{"code.ps1", "password.ps1"}[i])
		if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	// A script that does not parse must be caught: the check is not blind.
	bad := filepath.Join(dir, "bad.ps1")
	os.WriteFile(bad, []byte(strings.Replace(wincredScript("t", "x", false), psString("x"), "'x", 1)), 0o600)
	problems := testtool.ParsePowerShell(t, append(files, bad))
	for _, f := range files {
		if len(problems[f]) > 0 {
			t.Errorf("%s does not parse: %v", filepath.Base(f), problems[f])
		}
	}
	if len(problems[bad]) == 0 {
		t.Error("the broken script parsed")
	}
	argv := powershellArgs("exit 0")
	if argv[len(argv)-1] != "ZQB4AGkAdAAgADAA" {
		t.Errorf("-EncodedCommand %q, want UTF-16LE base64", argv[len(argv)-1])
	}
}
