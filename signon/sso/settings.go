// Package sso signs on with IAM Identity Center (AWS SSO): the
// authorization code flow with PKCE or the device authorization grant, the
// AWS CLI v2's token cache in ~/.aws/sso/cache (shared with the CLI and the
// SDKs), silent renewal with the refresh token, role credentials from the
// portal's GetRoleCredentials, and discovery of the accounts and roles a
// user may use. The wire protocols are the SDK's (service/ssooidc and
// service/sso); this package adds the login flows, the file's lock, and
// the rules for when to ask the user.
package sso

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultScopes are the registration scopes used when a session names
// none. With sso:account:access the client is given a refresh token, so
// that a login lasts the whole Identity Center session instead of an hour
// of access token.
var DefaultScopes = []string{"sso:account:access"}

// Settings are an Identity Center profile's values, as the AWS CLI v2
// reads them: from its [sso-session NAME] section (SessionName,
// sso_start_url, sso_region, sso_registration_scopes) or, for a legacy
// profile, from sso_start_url and sso_region in the profile itself
// (SessionName ""); and the profile's sso_account_id and sso_role_name.
type Settings struct {
	SessionName string
	StartURL    string
	Region      string
	// Scopes are sso_registration_scopes; nil means DefaultScopes.
	Scopes    []string
	AccountID string
	RoleName  string
}

// CacheKey is what names the session's token file: the session name, or
// the start URL for a legacy profile, as the AWS CLI v2 does.
func (s Settings) CacheKey() string {
	if s.SessionName != "" {
		return s.SessionName
	}
	return s.StartURL
}

// RoleCacheID identifies role credentials obtained with these settings,
// for a cache of role credentials: the session (its key and start URL),
// the account and the role. Credentials cached under one ID are never
// valid for another.
func (s Settings) RoleCacheID() string {
	return "sso:" + s.CacheKey() + "|" + s.StartURL + "|" + s.AccountID + "|" + s.RoleName
}

func (s Settings) scopes() []string {
	if s.Scopes == nil {
		return DefaultScopes
	}
	return s.Scopes
}

// where names the session in messages.
func (s Settings) where() string {
	if s.SessionName != "" {
		return "sso-session " + quote(s.SessionName)
	}
	return "sso_start_url " + quote(s.StartURL)
}

// validateSession checks what a login or a token needs.
func (s Settings) validateSession() error {
	u, err := url.Parse(s.StartURL)
	switch {
	case s.StartURL == "":
		return fmt.Errorf("%s: sso_start_url is missing", s.where())
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil:
		return fmt.Errorf("%s: sso_start_url %s is not an https URL", s.where(), quote(s.StartURL))
	case s.Region == "":
		return fmt.Errorf("%s: sso_region is missing", s.where())
	case !validRegion(s.Region):
		return fmt.Errorf("%s: sso_region %s is not a region name", s.where(), quote(s.Region))
	}
	for _, sc := range s.scopes() {
		if sc == "" || strings.ContainsFunc(sc, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return fmt.Errorf("%s: sso_registration_scopes: %s is not a scope", s.where(), quote(sc))
		}
	}
	return nil
}

// validateRole checks what GetRoleCredentials needs, before any call.
func (s Settings) validateRole() error {
	if err := s.validateSession(); err != nil {
		return err
	}
	if !validAccountID(s.AccountID) {
		return fmt.Errorf("sso_account_id %s is not a 12-digit account ID", quote(s.AccountID))
	}
	if !validRoleName(s.RoleName) {
		return fmt.Errorf("sso_role_name %s is not a role name", quote(s.RoleName))
	}
	return nil
}

func validAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// validRoleName: IAM's role name characters, 1 to 64 of them.
func validRoleName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+=,.@_-", r)) {
			return false
		}
	}
	return true
}

// validRegion: lower-case letters, digits and dashes, as region names are.
func validRegion(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// quote shows text from files and servers with control characters
// escaped, so that it cannot rewrite the terminal it is shown on.
func quote(s string) string { return fmt.Sprintf("%q", s) }
