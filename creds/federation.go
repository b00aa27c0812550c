package creds

import (
	"context"
	"time"
)

// federated gets role credentials for prof from its identity provider:
// AssumeRoleWithSAML with an assertion (saml.go), or
// AssumeRoleWithWebIdentity with an OIDC token (webidentity.go). The entry
// returned has RoleSessionName set; the caller stores it in the role cache.
func (j *job) federated(ctx context.Context, prof *Profile, duration time.Duration) (*entry, error) {
	if prof.SAMLAuthURL != "" {
		return j.saml(ctx, prof, duration)
	}
	return j.webIdentity(ctx, prof, duration)
}

// federatedID names the identity provider and user a sign-on profile's
// credentials come from (see job.sourceID).
func (p *Profile) federatedID() string {
	switch {
	case p.SAMLAuthURL != "":
		return "saml:" + p.SAMLAuthURL + " " + p.SAMLUsername
	case p.WebIdentityTokenFile != "":
		return "token-file:" + p.WebIdentityTokenFile
	}
	return "oidc:" + p.WebIdentityAuthURL + " " + p.WebIdentityClientID
}

// SSO holds sign-on settings given on the command line or in the
// environment; each one set replaces the profile's key of the same name.
type SSO struct {
	SAMLAuthURL, SAMLUsername, SAMLProvider                                              string
	WebIdentityAuthURL, WebIdentityClientID, WebIdentityRedirectURI, WebIdentityProvider string
	WebIdentityTokenFile                                                                 string
}

// ssoEnv names the environment variables of each SSO setting, as the
// earlier Go aws-runas and the AWS SDKs (AWS_WEB_IDENTITY_TOKEN_FILE) do.
var ssoEnv = []struct {
	env   string
	field func(*SSO) *string
	key   string
}{
	{"SAML_AUTH_URL", func(s *SSO) *string { return &s.SAMLAuthURL }, "saml_auth_url"},
	{"SAML_USERNAME", func(s *SSO) *string { return &s.SAMLUsername }, "saml_username"},
	{"SAML_PROVIDER", func(s *SSO) *string { return &s.SAMLProvider }, "saml_provider"},
	{"WEB_IDENTITY_AUTH_URL", func(s *SSO) *string { return &s.WebIdentityAuthURL }, "web_identity_auth_url"},
	{"WEB_IDENTITY_CLIENT_ID", func(s *SSO) *string { return &s.WebIdentityClientID }, "web_identity_client_id"},
	{"WEB_IDENTITY_REDIRECT_URI", func(s *SSO) *string { return &s.WebIdentityRedirectURI }, "web_identity_redirect_uri"},
	{"WEB_IDENTITY_PROVIDER", func(s *SSO) *string { return &s.WebIdentityProvider }, "web_identity_provider"},
	{"AWS_WEB_IDENTITY_TOKEN_FILE", func(s *SSO) *string { return &s.WebIdentityTokenFile }, "web_identity_token_file"},
}

// applySSO sets target's sign-on keys from flags, then from the
// environment. The environment only completes a profile that signs on
// already (by its keys or a flag), or a role ARN typed on the command line:
// a variable such as AWS_WEB_IDENTITY_TOKEN_FILE, set in every pod of some
// clusters, must not turn a source_profile role into another login.
func (p *Provider) applySSO(target *Profile, flags SSO, roleARN bool) {
	for _, s := range ssoEnv {
		if v := *s.field(&flags); v != "" {
			*target.field(s.key) = v
		}
	}
	if !roleARN && !target.federated() {
		return
	}
	for _, s := range ssoEnv {
		if v := p.getenv(s.env); v != "" && *s.field(&flags) == "" {
			*target.field(s.key) = v
		}
	}
}
