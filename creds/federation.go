package creds

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/signon"
	"github.com/aws-runas/aws-runas/signon/oidc"
	"github.com/aws-runas/aws-runas/signon/saml"
)

// signOn is the sign-on provider of a profile that signs in at one.
func signOn(prof *config.Profile) signon.Provider {
	if prof.IsSSO() {
		return ssoSignOn{}
	}
	if prof.SAMLAuthURL != "" {
		return saml.SignOn{}
	}
	return oidc.SignOn{}
}

// federated gets role credentials for prof from its identity provider:
// AssumeRoleWithSAML with an assertion (signon/saml), or
// AssumeRoleWithWebIdentity with an OIDC token (signon/oidc). The entry
// returned has RoleSessionName set; the caller stores it in the role cache.
func (j *job) federated(ctx context.Context, prof *config.Profile, duration time.Duration) (*cache.Entry, error) {
	target := prof == j.ch.Roles[len(j.ch.Roles)-1]
	req := signon.Request{
		Profile:     prof,
		Duration:    duration,
		DurationSet: target && j.req.RoleDuration != 0 || prof.Duration != 0,
		OTP:         j.req.OTP,
	}
	env := &signon.Env{
		Cache:    j.p.Cache,
		STS:      j.client.With(aws.Credentials{}),
		Timeout:  j.p.Timeout,
		Getenv:   j.p.getenv,
		Debug:    j.p.debug,
		Now:      j.p.now,
		Prompter: j.p.Prompter,
	}
	r, err := signOn(prof).RoleCredentials(ctx, req, env)
	if err != nil {
		return nil, err
	}
	c := r.Credentials
	return &cache.Entry{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expires, RoleSessionName: r.SessionName}, nil
}

// federatedID names the identity provider and user a sign-on profile's
// credentials come from (see job.sourceID).
func federatedID(p *config.Profile) string {
	switch {
	case p.IsSSO():
		return SSOSettings(p).RoleCacheID()
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
func (p *Provider) applySSO(target *config.Profile, flags SSO, roleARN bool) {
	for _, s := range ssoEnv {
		if v := *s.field(&flags); v != "" {
			_ = target.Set(s.key, v) // a string key: no error
		}
	}
	if !roleARN && !target.Federated() {
		return
	}
	for _, s := range ssoEnv {
		if v := p.getenv(s.env); v != "" && *s.field(&flags) == "" {
			_ = target.Set(s.key, v)
		}
	}
}
