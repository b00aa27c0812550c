package saml

import "net/url"

// Knobs of the sign-in for the tests of package saml_test, which sign in
// through creds.Provider.
var (
	Stderr               = &samlStderr
	OktaPollInterval     = &oktaPollInterval
	BrowserSignInTimeout = &browserSignInTimeout
)

// IsACS is isACS without SAML_ACS_URL.
func IsACS(u *url.URL) bool { return (&samlConfig{}).isACS(u) }

var AWSSignIn = awsSignIn

// Kind is the cache kind of IdP sessions and their locks.
const Kind = samlKind
