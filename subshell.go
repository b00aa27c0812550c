package main

import "github.com/aws-runas/aws-runas/shells"

// subshell starts an interactive $SHELL with the credentials, the helper
// functions and the prompt; the parent shell is left as it was.
func (a *app) subshell(skipPrompt bool, credEnv shells.Env) error {
	l, err := a.launchSubshell(shells.InitOptions{Prompt: !skipPrompt, Refresh: true})
	if err != nil {
		return err
	}
	defer l.Cleanup()
	env := append(commandEnv(a.environ(), credEnv), l.Env...)
	return runChild(l.Argv, env)
}

// launchSubshell prepares $SHELL (else /bin/sh) to start interactive with
// the init code of o, this binary's path filled in.
func (a *app) launchSubshell(o shells.InitOptions) (*shells.Launch, error) {
	shellPath := firstOf(a.getenv("SHELL"), "/bin/sh")
	d, err := shells.Lookup(firstOf(shells.ShellForProgram(shellPath), "sh"))
	if err != nil {
		return nil, err
	}
	o.Binary = selfPath()
	code, err := shells.Init(d, o)
	if err != nil {
		return nil, err
	}
	return shells.Subshell(d, shellPath, code)
}
