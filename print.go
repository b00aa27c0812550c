// Print mode (-O, eval "$(aws-runas PROFILE)", the init functions' file):
// credentials as shell code or credential_process JSON.

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/term"

	"github.com/aws-runas/aws-runas/shells"
)

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

func (a *app) isTerminal() bool {
	return term.IsTerminal(int(os.Stdout.Fd()))
}

// evalPlan answers the wrapper's question (shells.EvalPlanVar): "eval"
// when this call, with the eval file set, would write shell code there (no
// COMMAND, no -O, nothing else to print), else "run": the wrapper then runs
// the binary as it is, and a usage error is reported by that run.
func evalPlan(inv *invocation, err error) string {
	if err != nil || inv == nil {
		return "run"
	}
	o := &inv.opts
	if inv.sub != "" || o.Version || o.List || o.Expiration || o.Whoami || o.Output != "" || len(inv.command) > 0 {
		return "run"
	}
	return "eval"
}
