package oidc

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/awssts"
	"github.com/aws-runas/aws-runas/internal/endpoint"
	"github.com/aws-runas/aws-runas/signon"
)

// The sign-in flows of web_identity_provider.
const (
	oidcFlowBrowser = "browser" // authorization code with PKCE, loopback redirect (RFC 8252)
	oidcFlowDevice  = "device"  // device authorization grant (RFC 8628)
)

const (
	oidcKind cache.Kind = "oidc" // one ID token per issuer and client ID
	// oidcMinRemaining: a cached ID token closer than this to its expiry
	// is refreshed rather than sent to STS.
	oidcMinRemaining = time.Minute
	// oidcLoginTimeout bounds the user's sign-in at the browser or with a
	// device code, unless AWS_RUNAS_LOGIN_TIMEOUT says otherwise.
	oidcLoginTimeout = 10 * time.Minute
	// oidcHTTPTimeout bounds each request to the identity provider.
	oidcHTTPTimeout = 30 * time.Second
)

// oidcStderr is where sign-in instructions go: the URL to open, the device
// code. None of them is a secret that outlives the sign-in.
var oidcStderr io.Writer = os.Stderr

// oidcTokenFile is the cached ID token of one issuer and client.
type oidcTokenFile struct {
	Version      int       `json:"version"`
	Issuer       string    `json:"issuer"`
	ClientID     string    `json:"client_id"`
	IDToken      string    `json:"id_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"` // the ID token's exp
}

// oidcSource says where a token came from.
type oidcSource int

const (
	oidcCached oidcSource = iota
	oidcRefreshed
	oidcSignedIn
)

// oidcClient signs a user in at one identity provider, as one client.
type oidcClient struct {
	env         *signon.Env
	profile     string
	issuer      string
	clientID    string
	redirectURI string
	flow        string
	http        *http.Client

	discovered *oidc.Provider // on first need
	scopes     []string
}

// newOIDCClient checks the profile's settings.
func newOIDCClient(env *signon.Env, prof *config.Profile) (*oidcClient, error) {
	c := &oidcClient{
		env: env, profile: prof.Name,
		issuer:      prof.WebIdentityAuthURL,
		clientID:    prof.WebIdentityClientID,
		redirectURI: prof.WebIdentityRedirectURI,
		flow:        strings.ToLower(cmp.Or(prof.WebIdentityProvider, oidcFlowBrowser)),
		http:        signon.HTTPClient(oidcHTTPTimeout, env.Debug),
	}
	u, err := url.Parse(c.issuer)
	switch {
	case err != nil || !endpoint.Secure(u):
		return nil, fmt.Errorf("profile %q: web_identity_auth_url %q is not the identity provider's issuer URL (https://...)", prof.Name, c.issuer)
	case c.clientID == "":
		return nil, fmt.Errorf("profile %q: web_identity_client_id is needed to sign in at %s (the client ID the identity provider gave aws-runas)", prof.Name, c.issuer)
	case c.flow != oidcFlowBrowser && c.flow != oidcFlowDevice:
		return nil, fmt.Errorf("profile %q: web_identity_provider %q is not a sign-in flow: use %q (a browser on this machine) or %q (a code to enter on any device)", prof.Name, prof.WebIdentityProvider, oidcFlowBrowser, oidcFlowDevice)
	}
	if c.flow == oidcFlowBrowser {
		if _, err := parseLoopbackRedirect(c.redirectURI); err != nil {
			return nil, fmt.Errorf("profile %q: %w", prof.Name, err)
		}
	}
	return c, nil
}

// cacheName keys the token cache: one login serves every profile that
// signs in at the same issuer as the same client.
func (c *oidcClient) cacheName() string {
	sum := sha256.Sum256([]byte(c.issuer + "\x00" + c.clientID))
	return hex.EncodeToString(sum[:12])
}

// ctx carries the identity provider's HTTP client to oauth2 and go-oidc.
func (c *oidcClient) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, c.http), c.http)
}

