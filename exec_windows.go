//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// runCommand runs the command as a child, Windows having no exec: Ctrl-C
// reaches it through the shared console, aws-runas catches and drops it,
// and the
// child's exit status becomes aws-runas's.
func runCommand(argv, env []string) error { return runChild(argv, env) }

func runChild(argv, env []string) error {
	path, err := lookPath(argv[0])
	if err != nil {
		return err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitStatus{code: ee.ExitCode()}
	}
	return err
}

type commandError struct {
	name string
	err  error
	code int
}

func (e *commandError) Error() string { return fmt.Sprintf("%s: %v", e.name, e.err) }
