//go:build !testclock

package main

import "time"

// runClock is the clock of a run: the cache's expiry checks, Identity
// Center's token expiry and the credential server's. It is the system's;
// a build with -tags testclock replaces it (clock_testclock.go) so the e2e
// tests can move it.
func runClock(func(string) string) func() time.Time { return time.Now }