// provider runs discovery once.
func (c *oidcClient) provider(ctx context.Context) (*oidc.Provider, error) {
	if c.discovered != nil {
		return c.discovered, nil
	}
	c.env.Debug("OIDC discovery at %s", c.issuer)
	prov, err := oidc.NewProvider(c.ctx(ctx), c.issuer)
	if err != nil {
		if strings.Contains(err.Error(), "did not match the issuer") {
			return nil, fmt.Errorf("profile %q: %s names another issuer in its discovery document: set web_identity_auth_url to the issuer exactly as the identity provider spells it (%s)", c.profile, c.issuer, signon.Clean(err.Error()))
		}
		return nil, fmt.Errorf("profile %q: cannot read the OpenID configuration of %s: %s", c.profile, c.issuer, signon.Clean(err.Error()))
	}
	var meta struct {
		Scopes []string `json:"scopes_supported"`
		JWKS   string   `json:"jwks_uri"`
	}
	_ = prov.Claims(&meta)
	// The issuer's https says nothing of the endpoints its document names:
	// tokens, codes and keys must not cross the network in the clear.
	ep := prov.Endpoint()
	for _, e := range []struct{ name, u string }{
		{"authorization_endpoint", ep.AuthURL}, {"token_endpoint", ep.TokenURL},
		{"device_authorization_endpoint", ep.DeviceAuthURL}, {"jwks_uri", meta.JWKS},
	} {
		if e.u == "" {
			continue
		}
		if u, err := url.Parse(e.u); err != nil || !endpoint.Secure(u) {
			return nil, fmt.Errorf("profile %q: the OpenID configuration of %s names an %s that is not https (%s); refused", c.profile, c.issuer, e.name, signon.Clean(signon.SafeURLString(e.u)))
		}
	}
	// email names role sessions; offline_access asks for a refresh token.
	// Scopes the provider does not list are left out: some reject them.
	c.scopes = []string{oidc.ScopeOpenID}
	for _, s := range []string{"email", oidc.ScopeOfflineAccess} {
		if slices.Contains(meta.Scopes, s) || (len(meta.Scopes) == 0 && s == "email") {
			c.scopes = append(c.scopes, s)
		}
	}
	c.discovered = prov
	return prov, nil
}

func (c *oidcClient) config(prov *oidc.Provider, redirect string) *oauth2.Config {
	ep := prov.Endpoint()
	// A public client: the client ID goes in the body, no secret.
	ep.AuthStyle = oauth2.AuthStyleInParams
	return &oauth2.Config{ClientID: c.clientID, Endpoint: ep, RedirectURL: redirect, Scopes: c.scopes}
}

// How token may get an ID token, from the most to the least cached.
type oidcMode int

const (
	oidcUseCache oidcMode = iota // the cached ID token while fresh, else as below
	oidcRefresh                  // the cached refresh token (the ID token was refused), else as below
	oidcSignIn                   // a new sign-in
)

// token returns an ID token: the cached one while it is fresh, else one
// refreshed with the cached refresh token, else one from a new sign-in;
// mode skips the first ways. It does not store what it gets; save does,
// once STS has taken it.
func (c *oidcClient) token(ctx context.Context, mode oidcMode) (*oidcTokenFile, oidcSource, error) {
	var cached *oidcTokenFile
	if mode != oidcSignIn {
		cached = c.load()
	}
	now := c.env.Now()
	if mode == oidcUseCache && cached != nil && cached.Expiry.Sub(now) > oidcMinRemaining {
		c.env.Debug("OIDC: ID token for %s cached, expires %s", c.issuer, cached.Expiry.Format(time.RFC3339))
		return cached, oidcCached, nil
	}
	if cached != nil && cached.RefreshToken != "" {
		t, err := c.refresh(ctx, cached.RefreshToken)
		if err == nil {
			return t, oidcRefreshed, nil
		}
		c.env.Debug("OIDC: refresh at %s failed, signing in again: %v", c.issuer, err)
	}
	if mode == oidcRefresh {
		// STS refused the cached ID token and there is no other way to
		// a new one than the user: the file is no use to the next run.
		c.forget()
	}
	if !c.env.CanAsk() {
		return nil, 0, &signon.InputNeededError{What: fmt.Sprintf("profile %q: signing in at %s is needed (no usable ID token is cached): run aws-runas %s without --non-interactive first", c.profile, c.issuer, c.profile)}
	}
	var t *oidcTokenFile
	var err error
	if c.flow == oidcFlowDevice {
		t, err = c.deviceLogin(ctx)
	} else {
		t, err = c.browserLogin(ctx)
	}
	if err != nil {
		return nil, 0, err
	}
	return t, oidcSignedIn, nil
}

// refresh trades a refresh token for a new ID token, without the user.
func (c *oidcClient) refresh(ctx context.Context, refreshToken string) (*oidcTokenFile, error) {
	prov, err := c.provider(ctx)
	if err != nil {
		return nil, err
	}
	c.env.Debug("OIDC: refreshing the ID token at %s", c.issuer)
	ctx, cancel := context.WithTimeout(ctx, oidcHTTPTimeout)
	defer cancel()
	old := &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}
	tok, err := c.config(prov, "").TokenSource(c.ctx(ctx), old).Token()
	if err != nil {
		return nil, c.oauthError("refreshing the sign-in", err)
	}
	return c.verify(ctx, prov, tok, "")
}

