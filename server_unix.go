//go:build !windows

package main

import (
	"os"
	"syscall"

	"golang.org/x/term"
)

// forwardSignals are passed on to a served child: how a service manager,
// CI runner or `kill` stops or pokes the command through aws-runas.
var forwardSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2}

func stdinIsTerminal() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
