package ststest

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// AssumeRoleWithWebIdentity's answers, in STS's words.
const (
	msgNotJWT         = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
	msgNoOIDCProvider = "No OpenIDConnect provider found in your account for "
	msgBadAudience    = "Incorrect token audience"
	msgNoKeys         = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	msgBadSignature   = "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."
	msgWebIdentityAD  = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
)

// OIDCProvider is an IAM OpenID Connect identity provider: STS accepts, in
// AssumeRoleWithWebIdentity, ID tokens its issuer signed for one of its
// client IDs. As with users, a registered provider may assume every
// registered role: there are no trust policies.
type OIDCProvider struct {
	// IssuerURL is the tokens' iss claim, e.g. https://idp.example.com.
	IssuerURL string
	// ClientIDs are the audiences accepted (IAM's "client ID list").
	ClientIDs []string
	// Keys verify the tokens' signatures (*rsa.PublicKey,
	// *ecdsa.PublicKey, ed25519.PublicKey). None: like STS, the server
	// fetches the issuer's discovery document and its jwks_uri when a token
	// needs them, and again for a key ID it does not know.
	Keys []crypto.PublicKey
}

// Validate reports what AddOIDCProvider would panic on.
func (p OIDCProvider) Validate() error {
	u, err := url.Parse(p.IssuerURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return fmt.Errorf("ststest: OIDC provider issuer %q is not an http(s) URL", p.IssuerURL)
	case len(p.ClientIDs) == 0:
		return fmt.Errorf("ststest: OIDC provider %s has no client IDs", p.IssuerURL)
	}
	return nil
}

// AddOIDCProvider registers (or replaces) an identity provider, keyed by
// its issuer URL. It panics if p.Validate fails.
func (s *Server) AddOIDCProvider(p OIDCProvider) {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	p.ClientIDs = append([]string(nil), p.ClientIDs...)
	s.oidc.mu.Lock()
	defer s.oidc.mu.Unlock()
	if s.oidc.byIssuer == nil {
		s.oidc.byIssuer = map[string]*oidcIssuer{}
	}
	s.oidc.byIssuer[p.IssuerURL] = &oidcIssuer{OIDCProvider: p}
}

// oidcProviders is the server's registry of identity providers; its zero
// value is empty and ready.
type oidcProviders struct {
	mu       sync.Mutex
	byIssuer map[string]*oidcIssuer
}

type oidcIssuer struct {
	OIDCProvider
	verifier *oidc.IDTokenVerifier // made on first use
}

// signingAlgs are the JWS algorithms STS accepts for ID tokens.
var signingAlgs = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}

// verifier returns the provider's signature verifier, fetching the
// discovery document the first time when the provider has no static keys.
func (s *Server) oidcVerifier(ctx context.Context, issuer string) (*oidcIssuer, *oidc.IDTokenVerifier, *apiError) {
	s.oidc.mu.Lock()
	iss, ok := s.oidc.byIssuer[issuer]
	var v *oidc.IDTokenVerifier
	if ok {
		v = iss.verifier
	}
	s.oidc.mu.Unlock()
	if !ok {
		return nil, nil, newError(400, "InvalidIdentityToken", msgNoOIDCProvider+issuer)
	}
	if v != nil {
		return iss, v, nil
	}
	// Expiry and audience are checked by the handler, to answer as STS does.
	cfg := &oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true, SupportedSigningAlgs: signingAlgs}
	if len(iss.Keys) > 0 {
		v = oidc.NewVerifier(issuer, &oidc.StaticKeySet{PublicKeys: iss.Keys}, cfg)
	} else {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		// The key set keeps its own client: the request's context ends
		// with the request, the key set lives on.
		prov, err := oidc.NewProvider(oidc.ClientContext(ctx, &http.Client{Timeout: 10 * time.Second}), issuer)
		if err != nil {
			return nil, nil, newError(400, "InvalidIdentityToken", msgNoKeys)
		}
		var keys struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := prov.Claims(&keys); err != nil || keys.JWKSURI == "" {
			return nil, nil, newError(400, "InvalidIdentityToken", msgNoKeys)
		}
		ks := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), &http.Client{Timeout: 10 * time.Second}), keys.JWKSURI)
		v = oidc.NewVerifier(issuer, ks, cfg)
	}
	s.oidc.mu.Lock()
	iss.verifier = v
	s.oidc.mu.Unlock()
	return iss, v, nil
}

