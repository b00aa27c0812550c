// Package prompt asks the user for what getting credentials needs (an MFA
// code, a password, a choice) and shows notices, wherever the user can be
// reached: the controlling terminal, a desktop dialog (zenity, kdialog,
// osascript, a PowerShell dialog), a YubiKey through ykman, or a
// profile's mfa_process. Callers pass a question and get an answer or an
// error that errors.Is one of ErrCancelled, ErrNoOneToAsk, ErrTimeout or
// ErrBadAnswer.
package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws-runas/aws-runas/internal/childenv"
	"github.com/aws-runas/aws-runas/internal/termtext"
)

// The kinds of failure a caller maps to an exit status: ErrCancelled is
// exit 1 ("cancelled"), ErrNoOneToAsk exit 3, the others exit 1.
var (
	ErrCancelled  = errors.New("cancelled")
	ErrNoOneToAsk = errors.New("no one to ask")
	ErrTimeout    = errors.New("no answer in time")
	ErrBadAnswer  = errors.New("not a valid answer")
)

// Error is every failure of this package: a message for the user and the
// kind (one of the Err variables) for errors.Is.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Driver names, for --prompt, AWS_RUNAS_PROMPT and mfa_prompt.
const (
	Auto      = "auto"
	Terminal  = "terminal"
	Zenity    = "zenity"
	KDialog   = "kdialog"
	OSAScript = "osascript"
	WinCred   = "wincred"
	YKMan     = "ykman"
)

// Drivers lists the valid driver names, for help and error text.
var Drivers = []string{Auto, Terminal, Zenity, KDialog, OSAScript, WinCred, YKMan}

// Environment variables read by New.
const (
	DriverEnv  = "AWS_RUNAS_PROMPT"
	TimeoutEnv = "AWS_RUNAS_PROMPT_TIMEOUT"
)

// DefaultTimeout bounds every driver but the terminal.
const DefaultTimeout = 120 * time.Second

// Profile is what a profile says about being asked. MFAProcess, MFAPrompt
// and OATHName are the keys mfa_process, mfa_prompt and mfa_oath_name,
// which the caller must never take from a project's ./aws_config.
type Profile struct {
	Name       string
	MFAPrompt  string
	MFAProcess string
	OATHName   string
}

// Code asks for a one-time code of MinDigits to MaxDigits digits (both 0:
// the 6 of an AWS MFA device).
type Code struct {
	Profile Profile
	// Device is the MFA device's serial (an ARN), or for an identity
	// provider's code who and where ("carol at idp.example.com").
	Device               string
	MinDigits, MaxDigits int
}

// Password asks for a secret without showing it: the password of For
// ("carol") at Host ("idp.example.com", may be empty).
type Password struct {
	Profile   Profile
	For, Host string
}

// Choice asks to pick one of Options; the answer is its index.
type Choice struct {
	Profile Profile
	Text    string
	Options []string
}

// Notice tells the user something (touch your YubiKey, a device code to
// enter) without waiting for an answer.
type Notice struct {
	Profile Profile
	Text    string
}

// Prompter asks questions. Make one with New.
type Prompter struct {
	// Driver is the one chosen by --prompt or AWS_RUNAS_PROMPT; "" lets a
	// profile's mfa_prompt choose, else auto.
	Driver string
	// NonInteractive forbids the drivers that ask a person.
	NonInteractive bool
	// Timeout bounds every driver but the terminal.
	Timeout time.Duration
	// Env is the environment: DISPLAY, PATH, and that of the programs run;
	// nil is os.Environ().
	Env []string
	// Stderr receives mfa_process's and ykman's stderr, and notices that
	// nothing else can show.
	Stderr io.Writer

	goos    string                                                           // runtime.GOOS; tests change it
	openTTY func() (in io.Reader, out io.Writer, closeTTY func(), err error) // nil: the controlling terminal
}

