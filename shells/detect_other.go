//go:build !linux && !darwin && !windows

package shells

// parentPrograms is not implemented on this system: Detect goes on to $SHELL.
func parentPrograms() []string { return nil }