type assumeRoleWithWebIdentityResult struct {
	XMLName                     xml.Name `xml:"AssumeRoleWithWebIdentityResult"`
	Credentials                 credentialsXML
	SubjectFromWebIdentityToken string
	AssumedRoleUser             struct {
		AssumedRoleId string
		Arn           string
	}
	Provider string
	Audience string
}

// webIdentityClaims are the claims STS reads from an ID token.
type webIdentityClaims struct {
	Issuer   string          `json:"iss"`
	Subject  string          `json:"sub"`
	Audience json.RawMessage `json:"aud"` // a string or an array
	Expiry   *json.Number    `json:"exp"`
}

func (c webIdentityClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Audience, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Audience, &many)
	return many
}

// unverifiedClaims decodes a JWT's payload without checking anything: STS
// must read iss to know whose keys verify the signature.
func unverifiedClaims(token string) (webIdentityClaims, bool) {
	var c webIdentityClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil || c.Issuer == "" {
		return c, false
	}
	return c, true
}

// assumeRoleWithWebIdentity is unsigned: the ID token is the caller's
// proof, checked against the registered OIDC provider of its issuer.
func (s *Server) assumeRoleWithWebIdentity(_ *principal, params url.Values) (any, *apiError) {
	var v validator
	roleARN := v.str(params, "RoleArn", "roleArn", true, 20, 2048, nil)
	sessionName := v.str(params, "RoleSessionName", "roleSessionName", true, 2, 64, sessionNameRE)
	token := v.str(params, "WebIdentityToken", "webIdentityToken", true, 4, 20000, nil)
	dur := v.duration(params, "DurationSeconds", "durationSeconds", 3600, 900, 43200)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}

	claims, ok := unverifiedClaims(token)
	if !ok {
		return nil, newError(400, "InvalidIdentityToken", msgNotJWT)
	}
	iss, verifier, aerr := s.oidcVerifier(context.Background(), claims.Issuer)
	if aerr != nil {
		return nil, aerr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := verifier.Verify(ctx, token); err != nil {
		return nil, newError(400, "InvalidIdentityToken", msgBadSignature)
	}
	audience := ""
	for _, a := range claims.audiences() {
		for _, id := range iss.ClientIDs {
			if a == id && audience == "" {
				audience = a
			}
		}
	}
	if audience == "" {
		return nil, newError(400, "InvalidIdentityToken", msgBadAudience)
	}
	var exp int64
	if claims.Expiry != nil {
		exp, _ = claims.Expiry.Int64()
	}
	if now := time.Now().Unix(); exp <= now {
		return nil, newError(400, "ExpiredTokenException",
			fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now, exp))
	}

	s.mu.Lock()
	role, ok := s.roles[roleARN]
	var r Role
	if ok {
		r = *role
	}
	s.mu.Unlock()
	if !ok {
		return nil, newError(403, "AccessDenied", msgWebIdentityAD)
	}
	if time.Duration(dur)*time.Second > r.MaxSessionDuration {
		return nil, newError(400, "ValidationError", msgMaxDur)
	}

	account, name, _ := parseRoleARN(roleARN)
	sess := &session{
		kind: kindRole,
		// Credentials need a user behind them to be used; a web identity
		// has none in IAM, so it stands as one of the role's account.
		user:    &User{Name: "web-identity", Account: account},
		roleARN: roleARN, roleAccount: account, roleName: name, sessionName: sessionName,
	}
	res := &assumeRoleWithWebIdentityResult{
		Credentials:                 s.issue(sess, dur),
		SubjectFromWebIdentityToken: claims.Subject,
		Provider:                    claims.Issuer,
		Audience:                    audience,
	}
	caller := principal{sess: sess}
	res.AssumedRoleUser.Arn = caller.arn()
	res.AssumedRoleUser.AssumedRoleId = caller.userID()
	return res, nil
}
