package main

import (
	"errors"
	"os/exec"
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
