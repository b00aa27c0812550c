package prompt

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/aws-runas/aws-runas/internal/termtext"
)

// dialog asks with a desktop dialog program: zenity, kdialog, osascript,
// or a PowerShell form (wincred). Each dialog is bounded by the Prompter's
// timeout, and killed at it.
type dialog struct {
	p    *Prompter
	prog string
}

// dialogs are the dialog drivers auto tries on this system, in order.
func (p *Prompter) dialogs() []string {
	switch p.os() {
	case "darwin":
		return []string{OSAScript}
	case "windows":
		return []string{WinCred}
	}
	return []string{Zenity, KDialog}
}

func (p *Prompter) os() string {
	if p.goos != "" {
		return p.goos
	}
	return runtime.GOOS
}

// hasDisplay: an X11 or Wayland desktop to show a dialog on.
func (p *Prompter) hasDisplay() bool {
	return p.getenv("DISPLAY") != "" || p.getenv("WAYLAND_DISPLAY") != ""
}

// dialogMissing says why dialog driver d cannot ask here, or "".
func (p *Prompter) dialogMissing(d string) string {
	switch d {
	case Zenity, KDialog:
		if p.os() == "windows" {
			return d + " is not for Windows"
		}
		if !p.hasDisplay() {
			return "neither DISPLAY nor WAYLAND_DISPLAY is set"
		}
	case OSAScript:
		if p.os() != "darwin" {
			return "osascript is for macOS"
		}
	case WinCred:
		if p.os() != "windows" {
			return "wincred is for Windows"
		}
		d = "powershell.exe"
	}
	if _, err := p.lookPath(d); err != nil {
		return d + " is not installed"
	}
	return ""
}

const dialogTitle = "aws-runas"

// title names the profile, so that the window says whose dialog it is.
func title(prof Profile) string {
	if prof.Name == "" {
		return dialogTitle
	}
	return dialogTitle + ": " + termtext.Escape(prof.Name)
}

func codeText(q Code) string {
	return fmt.Sprintf("Profile: %s\nMFA device: %s\n\nEnter the MFA code:", termtext.Escape(q.Profile.Name), termtext.Escape(q.Device))
}

// code shows the dialog up to three times until the code is well-formed.
func (d *dialog) code(ctx context.Context, q Code) (string, error) {
	text := codeText(q)
	for try := 0; try < 3; try++ {
		s, err := d.ask(ctx, q.Profile, text, false)
		if err != nil {
			return "", err
		}
		if s = strings.TrimSpace(s); isCode(q, s) {
			return s, nil
		}
		text = codeRule(q) + "\n\n" + codeText(q)
	}
	rule := codeRule(q)
	return "", errorf(ErrBadAnswer, "no valid MFA code entered in the %s dialog: %s", d.prog, strings.ToLower(rule[:1])+rule[1:])
}

func (d *dialog) password(ctx context.Context, q Password) (string, error) {
	text := fmt.Sprintf("Profile: %s\n\nPassword for %s:", termtext.Escape(q.Profile.Name), where(q))
	s, err := d.ask(ctx, q.Profile, text, true)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", errorf(ErrBadAnswer, "no password entered for %s", where(q))
	}
	return s, nil
}

// choose lists the options numbered and asks for a number: one entry
// dialog that every driver has.
func (d *dialog) choose(ctx context.Context, q Choice) (int, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "Profile: %s\n\n%s\n", termtext.Escape(q.Profile.Name), termtext.Escape(q.Text))
	for i, o := range q.Options {
		fmt.Fprintf(&b, "\n%d) %s", i+1, termtext.Escape(o))
	}
	fmt.Fprintf(&b, "\n\nEnter a number from 1 to %d:", len(q.Options))
	for try := 0; try < 3; try++ {
		s, err := d.ask(ctx, q.Profile, b.String(), false)
		if err != nil {
			return 0, err
		}
		if n, ok := choiceNumber(s, len(q.Options)); ok {
			return n, nil
		}
	}
	return 0, errorf(ErrBadAnswer, "no valid choice made in the %s dialog: enter a number from 1 to %d", d.prog, len(q.Options))
}

// ask shows one entry dialog with text (already Cleaned) and returns what
// was entered; hidden masks it.
func (d *dialog) ask(ctx context.Context, prof Profile, text string, hidden bool) (string, error) {
	prog := d.prog
	if prog == WinCred {
		prog = "powershell.exe"
	}
	path, err := d.p.lookPath(prog)
	if err != nil {
		return "", d.p.noOne(prof, "an answer", prog+" is not installed")
	}
	var argv []string
	switch d.prog {
	case Zenity:
		argv = zenityArgs(title(prof), text, hidden)
	case KDialog:
		argv = kdialogArgs(title(prof), text, hidden)
	case OSAScript:
		argv = osascriptArgs(title(prof), text, hidden)
	case WinCred:
		argv = powershellArgs(wincredScript(title(prof), text, hidden))
	}
	stderr := &capped{max: maxOutput}
	r := d.p.run(ctx, append([]string{path}, argv...), stderr)
	switch {
	case r.timedOut:
		return "", errorf(ErrTimeout, "profile %q: the %s dialog got no answer within %s and was closed (%s sets the seconds allowed)", prof.Name, d.prog, d.p.timeout(), TimeoutEnv)
	case r.err != nil:
		return "", fmt.Errorf("the %s dialog could not be shown: %w", d.prog, r.err)
	case r.exitCode == 0:
		return strings.TrimRight(string(r.out), "\r\n"), nil
	case r.exitCode == 1 && (d.prog != OSAScript || strings.Contains(string(stderr.b), "(-128)")):
		// zenity, kdialog and our PowerShell form exit 1 on Cancel (and
		// on closing the window); osascript says "User canceled (-128)".
		return "", errorf(ErrCancelled, "profile %q: cancelled in the %s dialog", prof.Name, d.prog)
	}
	return "", fmt.Errorf("the %s dialog failed with exit status %d", d.prog, r.exitCode)
}

// zenityArgs: zenity reads --text through g_strcompress (backslash
// escapes) and as a label with mnemonics (an underscore marks the next
// character), so both are doubled to show as typed. --title is plain.
func zenityArgs(title, text string, hidden bool) []string {
	text = strings.NewReplacer(`\`, `\\`, "_", "__").Replace(text)
	argv := []string{"--entry", "--title=" + title, "--text=" + text}
	if hidden {
		argv = append(argv, "--hide-text")
	}
	return argv
}

// kdialogArgs: Qt shows a label as rich text when it looks like HTML, so
// the text is made rich text on purpose (<qt>) with <, > and & escaped,
// and line ends as <br>.
func kdialogArgs(title, text string, hidden bool) []string {
	html := "<qt>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "<br>").Replace(text) + "</qt>"
	mode := "--inputbox"
	if hidden {
		mode = "--password"
	}
	return []string{"--title", title, mode, html}
}

// notifySend shows text as a desktop notification.
func (p *Prompter) notifySend(ctx context.Context, text string) error {
	if p.os() == "windows" || p.os() == "darwin" || !p.hasDisplay() {
		return fmt.Errorf("no desktop")
	}
	path, err := p.lookPath("notify-send")
	if err != nil {
		return err
	}
	// The body is markup to most notification servers.
	body := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(termtext.Escape(text))
	r := p.run(ctx, []string{path, "--app-name=" + dialogTitle, dialogTitle, body}, nil)
	if r.timedOut || r.err != nil || r.exitCode != 0 {
		return fmt.Errorf("notify-send failed")
	}
	return nil
}
