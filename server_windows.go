//go:build windows

package main

import "os"

var forwardSignals = []os.Signal{}

// stdinIsTerminal: on Windows Ctrl-C reaches the child through the
// shared console, never through aws-runas.
func stdinIsTerminal() bool { return true }
