package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/aws-runas/aws-runas/completions"
	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/termtext"
	"github.com/aws-runas/aws-runas/shells"
)

// run carries out a parsed invocation.
func (a *app) run(inv *invocation) error {
	o := &inv.opts
	switch {
	case o.Version:
		return writeVersion(a.stdout)
	case o.Man:
		return writeManPage(a.stdout)
	case inv.sub == "completion":
		s, err := completions.Script(inv.shell)
		if err != nil {
			return err
		}
		fmt.Fprint(a.stdout, s)
		return nil
	case inv.sub == "init":
		return a.runInit(inv)
	case inv.sub == "doctor":
		return a.doctor(inv)
	case o.Unset:
		return a.printEnv(o.Output, shells.Env{Unset: allVars})
	}

	var files config.Files
	var err error
	if inv.renew != nil {
		// What the credentials came from, wherever the shell is now.
		files = inv.renew.files()
	} else if files, err = config.LocateFiles(o.Path, a.getenv); err != nil {
		return err
	}
	cfg, err := config.Load(files)
	if err != nil {
		return err
	}
	if o.List {
		for _, n := range cfg.Names() {
			fmt.Fprintln(a.stdout, termtext.Escape(n))
		}
		return nil
	}
	prov := &creds.Provider{Config: cfg, Cache: &cache.Cache{Dir: files.CacheDir(), Warn: a.warn, Debug: a.debug}, Getenv: a.getenv, Debug: a.debug}
	if o.NonInteractive {
		prov.Cache.Wait = nonInteractiveLockWait
	} else {
		prov.Prompt, prov.Password, prov.Choose = creds.TerminalPrompt, creds.TerminalPassword, creds.TerminalChoose
	}
	if o.Expiration {
		exp, ok, err := prov.Expiration(inv.req)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no cached credentials for %q", inv.profile)
		}
		fmt.Fprintln(a.stdout, exp.UTC().Format(time.RFC3339))
		return nil
	}

	// A renewal that would give other credentials than the shell's is
	// refused before any STS call, and checked again after (the account
	// of a session token is known only then).
	if inv.renew != nil {
		d, err := prov.Describe(inv.req)
		if err != nil {
			return err
		}
		if err := inv.renew.check(d, true); err != nil {
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
		return a.subshell(o, env)
	}
	return a.printEnv(o.Output, env)
}

// printEnv prints env in the chosen format: -O, else the calling shell's
// dialect into the init functions' file, else the detected shell to stdout.
func (a *app) printEnv(format string, env shells.Env) error {
	if format == "json" {
		return a.printJSON(env)
	}
	d, err := a.dialect(format)
	if err != nil {
		return err
	}
	code, err := shells.Export(d, env)
	if err != nil {
		return err
	}
	if f := a.evalFile(); f != "" && format == "" {
		return writeEvalFile(f, code)
	}
	_, err = fmt.Fprint(a.stdout, code)
	return err
}

func (a *app) dialect(format string) (shells.Dialect, error) {
	if format != "" {
		return shells.Lookup(format)
	}
	return shells.Detect(a.getenv)
}

// evalFile is the file the init functions made for this call's code, or
// "" when there is none to use. The sh function cannot tell a subshell from
// the user's shell and passes its pid instead: called from another process
// (a subshell, a command substitution) with stdout not a terminal, the code
// goes to stdout, as it would without the function. On a terminal it still
// goes to the file, applied to the subshell: nothing is printed.
func (a *app) evalFile() string {
	f := a.getenv(shells.EvalFileVar)
	if pid := a.getenv(shells.EvalPIDVar); f != "" && pid != "" && pid != strconv.Itoa(os.Getppid()) && !a.isTerminal() {
		return ""
	}
	return f
}

// writeEvalFile writes to the file the init functions made for this call.
// It is never created here, and it must be what mktemp made: a regular,
// empty file of this user's, private, reached without a symbolic link. So a
// stray variable can neither make aws-runas write secrets somewhere new nor
// overwrite a file that holds something (an rc file, say).
func writeEvalFile(path, code string) error {
	f, err := openEvalFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", shells.EvalFileVar, err)
	}
	if _, err := f.WriteString(code); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// printJSON prints the credential_process format.
