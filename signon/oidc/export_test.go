package oidc

import "github.com/aws-runas/aws-runas/signon"

// Knobs of the sign-in for the tests of package oidc_test, which sign in
// through creds.Provider.
var (
	OpenBrowser = &oidcOpenBrowser
	Stderr      = &oidcStderr
)

// TimeoutVar is the variable of the login timeout.
const TimeoutVar = signon.LoginTimeoutVar
