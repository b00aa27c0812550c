// Command aws-runas gets temporary AWS credentials through STS and runs a
// command under them, or prints shell code that puts them into the current
// shell. See README.md and the contract it follows.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jessevdk/go-flags"

	"github.com/aws-runas/aws-runas/completions"
	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/internal/termtext"
	"github.com/aws-runas/aws-runas/shells"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit statuses (contract §7); run mode returns the command's own.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitInputNeeded = 3
)

type options struct {
	Profile        string `short:"p" long:"profile" value-name:"NAME" description:"profile name or role ARN; every positional argument is then the command"`
	NoRole         bool   `short:"n" long:"no-role" description:"session token only (GetSessionToken), no role is assumed"`
	Duration       string `short:"d" long:"duration" value-name:"D" description:"session-token lifetime, 15m to 36h (default 12h)"`
	RoleDuration   string `short:"a" long:"role-duration" value-name:"D" description:"role-credential lifetime, 15m to 12h (default: the profile's duration_seconds, else 1h)"`
	OTP            string `short:"o" long:"otp" value-name:"CODE" description:"MFA code; no prompt is shown"`
	MFASerial      string `short:"M" long:"mfa-serial" value-name:"ARN" description:"MFA device, instead of the profile's mfa_serial"`
	ExternalID     string `short:"X" long:"external-id" value-name:"ID" description:"external ID for AssumeRole"`
	Refresh        bool   `short:"r" long:"refresh" description:"ignore cached credentials and fetch new ones"`
	Output         string `short:"O" long:"output" value-name:"FORMAT" description:"print instead of run: bash, zsh, sh, fish, powershell (pwsh), nu (nushell) or json"`
	SkipPrompt     bool   `short:"s" long:"skip-prompt" description:"subshell and init: leave the shell prompt alone"`
	Unset          bool   `short:"u" long:"unset" description:"print code that removes aws-runas's variables from the current shell"`
	Expiration     bool   `short:"e" long:"expiration" description:"print when the profile's cached credentials expire, and exit"`
	Whoami         bool   `short:"w" long:"whoami" description:"print the identity (GetCallerIdentity) of the credentials"`
	List           bool   `short:"l" long:"list" description:"print the profile names of the config files"`
	Path           string `long:"path" value-name:"FILE" description:"the AWS config file to read"`
	NonInteractive bool   `long:"non-interactive" description:"never ask anything; where input is needed, fail with exit status 3"`
	Prompt         string `long:"prompt" value-name:"DRIVER" description:"how to ask for MFA codes and passwords: auto, terminal, zenity, kdialog, osascript, wincred or ykman (env AWS_RUNAS_PROMPT; profile key mfa_prompt)"`
	Verbose        bool   `short:"v" long:"verbose" description:"debug log on stderr, secrets left out"`
	// Renew is the refresh hook's: the request comes from __AWS_RUNAS_RENEW.
	Renew bool `long:"renew" hidden:"true" description:"renew the credentials __AWS_RUNAS_RENEW describes"`

	SAMLAuthURL            string `long:"saml-url" value-name:"URL" description:"SAML: the identity provider's sign-in URL (saml_auth_url; env SAML_AUTH_URL)"`
	SAMLUsername           string `long:"saml-username" value-name:"NAME" description:"SAML: the user name (saml_username; env SAML_USERNAME)"`
	SAMLProvider           string `long:"saml-provider" value-name:"NAME" description:"SAML: browser, form or okta (saml_provider; env SAML_PROVIDER)"`
	WebIdentityAuthURL     string `long:"web-identity-url" value-name:"URL" description:"OIDC: the issuer URL (web_identity_auth_url; env WEB_IDENTITY_AUTH_URL)"`
	WebIdentityClientID    string `long:"web-identity-client-id" value-name:"ID" description:"OIDC: the client ID (web_identity_client_id)"`
	WebIdentityRedirectURI string `long:"web-identity-redirect-uri" value-name:"URI" description:"OIDC: the loopback redirect URI (web_identity_redirect_uri)"`
	WebIdentityProvider    string `long:"web-identity-provider" value-name:"FLOW" description:"OIDC: browser (PKCE) or device (web_identity_provider)"`
	Version                bool   `short:"V" long:"version" description:"print the version, commit, Go version and platform"`
	Man                    bool   `long:"man" hidden:"yes" description:"print the man page (roff), for packagers"`

	Server      bool   `long:"server" description:"serve the credentials to the COMMAND or subshell from a local endpoint that renews them (AWS_CONTAINER_CREDENTIALS_FULL_URI)"`
	ECSServer   bool   `long:"ecs-server" hidden:"true" description:"aws-vault's name for --server"`
	Console     bool   `long:"console" description:"sign in to the AWS console in the browser"`
	PrintURL    bool   `long:"print-url" description:"--console: print the sign-in URL (a secret) instead of opening it"`
	Region      string `long:"region" value-name:"REGION" description:"--console: the console's region"`
	Destination string `long:"destination" value-name:"PATH" description:"--console: the console page to open, such as /s3/home"`
}