func (a *app) printJSON(env shells.Env) error {
	get := func(name string) string { v, _ := lookup(env, name); return v }
	out := struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string `json:",omitempty"`
		Expiration      string `json:",omitempty"`
	}{1, get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"), get("AWS_SESSION_TOKEN"), get("AWS_SESSION_EXPIRATION")}
	if out.AccessKeyID == "" {
		return fmt.Errorf("-O json prints credentials; there are none to print with -u")
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}

func (a *app) whoami(ctx context.Context, prov *creds.Provider, res *creds.Result) error {
	id, err := prov.Whoami(ctx, res)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(id, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}

func (a *app) runInit(inv *invocation) error {
	d, err := shells.Lookup(inv.shell)
	if err != nil {
		return err
	}
	code, err := shells.Init(d, shells.InitOptions{Cmd: inv.init.Cmd, Prompt: !inv.init.SkipPrompt, Refresh: !inv.init.NoRefresh, Binary: selfPath()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(a.stdout, code)
	return err
}

// subshell starts an interactive $SHELL with the credentials, the helper
// functions and the prompt; the parent shell is left as it was.
func (a *app) subshell(o *options, credEnv shells.Env) error {
	shellPath := firstOf(a.getenv("SHELL"), "/bin/sh")
	d, err := shells.Lookup(firstOf(shells.ShellForProgram(shellPath), "sh"))
	if err != nil {
		return err
	}
	code, err := shells.Init(d, shells.InitOptions{Prompt: !o.SkipPrompt, Refresh: true, Binary: selfPath()})
	if err != nil {
		return err
	}
	l, err := shells.Subshell(d, shellPath, code)
	if err != nil {
		return err
	}
	defer l.Cleanup()
	env := append(commandEnv(a.environ(), credEnv), l.Env...)
	return runChild(l.Argv, env)
}

func (a *app) isTerminal() bool {
	return term.IsTerminal(int(os.Stdout.Fd()))
}

// warn, debug and main's error messages are the sinks of stderr: text from
// files, IdPs and STS inside them is escaped there (termtext), once.
func (a *app) warn(msg string) { fmt.Fprintf(a.stderr, "aws-runas: %s\n", termtext.Escape(msg)) }

func (a *app) debug(format string, args ...any) {
	if a.verbose {
		fmt.Fprintf(a.stderr, "aws-runas: debug: %s\n", termtext.Escape(fmt.Sprintf(format, args...)))
	}
}

// selfPath is how the shell functions call this binary back.
func selfPath() string {
	p, err := os.Executable()
	if err != nil {
		return "aws-runas"
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// nonInteractiveLockWait bounds how long --non-interactive (the prompt
// hook, scripts) waits for a run that holds the lock, perhaps at its MFA
// prompt in another terminal.
const nonInteractiveLockWait = 5 * time.Second

// allVars are the variables of contract §4 that aws-runas sets, and its
// private record of what they are (renewVar): -u removes them all, and
// credentials without a record remove an older one.
var allVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_RUNAS_PROFILE", "AWS_RUNAS_ASSUMED_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_SESSION_EXPIRATION", "AWS_SESSION_EXPIRATION_UNIX", "AWS_CREDENTIAL_EXPIRATION",
	renewVar,
}

// credentialEnv is what a shell or command gets (contract §4): the new
// variables, and the removal of every other variable of §4 and of
// AWS_PROFILE, which would otherwise point tools away from them.
func credentialEnv(res *creds.Result) shells.Env {
	c := res.Credentials
	set := []shells.Var{
		{Name: "AWS_ACCESS_KEY_ID", Value: c.AccessKeyID},
		{Name: "AWS_SECRET_ACCESS_KEY", Value: c.SecretAccessKey},
	}
	if c.SessionToken != "" {
		set = append(set, shells.Var{Name: "AWS_SESSION_TOKEN", Value: c.SessionToken}, shells.Var{Name: "AWS_SECURITY_TOKEN", Value: c.SessionToken})
	}
	set = append(set, shells.Var{Name: "AWS_RUNAS_PROFILE", Value: res.Profile})
	if res.RoleARN != "" {
		set = append(set, shells.Var{Name: "AWS_RUNAS_ASSUMED_ROLE_ARN", Value: res.RoleARN}, shells.Var{Name: "AWS_ROLE_SESSION_NAME", Value: res.RoleSessionName})
	}
	if res.Region != "" {
		set = append(set, shells.Var{Name: "AWS_REGION", Value: res.Region}, shells.Var{Name: "AWS_DEFAULT_REGION", Value: res.Region})
	}
	if !c.Expires.IsZero() {
		exp := c.Expires.UTC().Format(time.RFC3339)
		set = append(set,
			shells.Var{Name: "AWS_SESSION_EXPIRATION", Value: exp},
			shells.Var{Name: "AWS_SESSION_EXPIRATION_UNIX", Value: strconv.FormatInt(c.Expires.Unix(), 10)},
			shells.Var{Name: "AWS_CREDENTIAL_EXPIRATION", Value: exp})
	}
	env := shells.Env{Set: set, Unset: []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}}
	for _, name := range allVars {
		if _, ok := lookup(env, name); !ok {
			env.Unset = append(env.Unset, name)
		}
	}
	return env
}

// lookup finds the value env sets for name.
func lookup(env shells.Env, name string) (string, bool) {
	for _, v := range env.Set {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

// commandEnv is environ with env applied, without the IdP password
// (SAML_PASSWORD is for aws-runas's sign-in, not for the command and all it
// starts), and without the init functions' private variables, which belong
// to this one call.
func commandEnv(environ []string, env shells.Env) []string {
	drop := map[string]bool{shells.EvalFileVar: true, shells.EvalShellVar: true, shells.EvalPIDVar: true, shells.EvalPlanVar: true, "SAML_PASSWORD": true}
	for _, n := range env.Unset {
		drop[n] = true
	}
	for _, v := range env.Set {
		drop[v.Name] = true
	}
	out := make([]string, 0, len(environ)+len(env.Set))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !drop[name] {
			out = append(out, kv)
		}
	}
	for _, v := range env.Set {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}
