package signon

import (
	"fmt"
	"strconv"
	"time"
)

// LoginTimeoutVar bounds the user's sign-in at an identity provider (a
// browser, a device code) for every kind of sign-on.
const LoginTimeoutVar = "AWS_RUNAS_LOGIN_TIMEOUT"

// LoginTimeout is how long the user has to sign in: $AWS_RUNAS_LOGIN_TIMEOUT
// (seconds, or a Go duration), else def.
func LoginTimeout(getenv func(string) string, def time.Duration) (time.Duration, error) {
	v := getenv(LoginTimeoutVar)
	if v == "" {
		return def, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("%s=%q is not a duration (seconds, or like 2m30s)", LoginTimeoutVar, v)
}
