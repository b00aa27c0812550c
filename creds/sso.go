package creds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/browser"
	"github.com/aws-runas/aws-runas/internal/endpoint"
	"github.com/aws-runas/aws-runas/signon"
	"github.com/aws-runas/aws-runas/signon/sso"
)

// ssoStderr is where login instructions go: the URL and the code, never a
// token.
var ssoStderr io.Writer = os.Stderr

// SSOSettings are an Identity Center profile's settings, its sso-session
// resolved (see config.Profile).
func SSOSettings(p *config.Profile) sso.Settings {
	return sso.Settings{SessionName: p.SSOSession, StartURL: p.SSOStartURL, Region: p.SSORegion, Scopes: p.SSOScopes,
		AccountID: p.SSOAccountID, RoleName: p.SSORoleName}
}

// NewSSOClient is the Identity Center client of a run: tokens in the AWS
// CLI v2's cache, the endpoints of $AWS_ENDPOINT_URL_SSO_OIDC and
// $AWS_ENDPOINT_URL_SSO (else $AWS_ENDPOINT_URL) as the SDKs read them,
// the browser of $BROWSER, and instructions on stderr.
func NewSSOClient(getenv func(string) string, debug func(string, ...any)) (*sso.Client, error) {
	c := &sso.Client{
		Debug:       debug,
		Notify:      func(msg string) { fmt.Fprintln(ssoStderr, msg) },
		OpenBrowser: func(ctx context.Context, u string) error { return browser.Open(ctx, u, getenv, os.Environ()) },
	}
	for _, e := range []struct {
		dst  *string
		name string
	}{{&c.OIDCEndpoint, "AWS_ENDPOINT_URL_SSO_OIDC"}, {&c.PortalEndpoint, "AWS_ENDPOINT_URL_SSO"}} {
		name, v := e.name, getenv(e.name)
		if v == "" {
			name, v = "AWS_ENDPOINT_URL", getenv("AWS_ENDPOINT_URL")
		}
		if v == "" {
			continue
		}
		// Tokens travel to these: never in the clear off this machine.
		if u, err := url.Parse(v); err != nil || !endpoint.Secure(u) || u.User != nil {
			return nil, fmt.Errorf("%s %q: want an https URL (http only to this machine)", name, signon.Clean(v))
		}
		*e.dst = v
	}
	return c, nil
}

// SSOLoginCommand is the command that signs in to p's session.
func SSOLoginCommand(s sso.Settings, profile string) string {
	if s.SessionName != "" {
		return "aws-runas sso login --sso-session " + quoteArg(s.SessionName)
	}
	return "aws-runas sso login " + quoteArg(profile)
}

// quoteArg shows a name as it is typed into a POSIX shell.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-+@:/=,", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(signon.Clean(s), "'", `'\''`) + "'"
}

// SSOInputNeeded turns a *sso.LoginNeededError into the InputNeededError
// (exit status 3) that says what to run.
func SSOInputNeeded(err error, s sso.Settings, profile string) error {
	var ln *sso.LoginNeededError
	if !errors.As(err, &ln) {
		return err
	}
	return &InputNeededError{What: fmt.Sprintf("IAM Identity Center session %s has expired or was never signed in: run %s",
		signon.Clean(s.CacheKey()), SSOLoginCommand(s, profile))}
}

// ssoSignOn gets an Identity Center profile's role credentials
// (GetRoleCredentials). It signs in only when someone can be asked: not
// under --non-interactive, and with a terminal to show the URL on.
type ssoSignOn struct{}

func (ssoSignOn) RoleCredentials(ctx context.Context, req signon.Request, env *signon.Env) (*signon.Role, error) {
	c, err := NewSSOClient(env.Getenv, env.Debug)
	if err != nil {
		return nil, err
	}
	c.Now = env.Now
	nonInteractive := env.Prompter == nil || !env.Prompter.Interactive()
	if !nonInteractive && !env.Prompter.Terminal() {
		c.Notify = nil // no one to show a login to
	}
	s := SSOSettings(req.Profile)
	cr, err := c.RoleCredentials(ctx, s, nonInteractive)
	if err != nil {
		return nil, SSOInputNeeded(err, s, req.Profile.Name)
	}
	return &signon.Role{Credentials: cr}, nil
}

// ssoRoleARN is the IAM ARN of the role behind an Identity Center
// permission set, from its session's ARN
// (arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_NAME_ID/USER): such
// roles live under /aws-reserved/sso.amazonaws.com/. It returns "" for
// anything else.
func ssoRoleARN(assumed string) (roleARN, session string) {
	parts := strings.SplitN(assumed, ":", 6)
	if len(parts) < 6 || parts[2] != "sts" {
		return "", ""
	}
	rest, ok := strings.CutPrefix(parts[5], "assumed-role/")
	name, session, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || name == "" {
		return "", ""
	}
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/aws-reserved/sso.amazonaws.com/" + name, session
}

// roleCacheName names a profile's role credentials in the cache: the
// profile, or for an Identity Center profile its session, account and
// role, so that logout finds them and profiles of the same role share them.
func roleCacheName(p *config.Profile) string {
	if p.IsSSO() {
		return SSOSettings(p).RoleCacheID()
	}
	return p.Name
}
