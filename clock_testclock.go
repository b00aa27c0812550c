//go:build testclock

package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// runClock, in test builds only, adds the seconds written in the file
// $AWS_RUNAS_TEST_CLOCK to the system's time, so an e2e test can move the
// run's clock (cache expiry, Identity Center tokens, the credential
// server) together with its test servers' instead of waiting. Release
// builds have no such variable.
func runClock(getenv func(string) string) func() time.Time {
	path := getenv("AWS_RUNAS_TEST_CLOCK")
	if path == "" {
		return time.Now
	}
	return func() time.Time {
		b, _ := os.ReadFile(path)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return time.Now().Add(time.Duration(n) * time.Second)
	}
}
