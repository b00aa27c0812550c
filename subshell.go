package main

import "github.com/aws-runas/aws-runas/shells"

// subshell starts an interactive $SHELL with the credentials, the helper
// functions and the prompt; the parent shell is left as it was.
func (a *app) subshell(skipPrompt bool, credEnv shells.Env) error {
	shellPath := firstOf(a.getenv("SHELL"), "/bin/sh")
	d, err := shells.Lookup(firstOf(shells.ShellForProgram(shellPath), "sh"))
	if err != nil {
		return err
	}
	code, err := shells.Init(d, shells.InitOptions{Prompt: !skipPrompt, Refresh: true, Binary: selfPath()})
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
