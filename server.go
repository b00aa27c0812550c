package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/credserver"
	"github.com/aws-runas/aws-runas/shells"
)

// checkModeOptions refuses combinations of --server and --console that
// cannot be carried out.
func checkModeOptions(inv *invocation) error {
	o := &inv.opts
	server := o.Server || o.ECSServer
	switch {
	case server && o.Console:
		return usagef("--server and --console: choose one")
	case server && o.Output != "":
		return usagef("--server cannot be used with -O: printed variables would outlive the server, which stops when aws-runas exits; run a COMMAND or a subshell with --server")
	case server && (o.Whoami || o.Expiration):
		return usagef("--server runs a COMMAND or a subshell; it cannot be used with -w or -e")
	case o.Console && len(inv.command) > 0:
		return usagef("--console opens the console and runs no command: %q", inv.command[0])
	case o.Console && (o.Output != "" || o.Whoami || o.Expiration):
		return usagef("--console cannot be used with -O, -w or -e")
	case !o.Console && (o.PrintURL || o.Destination != "" || o.Region != ""):
		return usagef("--print-url, --destination and --region go with --console")
	}
	return nil
}

// serving is a credential server for one command or subshell.
type serving struct {
	srv    *credserver.Server
	env    shells.Env
	remove func()
}

// startServer serves res, renewed with req, and works out the child's
// environment: the server's variables instead of the keys and their
// expiry, and no other source the SDKs would prefer to the server.
func (a *app) startServer(ctx context.Context, prov *creds.Provider, req creds.Request, res *creds.Result) (*serving, error) {
	// Renewal asks no one: a role renews from the cached session token
	// without MFA; what would need input fails, is reported once, and the
	// current credentials are served until they expire.
	renewer := *prov
	renewer.Prompter = renewPrompter(prov.Prompter)
	if renewer.Cache != nil {
		c := *renewer.Cache
		c.Wait = nonInteractiveLockWait
		renewer.Cache = &c
	}
	req.Refresh, req.OTP = false, "" // a one-time code is spent
	src := aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		r, err := renewer.Get(ctx, req)
		if err != nil {
			return aws.Credentials{}, err
		}
		a.debug("credential server: renewed, expire %s", r.Credentials.Expires.UTC().Format("2006-01-02T15:04:05Z"))
		return r.Credentials, nil
	})
	hidden, remove, err := credserver.HideDefaultProfile(a.getenv)
	if err != nil {
		return nil, fmt.Errorf("credential server: hiding the default profile's keys from the command: %w", err)
	}
	srv, err := credserver.Start(ctx, credserver.Options{Source: src, Initial: res.Credentials, Now: runClock(a.getenv),
		Logf: func(format string, args ...any) {
			a.warn("credential server: " + fmt.Sprintf(format, args...)) // warn escapes
		}})
	if err != nil {
		remove()
		return nil, err
	}
	a.debug("credential server listening on %s", srv.URL())
	static := []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
		"AWS_SESSION_EXPIRATION", "AWS_SESSION_EXPIRATION_UNIX", "AWS_CREDENTIAL_EXPIRATION"}
	base := credentialEnv(res)
	env := shells.Env{Unset: append(base.Unset, static...)}
	// A web identity token file in the environment comes before the
	// container endpoint in the SDKs' chain.
	env.Unset = append(env.Unset, "AWS_WEB_IDENTITY_TOKEN_FILE")
	env.Unset = append(env.Unset, credserver.ContainerVars...)
	for _, v := range base.Set {
		if !slices.Contains(static, v.Name) {
			env.Set = append(env.Set, v)
		}
	}
	for _, kv := range append(srv.Env(), hidden...) {
		name, value, _ := strings.Cut(kv, "=")
		env.Set = append(env.Set, shells.Var{Name: name, Value: value})
	}
	return &serving{srv: srv, env: env, remove: remove}, nil
}

func (s *serving) close() {
	s.srv.Close()
	s.remove()
}

// canServe refuses --server before any credentials are fetched where there
// is neither a COMMAND nor a terminal for a subshell: print mode cannot
// serve, since printed variables would outlive the server.
func (a *app) canServe(inv *invocation) error {
	if len(inv.command) > 0 || (a.getenv(shells.EvalFileVar) == "" && a.isTerminal()) {
		return nil
	}
	return usagef("--server needs a COMMAND or a terminal for a subshell: printed variables would outlive the server, which stops when aws-runas exits")
}

// serve is --server: a COMMAND, else a subshell (canServe said which).
func (a *app) serve(ctx context.Context, prov *creds.Provider, inv *invocation, res *creds.Result) error {
	if len(inv.command) > 0 {
		return a.runServed(ctx, prov, inv, res)
	}
	return a.subshellServed(ctx, prov, inv, res)
}

// runServed runs argv as a child of aws-runas, which serves its
// credentials until it exits; the exit status is the child's.
func (a *app) runServed(ctx context.Context, prov *creds.Provider, inv *invocation, res *creds.Result) error {
	s, err := a.startServer(ctx, prov, inv.req, res)
	if err != nil {
		return err
	}
	defer s.close()
	return runForwarding(inv.command, commandEnv(a.environ(), s.env))
}

// subshellServed is the subshell (subshell.go) with a credential server:
// its credentials never go stale, so it gets no refresh hook, and no prompt
// segment, whose colour tells an expiry that no longer applies.
func (a *app) subshellServed(ctx context.Context, prov *creds.Provider, inv *invocation, res *creds.Result) error {
	l, err := a.launchSubshell(shells.InitOptions{})
	if err != nil {
		return err
	}
	defer l.Cleanup()
	s, err := a.startServer(ctx, prov, inv.req, res)
	if err != nil {
		return err
	}
	defer s.close()
	return runForwarding(l.Argv, append(commandEnv(a.environ(), s.env), l.Env...))
}

// runForwarding runs a child with stdio untouched and passes on the
// signals sent to aws-runas. Ctrl-C and Ctrl-\ from a terminal reach the
// child directly (same process group), so those are only caught, not
// passed on, when stdin is a terminal: a second SIGINT makes some
// programs (terraform) abort at once.
func runForwarding(argv, env []string) error {
	cmd, err := childCommand(argv, env)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, append(slices.Clone(childSignals), forwardSignals...)...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return &commandError{name: argv[0], err: err, code: 126}
	}
	fromTerminal := stdinIsTerminal()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			if !fromTerminal || !slices.Contains(childSignals, sig) {
				_ = cmd.Process.Signal(sig)
			}
		case err := <-done:
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return &exitStatus{code: exitCode(ee)}
			}
			return err
		}
	}
}
