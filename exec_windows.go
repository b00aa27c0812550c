//go:build windows

package main

import (
	"os"
	"os/exec"
)

// runCommand runs the command as a child, Windows having no exec: Ctrl-C
// reaches it through the shared console, and its exit status becomes
// aws-runas's.
func runCommand(argv, env []string) error { return runChild(argv, env) }

var childSignals = []os.Signal{os.Interrupt}

func exitCode(ee *exec.ExitError) int { return ee.ExitCode() }
