//go:build !windows

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
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

// runChild runs a subshell, which must outlive nothing but its temporary
// files. Ctrl-C belongs to the child (it is in the foreground process
// group too), so aws-runas catches and drops it while waiting. Catching,
// not ignoring: an ignored signal stays ignored across exec, and bash
// never restores signals ignored at its start, so Ctrl-C would interrupt
// nothing in the subshell.
func runChild(argv, env []string) error {
	path, err := lookPath(argv[0])
	if err != nil {
		return err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	return childStatus(cmd.Run())
}

func childStatus(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &exitStatus{code: 128 + int(ws.Signal())}
		}
		return &exitStatus{code: ee.ExitCode()}
	}
	return err
}

// commandError is a command that could not be started; its exit status
// follows the shells: 127 not found, 126 not executable.
type commandError struct {
	name string
	err  error
	code int
}

func (e *commandError) Error() string { return fmt.Sprintf("%s: %v", e.name, e.err) }