// New makes a Prompter from the --prompt flag (may be empty), the
// --non-interactive flag and the environment (nil: os.Environ()), where it
// reads AWS_RUNAS_PROMPT and AWS_RUNAS_PROMPT_TIMEOUT.
func New(flag string, nonInteractive bool, env []string, stderr io.Writer) (*Prompter, error) {
	if env == nil {
		env = os.Environ()
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	p := &Prompter{NonInteractive: nonInteractive, Env: env, Stderr: stderr, Timeout: DefaultTimeout}
	d, err := Select(flag, getenv(env, DriverEnv), "", "")
	if err != nil {
		return nil, err
	}
	if flag != "" || getenv(env, DriverEnv) != "" {
		p.Driver = d
	}
	if s := getenv(env, TimeoutEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 24*3600 {
			return nil, fmt.Errorf("%s=%q: want a number of seconds from 1 to 86400", TimeoutEnv, s)
		}
		p.Timeout = time.Duration(n) * time.Second
	}
	return p, nil
}

// Select picks the driver: the --prompt flag, else AWS_RUNAS_PROMPT, else
// the profile's mfa_prompt, else auto. An unknown name is an error naming
// where it came from and the valid names.
func Select(flag, env, mfaPrompt, profile string) (string, error) {
	for _, c := range []struct{ v, where string }{
		{flag, "--prompt"},
		{env, DriverEnv},
		{mfaPrompt, fmt.Sprintf("mfa_prompt of profile %q", profile)},
	} {
		if c.v == "" {
			continue
		}
		for _, d := range Drivers {
			if c.v == d {
				return d, nil
			}
		}
		return "", fmt.Errorf("%s: unknown prompt driver %q: use one of %s", c.where, termtext.Escape(c.v), strings.Join(Drivers, ", "))
	}
	return Auto, nil
}

func getenv(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}

func (p *Prompter) getenv(name string) string {
	if p.Env == nil {
		return os.Getenv(name)
	}
	return getenv(p.Env, name)
}

// env is the environment of the programs the prompter runs (dialogs,
// ykman, mfa_process): without secrets.
func (p *Prompter) env() []string {
	if p.Env == nil {
		return childenv.WithoutSecrets(os.Environ())
	}
	return childenv.WithoutSecrets(p.Env)
}

func (p *Prompter) stderr() io.Writer {
	if p.Stderr == nil {
		return os.Stderr
	}
	return p.Stderr
}

func (p *Prompter) timeout() time.Duration {
	if p.Timeout <= 0 {
		return DefaultTimeout
	}
	return p.Timeout
}

// Interactive says whether a person may be asked (not --non-interactive).
func (p *Prompter) Interactive() bool { return !p.NonInteractive }

// Terminal says whether the controlling terminal can be opened.
func (p *Prompter) Terminal() bool {
	_, _, closeTTY, err := p.tty()
	if err != nil {
		return false
	}
	closeTTY()
	return true
}

// driver is the driver for a profile's question.
func (p *Prompter) driver(prof Profile) (string, error) {
	if p.Driver != "" {
		return p.Driver, nil
	}
	return Select("", "", prof.MFAPrompt, prof.Name)
}

// Code asks for a one-time code.
func (p *Prompter) Code(ctx context.Context, q Code) (string, error) {
	if q.MinDigits == 0 && q.MaxDigits == 0 {
		q.MinDigits, q.MaxDigits = 6, 6
	}
	d, err := p.driver(q.Profile)
	if err != nil {
		return "", err
	}
	switch {
	case d == YKMan:
		return p.ykman(ctx, q)
	case d == Auto && q.Profile.MFAProcess != "":
		return p.mfaProcess(ctx, q)
	}
	a, err := p.asker(d, q.Profile, "an MFA code for "+termtext.Escape(q.Device))
	if err != nil {
		return "", err
	}
	return a.code(ctx, q)
}

// Password asks for a secret, hidden as it is typed.
func (p *Prompter) Password(ctx context.Context, q Password) (string, error) {
	d, err := p.driver(q.Profile)
	if err != nil {
		return "", err
	}
	a, err := p.asker(d, q.Profile, "the password of "+where(q))
	if err != nil {
		return "", err
	}
	return a.password(ctx, q)
}

// Choose asks to pick one of q.Options and returns its index.
func (p *Prompter) Choose(ctx context.Context, q Choice) (int, error) {
	if len(q.Options) == 0 {
		return 0, errors.New("prompt: a choice among no options")
	}
	d, err := p.driver(q.Profile)
	if err != nil {
		return 0, err
	}
	a, err := p.asker(d, q.Profile, "a choice ("+termtext.Escape(q.Text)+")")
	if err != nil {
		return 0, err
	}
	return a.choose(ctx, q)
}

// Notify shows q on the terminal, else as a desktop notification, else on
// Stderr. It does not wait for the user, and works non-interactively.
func (p *Prompter) Notify(ctx context.Context, q Notice) {
	if _, out, closeTTY, err := p.tty(); err == nil {
		fmt.Fprintln(out, termtext.Escape(q.Text))
		closeTTY()
		return
	}
	if p.notifySend(ctx, q.Text) == nil {
		return
	}
	fmt.Fprintf(p.stderr(), "aws-runas: %s\n", termtext.Escape(q.Text))
}

func where(q Password) string {
	if q.Host == "" {
		return termtext.Escape(q.For)
	}
	return termtext.Escape(q.For) + " at " + termtext.Escape(q.Host)
}

// asker asks a person: with the terminal, or a dialog.
type asker interface {
	code(ctx context.Context, q Code) (string, error)
	password(ctx context.Context, q Password) (string, error)
	choose(ctx context.Context, q Choice) (int, error)
}

// asker finds who asks a person for what under driver d: d itself, or for
// auto (and ykman, which answers codes only) the terminal, else a dialog.
func (p *Prompter) asker(d string, prof Profile, what string) (asker, error) {
	if p.NonInteractive {
		return nil, p.noOne(prof, what, "--non-interactive forbids asking")
	}
	switch d {
	case Auto, YKMan:
	case Terminal:
		if _, _, closeTTY, err := p.tty(); err != nil {
			return nil, p.noOne(prof, what, "--prompt terminal, but there is no terminal")
		} else {
			closeTTY()
		}
		return &terminal{p: p}, nil
	default:
		if why := p.dialogMissing(d); why != "" {
			return nil, p.noOne(prof, what, fmt.Sprintf("prompt driver %s, but %s", d, why))
		}
		return &dialog{p: p, prog: d}, nil
	}
	if _, _, closeTTY, err := p.tty(); err == nil {
		closeTTY()
		return &terminal{p: p}, nil
	}
	for _, d := range p.dialogs() {
		if p.dialogMissing(d) == "" {
			return &dialog{p: p, prog: d}, nil
		}
	}
	return nil, p.noOne(prof, what, "there is no terminal and no desktop dialog to ask with")
}

// noOne is the nobody-to-ask error, naming the ways out.
func (p *Prompter) noOne(prof Profile, what, why string) error {
	who := ""
	if prof.Name != "" {
		who = fmt.Sprintf("profile %q: ", prof.Name)
	}
	return errorf(ErrNoOneToAsk, "%s%s is needed, but %s: give the code with -o CODE, set mfa_process in the profile (a program that prints the code), choose a way to ask with --prompt DRIVER (one of %s), or run in a terminal", who, what, why, strings.Join(Drivers, ", "))
}

// isCode reports whether s is a code of q's form.
func isCode(q Code, s string) bool {
	if len(s) < q.MinDigits || len(s) > q.MaxDigits {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// codeRule says what a well-formed code is.
func codeRule(q Code) string {
	if q.MinDigits == 6 && q.MaxDigits == 6 {
		return "An MFA code is 6 digits."
	}
	if q.MinDigits == q.MaxDigits {
		return fmt.Sprintf("The code is %d digits.", q.MinDigits)
	}
	return fmt.Sprintf("The code is %d to %d digits.", q.MinDigits, q.MaxDigits)
}