// invocation is a parsed command line.
type invocation struct {
	opts    options
	sub     string // "", or the subcommand: init, completion, doctor, sso
	shell   string // the SHELL of a subcommand
	init    initOptions
	profile string
	command []string
	req     creds.Request
	renew   *renewRecord // --renew: what to renew
	sso     *ssoCommand  // aws-runas sso VERB
}

// usageError is a command line that cannot be carried out as written.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const usage = `[OPTIONS] [PROFILE | ROLE_ARN] [--] [COMMAND [ARG...]]
  aws-runas init SHELL [--cmd NAME | --no-cmd] [--skip-prompt] [--no-refresh]
  aws-runas completion SHELL
  aws-runas doctor [PROFILE | ROLE_ARN]
  aws-runas sso login|logout|list|config [...]`

// parseArgs turns arguments into an invocation, checking everything that
// can be checked before any credentials are fetched. help is the text to
// print for -h.
func parseArgs(args []string, getenv func(string) string) (inv *invocation, help string, err error) {
	inv = &invocation{}
	p := flags.NewNamedParser("aws-runas", flags.PassDoubleDash|flags.PassAfterNonOption|flags.HelpFlag)
	p.Usage = usage
	if _, err := p.AddGroup("Options", "", &inv.opts); err != nil {
		return nil, "", err
	}
	rest, help, err := parseWith(p, args)
	if err != nil || help != "" {
		return nil, help, err
	}
	o := &inv.opts
	if o.Output != "" && o.Output != "json" {
		if _, err := shells.Lookup(o.Output); err != nil {
			return nil, "", usagef("-O %s: want one of %s, json", o.Output, strings.Join(shells.Names(), ", "))
		}
	}
	if o.Renew {
		return parseRenew(inv, rest, getenv)
	}
	if o.Version || o.Man || o.List || o.Unset {
		return inv, "", nil
	}
	if o.Profile == "" && len(rest) > 0 && rest[0] == "sso" {
		return parseSSO(inv, rest)
	}
	if o.Profile == "" && len(rest) > 0 && rest[0] == "doctor" {
		return parseDoctor(inv, rest, getenv)
	}
	if o.Profile == "" && len(rest) > 0 && (rest[0] == "init" || rest[0] == "completion") {
		return parseSubcommand(inv, rest)
	}
	switch {
	case o.Profile != "":
		inv.profile = o.Profile
	case len(rest) > 0:
		inv.profile, rest = rest[0], rest[1:]
	case getenv("AWS_PROFILE") != "":
		inv.profile = getenv("AWS_PROFILE")
	default:
		inv.profile = "default"
	}
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	} else if len(rest) > 0 && strings.HasPrefix(rest[0], "-") && o.Profile == "" {
		return nil, "", usagef("%q after the profile would be run as the command: options go before the profile (aws-runas %s %s), or put -- before a command", rest[0], rest[0], inv.profile)
	}
	inv.command = rest
	if inv.profile == "" {
		return nil, "", usagef("the profile name is empty")
	}
	inv.req = creds.Request{Profile: inv.profile, NoRole: o.NoRole, OTP: o.OTP, MFASerial: o.MFASerial, ExternalID: o.ExternalID, Refresh: o.Refresh,
		SSO: creds.SSO{SAMLAuthURL: o.SAMLAuthURL, SAMLUsername: o.SAMLUsername, SAMLProvider: o.SAMLProvider,
			WebIdentityAuthURL: o.WebIdentityAuthURL, WebIdentityClientID: o.WebIdentityClientID,
			WebIdentityRedirectURI: o.WebIdentityRedirectURI, WebIdentityProvider: o.WebIdentityProvider}}
	if inv.req.SessionDuration, err = parseDuration("-d", o.Duration, creds.SessionBounds); err != nil {
		return nil, "", err
	}
	if inv.req.RoleDuration, err = parseDuration("-a", o.RoleDuration, creds.RoleBounds); err != nil {
		return nil, "", err
	}
	if o.OTP != "" && !isOTP(o.OTP) {
		return nil, "", usagef("-o: a one-time code is 6 to 8 digits")
	}
	if err := checkPromptFlag(o); err != nil {
		return nil, "", err
	}
	if err := checkModeOptions(inv); err != nil {
		return nil, "", err
	}
	return inv, "", nil
}

func parseSubcommand(inv *invocation, rest []string) (*invocation, string, error) {
	inv.sub = rest[0]
	var data any = &struct{}{}
	if inv.sub == "init" {
		data = &inv.init
	}
	p := flags.NewNamedParser("aws-runas "+inv.sub, flags.HelpFlag)
	p.Usage = "SHELL"
	if _, err := p.AddGroup(inv.sub+" options", "", data); err != nil {
		return nil, "", err
	}
	args, help, err := parseWith(p, rest[1:])
	if err != nil || help != "" {
		return nil, help, err
	}
	if len(args) != 1 {
		return nil, "", usagef("aws-runas %s takes one SHELL: %s", inv.sub, strings.Join(shells.Names(), ", "))
	}
	inv.shell = args[0]
	if _, err := shells.Lookup(inv.shell); err != nil {
		return nil, "", &usageError{err.Error()}
	}
	if inv.sub == "completion" && !slices.Contains(completions.Shells(), inv.shell) && inv.shell != "pwsh" {
		return nil, "", usagef("no completion for %s: want one of %s", inv.shell, strings.Join(completions.Shells(), ", "))
	}
	if inv.init.NoCmd {
		inv.init.Cmd = ""
	}
	return inv, "", nil
}

// parseWith parses args with p: -h gives the help text, any other error is
// a usage error.
func parseWith(p *flags.Parser, args []string) (rest []string, help string, err error) {
	rest, err = p.ParseArgs(args)
	var fe *flags.Error
	switch {
	case errors.As(err, &fe) && fe.Type == flags.ErrHelp:
		return nil, fe.Message, nil
	case err != nil:
		return nil, "", &usageError{err.Error()}
	}
	return rest, "", nil
}

// parseDuration reads seconds ("3600") or a Go duration ("1h30m"), and
// refuses a value out of bounds rather than clamping it.
func parseDuration(flag, s string, bounds [2]time.Duration) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		d = time.Duration(n) * time.Second
		if n > int64(bounds[1]/time.Second) {
			d = bounds[1] + time.Second
		}
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, usagef("%s %s: a duration is a number of seconds (3600) or like 1h30m", flag, s)
	}
	if d < bounds[0] || d > bounds[1] {
		return 0, usagef("%s %s: must be between %s and %s", flag, s, fmtDuration(bounds[0]), fmtDuration(bounds[1]))
	}
	return d, nil
}

func fmtDuration(d time.Duration) string {
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// isOTP accepts the one-time codes of every flow: an AWS MFA device's 6
// digits (checked again by the IAM flows), up to the 8 of some IdPs' tokens.
func isOTP(s string) bool {
	if len(s) < 6 || len(s) > 8 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func main() {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, environ: os.Environ}
	os.Exit(a.main(os.Args[1:]))
}

// main parses args and runs them, turning errors into exit statuses.
func (a *app) main(args []string) int {
	inv, help, err := parseArgs(args, a.getenv)
	if a.getenv(shells.EvalPlanVar) != "" {
		fmt.Fprintln(a.stdout, evalPlan(inv, err))
		return exitOK
	}
	if err == nil && inv == nil {
		fmt.Fprintln(a.stdout, help)
		return exitOK
	}
	if err == nil {
		a.verbose = inv.opts.Verbose
		err = a.run(inv)
	}
	var exit *exitStatus
	var usageErr *usageError
	var input *creds.InputNeededError
	var cmdErr *commandError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exit):
		return exit.code
	case errors.As(err, &usageErr):
		fmt.Fprintf(a.stderr, "aws-runas: %s\nUsage: aws-runas %s\nRun 'aws-runas --help' for the options.\n", termtext.Escape(err.Error()), strings.SplitN(usage, "\n", 2)[0])
		return exitUsage
	case errors.As(err, &cmdErr):
		fmt.Fprintf(a.stderr, "aws-runas: %s\n", termtext.Escape(err.Error()))
		return cmdErr.code
	case errors.As(err, &input) || noOneToAsk(err):
		fmt.Fprintf(a.stderr, "aws-runas: %s\n", termtext.Escape(err.Error()))
		return exitInputNeeded
	}
	fmt.Fprintf(a.stderr, "aws-runas: %s\n", termtext.Escape(err.Error()))
	return exitError
}

// exitStatus ends aws-runas with a command's status, having said nothing.
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return "exit status " + strconv.Itoa(e.code) }

// app is the process's surroundings, so tests can run it in-process.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	environ        func() []string
	verbose        bool
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// run carries out a parsed invocation: first the modes that need no
// credentials, then those that read the config, then those that fetch
// credentials and hand them over.
func (a *app) run(inv *invocation) error {
	o := &inv.opts
	switch {
	case o.Version:
		return writeVersion(a.stdout)
	case o.Man:
		return writeManPage(a.stdout)
	case inv.sub == "completion":
		return a.completion(inv.shell)
	case inv.sub == "init":
		return a.runInit(inv.shell, inv.init)
	case inv.sub == "doctor":
		return a.doctor(inv)
	case inv.sub == "sso":
		return a.runSSO(inv)
	case o.Unset:
		return a.printEnv(o.Output, shells.Env{Unset: allVars})
	}

	if o.Server || o.ECSServer {
		if err := a.canServe(inv); err != nil {
			return err
		}
	}
	files, cfg, err := a.loadConfig(inv)
	if err != nil {
		return err
	}
	if o.List {
		return a.list(cfg)
	}
	prov, err := a.provider(files, cfg, o)
	if err != nil {
		return err
	}
	if o.Expiration {
		return a.expiration(prov, inv)
	}
	if inv.renew != nil {
		if err := inv.renew.checkBefore(prov, inv.req); err != nil {
			return err
		}
	}
	ctx := context.Background()
	if o.Console {
		return a.console(ctx, prov, inv)
	}
	res, err := prov.Get(ctx, inv.req)
	if err != nil {
		return err
	}
	if inv.renew != nil {
		if err := inv.renew.check(res, false); err != nil {
			return err
		}
	}
	env := withRenew(credentialEnv(res), newRenewRecord(files, inv.req, res))
	switch {
	case o.Server || o.ECSServer:
		return a.serve(ctx, prov, inv, res)
	case o.Whoami:
		return a.whoami(ctx, prov, res)
	case len(inv.command) > 0:
		return runCommand(inv.command, commandEnv(a.environ(), env))
	case o.Output == "" && a.evalFile() == "" && a.isTerminal():
		return a.subshell(o.SkipPrompt, env)
	}
	return a.printEnv(o.Output, env)
}
