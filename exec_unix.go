//go:build !windows

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// runCommand replaces aws-runas with the command, so that signals, the
// terminal and the exit status are the command's own.
func runCommand(argv, env []string) error {
	path, err := lookPath(argv[0])
	if err != nil {
		return err
	}
	err = syscall.Exec(path, argv, env)
	return &commandError{name: argv[0], err: err, code: 126}
}

var childSignals = []os.Signal{os.Interrupt, syscall.SIGQUIT}

// exitCode reports a child killed by a signal as a shell does: 128 + N.
func exitCode(ee *exec.ExitError) int {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}
