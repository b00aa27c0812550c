package prompt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws-runas/aws-runas/internal/termtext"
)

// mfaProcess runs the profile's mfa_process, as the AWS SDK runs a
// credential_process (the whole line by sh -c; cmd.exe /C on Windows).
// Its stdout is the code and its stderr goes to ours. Its output is never
// quoted in an error: it may hold a code or worse.
func (p *Prompter) mfaProcess(ctx context.Context, q Code) (string, error) {
	who := fmt.Sprintf("profile %q: mfa_process", q.Profile.Name)
	r := p.run(ctx, shellArgv(q.Profile.MFAProcess), p.stderr())
	return programCode(q, r, who, p.timeout())
}

// ykman reads the code from a YubiKey's OATH application. The account is
// the profile's mfa_oath_name, else the MFA device's serial, as ykman
// lists them.
func (p *Prompter) ykman(ctx context.Context, q Code) (string, error) {
	name, key := q.Profile.OATHName, "mfa_oath_name"
	if name == "" {
		name, key = q.Device, "mfa_serial"
	}
	who := fmt.Sprintf("profile %q: ykman (OATH account %s, from %s)", q.Profile.Name, termtext.Escape(name), key)
	prog, err := p.lookPath("ykman")
	if err != nil {
		return "", errorf(ErrNoOneToAsk, "%s: ykman is not installed (yubikey-manager), or not on PATH", who)
	}
	p.Notify(ctx, Notice{Profile: q.Profile, Text: fmt.Sprintf("Touch your YubiKey if it flashes (MFA code for profile %s)", termtext.Escape(q.Profile.Name))})
	r := p.run(ctx, []string{prog, "oath", "accounts", "code", "--single", name}, p.stderr())
	return programCode(q, r, who, p.timeout())
}

// programCode checks what a program that prints a code gave back.
func programCode(q Code, r result, who string, timeout time.Duration) (string, error) {
	switch {
	case r.timedOut:
		return "", errorf(ErrTimeout, "%s gave no code within %s and was stopped (%s sets the seconds allowed)", who, timeout, TimeoutEnv)
	case r.err != nil && r.exitCode == -1:
		return "", fmt.Errorf("%s could not be run: %w", who, r.err)
	case r.err != nil:
		return "", fmt.Errorf("%s: %w", who, r.err)
	case r.exitCode != 0:
		return "", fmt.Errorf("%s failed with exit status %d", who, r.exitCode)
	}
	code := strings.TrimSpace(string(r.out))
	if !isCode(q, code) {
		rule := codeRule(q)
		return "", errorf(ErrBadAnswer, "%s printed something that is not a code (%s)", who, strings.ToLower(rule[:1])+rule[1:len(rule)-1])
	}
	return code, nil
}