// verify checks the ID token of a token response: signature, issuer,
// audience, expiry and, after a browser sign-in, the nonce.
func (c *oidcClient) verify(ctx context.Context, prov *oidc.Provider, tok *oauth2.Token, nonce string) (*oidcTokenFile, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("profile %q: %s answered without an ID token (is the openid scope allowed for client %q?)", c.profile, c.issuer, c.clientID)
	}
	// Audience and expiry are checked below, to say clearly what is wrong.
	v := prov.Verifier(&oidc.Config{ClientID: c.clientID, SkipClientIDCheck: true, SkipExpiryCheck: true})
	idt, err := v.Verify(c.ctx(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("profile %q: the ID token from %s does not verify: %s", c.profile, c.issuer, signon.Clean(err.Error()))
	}
	switch {
	case !slices.Contains(idt.Audience, c.clientID):
		return nil, fmt.Errorf("profile %q: the ID token from %s is for another audience (%s), not for client %q: check web_identity_client_id", c.profile, c.issuer, signon.Clean(strings.Join(idt.Audience, ", ")), c.clientID)
	case !idt.Expiry.After(c.env.Now()):
		return nil, fmt.Errorf("profile %q: the ID token from %s expired at %s, before it could be used (is this machine's clock right?)", c.profile, c.issuer, idt.Expiry.UTC().Format(time.RFC3339))
	case nonce != "" && idt.Nonce != nonce:
		return nil, fmt.Errorf("profile %q: the ID token from %s does not belong to this sign-in (nonce mismatch); sign in again", c.profile, c.issuer)
	}
	return &oidcTokenFile{Issuer: c.issuer, ClientID: c.clientID, IDToken: raw, RefreshToken: tok.RefreshToken, Expiry: idt.Expiry.UTC()}, nil
}

// load returns the cached token of this issuer and client, or nil.
func (c *oidcClient) load() *oidcTokenFile {
	cc := c.env.Cache
	if cc == nil {
		return nil
	}
	p := cc.Path(oidcKind, c.cacheName(), ".json")
	var t oidcTokenFile
	if !cache.ReadPrivateJSON(p, &t, cc.Debugf) {
		return nil
	}
	if t.Version != cache.Version || t.Issuer != c.issuer || t.ClientID != c.clientID || t.IDToken == "" {
		cc.Debugf("cache %s: of another format or client, ignored", p)
		return nil
	}
	return &t
}

// save stores t privately and atomically, as the credentials are stored.
func (c *oidcClient) save(t *oidcTokenFile) {
	cc := c.env.Cache
	if cc == nil {
		return
	}
	t.Version = cache.Version
	data, err := json.Marshal(t)
	if err != nil {
		cc.WarnOnce(err)
		return
	}
	if err := cache.WriteFileAtomic(cc.Path(oidcKind, c.cacheName(), ".json"), data); err != nil {
		cc.WarnOnce(err)
	}
}

// forget drops the cached token: STS has refused it.
func (c *oidcClient) forget() {
	if c.env.Cache != nil {
		c.env.Cache.Remove(oidcKind, c.cacheName())
	}
}

// loginTimeout is how long the user has to sign in.
func (c *oidcClient) loginTimeout() (time.Duration, error) {
	return signon.LoginTimeout(c.env.Getenv, oidcLoginTimeout)
}

// oauthError says what failed at the identity provider, from its error
// code and description; the response body is left out.
func (c *oidcClient) oauthError(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := re.ErrorCode
		if msg == "" && re.Response != nil {
			msg = "HTTP " + re.Response.Status
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		switch re.ErrorCode {
		case "access_denied":
			return fmt.Errorf("profile %q: sign-in at %s was denied (%s)", c.profile, c.issuer, signon.Clean(msg))
		case "expired_token":
			return fmt.Errorf("profile %q: the code expired before sign-in at %s was completed; run again", c.profile, c.issuer)
		}
		return fmt.Errorf("profile %q: %s at %s failed: %s", c.profile, what, c.issuer, signon.Clean(msg))
	}
	if awssts.IsTimeout(err) {
		return fmt.Errorf("profile %q: %s: %s did not answer within %s", c.profile, what, c.issuer, oidcHTTPTimeout)
	}
	return fmt.Errorf("profile %q: %s at %s failed: %s", c.profile, what, c.issuer, signon.Clean(err.Error()))
}

// oidcRandom is a random URL-safe string for state and nonce.
func oidcRandom() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails, per crypto/rand
	return base64.RawURLEncoding.EncodeToString(b)
}

// jwtClaims decodes the claims of a JWT without verifying it: for a
// session name, from a token that STS verifies.
type jwtClaims struct {
	Subject string   `json:"sub"`
	Email   string   `json:"email"`
	Expiry  *float64 `json:"exp"`
}

func unverifiedJWTClaims(token string) (jwtClaims, bool) {
	var c jwtClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c, false
	}
	return c, json.Unmarshal(payload, &c) == nil
}
