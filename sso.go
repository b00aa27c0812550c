package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jessevdk/go-flags"

	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/signon"
	"github.com/aws-runas/aws-runas/signon/sso"
)

// ssoOptions are the options of `aws-runas sso VERB`, named as the AWS
// CLI v2's `aws sso login` names them.
type ssoOptions struct {
	SSOSession    string `long:"sso-session" value-name:"NAME" description:"the [sso-session NAME] of the config file to use"`
	UseDeviceCode bool   `long:"use-device-code" description:"login: the device authorization grant (a URL and a code to open anywhere) instead of the browser's authorization code flow"`
	NoBrowser     bool   `long:"no-browser" description:"login: open no browser; show the URL and code (the device flow)"`
	NameTemplate  string `long:"name-template" value-name:"TEMPLATE" description:"config: a Go template of the profile names (default {{.AccountName}}.{{.RoleName}}; also {{.AccountID}}, {{.Email}}, {{.SessionName}})"`
	Region        string `long:"region" value-name:"REGION" description:"config: the profiles' region (default: the session's sso_region)"`
}

// ssoCommand is a parsed `aws-runas sso VERB [ARG]`.
type ssoCommand struct {
	verb string // login, logout, list, config
	opts ssoOptions
	// arg is the PROFILE of login and logout, the SESSION of list and config.
	arg string
}

const ssoUsage = `login [--use-device-code | --no-browser] [--sso-session NAME | PROFILE]
  aws-runas sso logout [--sso-session NAME | PROFILE]
  aws-runas sso list [SESSION]
  aws-runas sso config [--name-template T] [--region R] [SESSION]`

// parseSSO reads `aws-runas [OPTIONS] sso VERB ...`.
func parseSSO(inv *invocation, rest []string) (*invocation, string, error) {
	inv.sub = "sso"
	c := &ssoCommand{}
	p := flags.NewNamedParser("aws-runas sso", flags.HelpFlag)
	p.Usage = ssoUsage
	p.ShortDescription = "IAM Identity Center: sign in and out, list and configure the roles you may use"
	if _, err := p.AddGroup("sso options", "", &c.opts); err != nil {
		return nil, "", err
	}
	args, help, err := parseWith(p, rest[1:])
	if err != nil || help != "" {
		return nil, help, err
	}
	if len(args) == 0 {
		return nil, "", usagef("aws-runas sso: want one of login, logout, list, config")
	}
	c.verb, args = args[0], args[1:]
	switch c.verb {
	case "login", "logout", "list", "config":
	default:
		return nil, "", usagef("aws-runas sso %s: want one of login, logout, list, config", c.verb)
	}
	if len(args) > 1 {
		return nil, "", usagef("aws-runas sso %s takes at most one %s", c.verb, map[bool]string{true: "PROFILE", false: "SESSION"}[c.verb == "login" || c.verb == "logout"])
	}
	if len(args) == 1 {
		c.arg = args[0]
		if c.opts.SSOSession != "" {
			return nil, "", usagef("aws-runas sso %s: give --sso-session or %s, not both", c.verb, args[0])
		}
	}
	if c.verb != "login" && (c.opts.UseDeviceCode || c.opts.NoBrowser) {
		return nil, "", usagef("--use-device-code and --no-browser are options of aws-runas sso login")
	}
	if c.verb != "config" && (c.opts.NameTemplate != "" || c.opts.Region != "") {
		return nil, "", usagef("--name-template and --region are options of aws-runas sso config")
	}
	inv.sso = c
	return inv, "", nil
}

// runSSO carries out `aws-runas sso VERB`.
func (a *app) runSSO(inv *invocation) error {
	c := inv.sso
	_, cfg, err := a.loadConfig(inv)
	if err != nil {
		return err
	}
	client, err := creds.NewSSOClient(a.getenv, a.debug)
	if err != nil {
		return err
	}
	client.Notify = func(msg string) { fmt.Fprintln(a.stderr, msg) }
	client.Now = runClock(a.getenv)
	if c.opts.NoBrowser {
		client.OpenBrowser = nil
	}
	client.UseDeviceCode = c.opts.UseDeviceCode
	nonInteractive := inv.opts.NonInteractive
	ctx := context.Background()

	if c.verb == "logout" && c.arg == "" && c.opts.SSOSession == "" {
		return a.ssoLogoutAll(ctx, client, cfg)
	}
	s, profile, err := ssoTarget(cfg, c, a.getenv)
	if err != nil {
		return err
	}
	switch c.verb {
	case "login":
		if nonInteractive {
			return &creds.InputNeededError{What: "aws-runas sso login signs you in, which needs you: not under --non-interactive"}
		}
		if err := client.Login(ctx, s); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "aws-runas: signed in to IAM Identity Center (%s).\n", ssoWhere(s))
		return nil
	case "logout":
		return a.ssoLogout(ctx, client, cfg, s)
	}
	as, err := client.Assignments(ctx, s, nonInteractive)
	if err != nil {
		return creds.SSOInputNeeded(err, s, profile)
	}
	if c.verb == "config" {
		return sso.RenderConfig(a.stdout, as, sso.ConfigOptions{Session: s, Region: c.opts.Region, NameTemplate: c.opts.NameTemplate})
	}
	for _, x := range as {
		fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", x.AccountID, signon.Clean(x.AccountName), signon.Clean(x.RoleName))
	}
	return nil
}

