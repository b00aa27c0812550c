package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws-runas/aws-runas/shells"
)

// runInit is `aws-runas init SHELL`: the rc-file integration (helper
// functions, prompt segment, the switching function, the refresh hook).
func (a *app) runInit(shell string, o initOptions) error {
	d, err := shells.Lookup(shell)
	if err != nil {
		return err
	}
	code, err := shells.Init(d, shells.InitOptions{Cmd: o.Cmd, Prompt: !o.SkipPrompt, Refresh: !o.NoRefresh, Binary: selfPath()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(a.stdout, code)
	return err
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

type initOptions struct {
	Cmd        string `long:"cmd" value-name:"NAME" default:"aws-runas" description:"name of the shell function that switches the current shell"`
	NoCmd      bool   `long:"no-cmd" description:"define no such function"`
	SkipPrompt bool   `short:"s" long:"skip-prompt" description:"leave the shell prompt alone"`
	NoRefresh  bool   `long:"no-refresh" description:"no refresh hook before the prompt"`
}
