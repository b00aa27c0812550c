//go:build !testclock

package main

import "time"

// serverClock is the credential server's clock: the system's. A build
// with -tags testclock replaces it (clock_testclock.go) so the e2e tests
// can move it.
func serverClock(func(string) string) func() time.Time { return time.Now }