func ssoWhere(s sso.Settings) string {
	if s.SessionName != "" {
		return "sso-session " + signon.Clean(s.SessionName)
	}
	return signon.Clean(s.StartURL)
}

// ssoTarget is the session a command is about: --sso-session, else the
// PROFILE (login, logout) or SESSION (list, config) given, else the
// profile of $AWS_PROFILE or default when it has one, else the config
// file's only sso-session. profile is the profile it came from, if any.
func ssoTarget(cfg *config.Config, c *ssoCommand, getenv func(string) string) (s sso.Settings, profile string, err error) {
	fromSession := func(name string) (sso.Settings, string, error) {
		ss, err := cfg.SSOSession(name)
		if err != nil {
			return sso.Settings{}, "", err
		}
		return sso.Settings{SessionName: ss.Name, StartURL: ss.StartURL, Region: ss.Region, Scopes: ss.Scopes}, "", nil
	}
	fromProfile := func(name string, must bool) (sso.Settings, string, error) {
		p, err := cfg.Profile(name)
		if err != nil {
			return sso.Settings{}, "", err
		}
		if p.SSOStartURL == "" || p.SSORegion == "" {
			if must {
				return sso.Settings{}, "", fmt.Errorf("profile %q (%s) is not an IAM Identity Center profile: it sets neither sso_session nor sso_start_url and sso_region", name, p.Where)
			}
			return sso.Settings{}, "", nil
		}
		return creds.SSOSettings(p), name, nil
	}
	switch {
	case c.opts.SSOSession != "":
		return fromSession(c.opts.SSOSession)
	case c.arg != "" && (c.verb == "login" || c.verb == "logout"):
		return fromProfile(c.arg, true)
	case c.arg != "":
		return fromSession(c.arg)
	}
	if name := firstOf(getenv("AWS_PROFILE"), "default"); name != "" {
		if s, p, err := fromProfile(name, false); err == nil && s.StartURL != "" {
			return s, p, nil
		}
	}
	names := cfg.SSOSessionNames()
	if len(names) == 1 {
		return fromSession(names[0])
	}
	if len(names) == 0 {
		return sso.Settings{}, "", fmt.Errorf("%s has no [sso-session NAME] section and the default profile is not an IAM Identity Center profile: add a session (see README, IAM Identity Center), or name a profile", cfg.Files.Config)
	}
	return sso.Settings{}, "", usagef("aws-runas sso %s: %s has several sso-sessions (%s): name one with --sso-session", c.verb, cfg.Files.Config, strings.Join(names, ", "))
}

// ssoLogout ends the session and removes the role credentials aws-runas
// cached for its profiles (those of any role chained on them expire on
// their own, within the hour STS allows a chained role).
func (a *app) ssoLogout(ctx context.Context, client *sso.Client, cfg *config.Config, s sso.Settings) error {
	res, err := client.Logout(ctx, s)
	c := &cache.Cache{Dir: cfg.Files.CacheDir(), Warn: a.warn, Debug: a.debug}
	n := 0
	for _, name := range cfg.Names() {
		p, perr := cfg.Profile(name)
		if perr != nil || !p.IsSSO() {
			continue
		}
		ps := creds.SSOSettings(p)
		if ps.CacheKey() == s.CacheKey() && ps.StartURL == s.StartURL {
			c.Remove(cache.Role, ps.RoleCacheID())
			n++
		}
	}
	if err != nil {
		return err
	}
	what := "the token file was removed"
	if res.SignedOut {
		what = "the session was ended and its token file removed"
	}
	fmt.Fprintf(a.stderr, "aws-runas: signed out of IAM Identity Center (%s): %s; cached credentials of %d profile(s) removed.\n", ssoWhere(s), what, n)
	return nil
}

// ssoLogoutAll signs out of every session of the config file, as `aws sso
// logout` does: each sso-session, and each legacy profile's start URL.
func (a *app) ssoLogoutAll(ctx context.Context, client *sso.Client, cfg *config.Config) error {
	seen := map[string]bool{}
	var errs []error
	logout := func(s sso.Settings) {
		if seen[s.CacheKey()] {
			return
		}
		seen[s.CacheKey()] = true
		errs = append(errs, a.ssoLogout(ctx, client, cfg, s))
	}
	for _, name := range cfg.SSOSessionNames() {
		ss, err := cfg.SSOSession(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		logout(sso.Settings{SessionName: ss.Name, StartURL: ss.StartURL, Region: ss.Region, Scopes: ss.Scopes})
	}
	for _, name := range cfg.Names() {
		if p, err := cfg.Profile(name); err == nil && p.SSOSession == "" && p.SSOStartURL != "" && p.SSORegion != "" {
			logout(creds.SSOSettings(p))
		}
	}
	if len(seen) == 0 {
		fmt.Fprintf(a.stderr, "aws-runas: %s names no IAM Identity Center session: nothing to sign out of.\n", cfg.Files.Config)
	}
	return errors.Join(errs...)
}
