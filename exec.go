package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// lookPath finds a command as a shell would; aws-runas never changes PATH,
// so its own PATH is the command's.
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, exec.ErrNotFound):
		return "", &commandError{name: name, err: errors.New("command not found"), code: 127}
	}
	return "", &commandError{name: name, err: err, code: 126}
}

// runChild runs a program as a child and returns its exit status: the
// subshell everywhere (it must outlive nothing but its temporary files),
// and every command on Windows. Ctrl-C belongs to the child (it shares the
// terminal or console), so aws-runas catches and drops it while waiting.
// Catching, not ignoring: an ignored signal stays ignored across exec, and
// bash never restores signals ignored at its start, so Ctrl-C would
// interrupt nothing in a bash subshell.
func runChild(argv, env []string) error {
	cmd, err := childCommand(argv, env)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, childSignals...)
	defer signal.Stop(sigs)
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitStatus{code: exitCode(ee)}
	}
	return err
}

// childCommand is argv found on PATH, with env and aws-runas's own stdio;
// argv[0] stays as the user typed it.
func childCommand(argv, env []string) (*exec.Cmd, error) {
	path, err := lookPath(argv[0])
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	return cmd, nil
}

// commandError is a command that could not be started; its exit status
// follows the shells: 127 not found, 126 not executable.
type commandError struct {
	name string
	err  error
	code int
}

func (e *commandError) Error() string { return fmt.Sprintf("%s: %v", e.name, e.err) }
