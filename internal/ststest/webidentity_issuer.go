package ststest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// OIDCIssuer is a small OpenID provider for tests of web identity
// sign-in: discovery, a JWKS, the authorization code flow with PKCE (S256),
// refresh tokens and the device authorization grant. Every sign-in is
// approved at once, as OIDCBehavior.Subject, unless the behavior says
// otherwise; a device code is approved when its verification_uri_complete
// is fetched. Tests needing a real provider use tools/oidc-provider.
//
// Register it with STS as an OIDCProvider{IssuerURL: iss.URL, ClientIDs:
// ..., Keys: iss.PublicKeys()}, or without Keys to make STS fetch them.
type OIDCIssuer struct {
	URL string

	hs  *httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	b        OIDCBehavior
	codes    map[string]*oidcGrant // authorization codes
	refresh  map[string]*oidcGrant // refresh tokens
	devices  map[string]*oidcGrant // device codes
	byUser   map[string]string     // user code -> device code
	counts   map[string]int
	serialNo int
}

// OIDCBehavior steers an OIDCIssuer.
type OIDCBehavior struct {
	ClientIDs []string // clients it knows; default "aws-runas"
	Subject   string   // default "alice"
	Email     string   // "" for none
	// Audience, when set, replaces the client ID in the aud claim.
	Audience   string
	IDTokenTTL time.Duration // default 1h; negative: already expired
	// Deny answers every sign-in with access_denied.
	Deny bool
	// NoRefreshToken leaves the refresh token out of token answers.
	NoRefreshToken bool
	// RefreshFails answers refresh requests with invalid_grant.
	RefreshFails bool
	// NoDevice leaves the device endpoint out of discovery.
	NoDevice bool
	// DeviceInterval is the interval answered in seconds; 0 answers none.
	DeviceInterval int
	// DeviceTTL is how long a device code lives; default 10m.
	DeviceTTL time.Duration
	// SlowDown answers that many device polls slow_down.
	SlowDown int
}

type oidcGrant struct {
	clientID, redirectURI, challenge, nonce, scope string
	approved, denied                               bool
	expires                                        time.Time
	lastPoll                                       time.Time
}

// StartOIDCIssuer starts an issuer on 127.0.0.1; the caller must Close it.
func StartOIDCIssuer() *OIDCIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	i := &OIDCIssuer{key: key, codes: map[string]*oidcGrant{}, refresh: map[string]*oidcGrant{},
		devices: map[string]*oidcGrant{}, byUser: map[string]string{}, counts: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", i.discovery)
	mux.HandleFunc("GET /jwks", i.jwks)
	mux.HandleFunc("GET /authorize", i.authorize)
	mux.HandleFunc("POST /token", i.token)
	mux.HandleFunc("POST /device/auth", i.deviceAuth)
	mux.HandleFunc("GET /device", i.deviceVerify)
	i.hs = httptest.NewServer(mux)
	i.URL = i.hs.URL
	return i
}

// NewOIDCIssuer starts an issuer and closes it when the test ends.
func NewOIDCIssuer(t TB) *OIDCIssuer {
	t.Helper()
	i := StartOIDCIssuer()
	t.Cleanup(i.Close)
	return i
}

// Close stops the issuer.
func (i *OIDCIssuer) Close() { i.hs.Close() }

// Behave replaces the issuer's behavior.
func (i *OIDCIssuer) Behave(b OIDCBehavior) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.b = b
}

// Count is how many requests an endpoint answered: "authorize", "device",
// "verify" (a device code entered), or "token:GRANT" with GRANT
// authorization_code, refresh_token or device_code.
func (i *OIDCIssuer) Count(what string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.counts[what]
}

// PublicKeys are the keys that verify the issuer's tokens.
func (i *OIDCIssuer) PublicKeys() []crypto.PublicKey { return []crypto.PublicKey{&i.key.PublicKey} }

// Mint signs an ID token with the issuer's key: iss is the issuer, the
// other claims are given (aud, sub, exp as a time.Time or Unix seconds...).
func (i *OIDCIssuer) Mint(claims map[string]any) string {
	c := map[string]any{"iss": i.URL, "iat": time.Now().Unix()}
	for k, v := range claims {
		if t, ok := v.(time.Time); ok {
			v = t.Unix()
		}
		c[k] = v
	}
	payload, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: i.key, KeyID: "test-key"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return s
}

func (i *OIDCIssuer) behavior() OIDCBehavior {
	i.mu.Lock()
	defer i.mu.Unlock()
	b := i.b
	if len(b.ClientIDs) == 0 {
		b.ClientIDs = []string{"aws-runas"}
	}
	b.Subject = oidcOr(b.Subject, "alice")
	if b.IDTokenTTL == 0 {
		b.IDTokenTTL = time.Hour
	}
	if b.DeviceTTL == 0 {
		b.DeviceTTL = 10 * time.Minute
	}
	return b
}

func (i *OIDCIssuer) count(what string) {
	i.mu.Lock()
	i.counts[what]++
	i.mu.Unlock()
}

func oidcOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (i *OIDCIssuer) discovery(w http.ResponseWriter, _ *http.Request) {
	doc := map[string]any{
		"issuer":                                i.URL,
		"authorization_endpoint":                i.URL + "/authorize",
		"token_endpoint":                        i.URL + "/token",
		"jwks_uri":                              i.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "offline_access"},
		"code_challenge_methods_supported":      []string{"S256"},
	}
	if !i.behavior().NoDevice {
		doc["device_authorization_endpoint"] = i.URL + "/device/auth"
	}
	oidcWriteJSON(w, http.StatusOK, doc)
}

func (i *OIDCIssuer) jwks(w http.ResponseWriter, _ *http.Request) {
	oidcWriteJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &i.key.PublicKey, KeyID: "test-key", Algorithm: "RS256", Use: "sig"}}})
}

func (i *OIDCIssuer) knownClient(b OIDCBehavior, id string) bool {
	for _, c := range b.ClientIDs {
		if c == id {
			return true
		}
	}
	return false
}

func (i *OIDCIssuer) authorize(w http.ResponseWriter, r *http.Request) {
	i.count("authorize")
	b := i.behavior()
	q := r.URL.Query()
	red, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || red.Scheme != "http" || !i.knownClient(b, q.Get("client_id")) {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	answer := url.Values{"state": {q.Get("state")}}
	switch {
	case b.Deny:
		answer.Set("error", "access_denied")
		answer.Set("error_description", "End-User aborted interaction")
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		answer.Set("error", "invalid_request")
		answer.Set("error_description", "PKCE with S256 is required")
	default:
		code := randomBase64(24)
		i.mu.Lock()
		i.codes[code] = &oidcGrant{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"),
			challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), scope: q.Get("scope"), expires: time.Now().Add(time.Minute)}
		i.mu.Unlock()
		answer.Set("code", code)
	}
	red.RawQuery = answer.Encode()
	http.Redirect(w, r, red.String(), http.StatusFound)
}

func (i *OIDCIssuer) deviceAuth(w http.ResponseWriter, r *http.Request) {
	i.count("device")
	b := i.behavior()
	if !i.knownClient(b, r.PostFormValue("client_id")) {
		oidcWriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	dc, uc := randomBase64(24), fmt.Sprintf("WDJB-%04d", i.serial())
	i.mu.Lock()
	i.devices[dc] = &oidcGrant{clientID: r.PostFormValue("client_id"), scope: r.PostFormValue("scope"), expires: time.Now().Add(b.DeviceTTL)}
	i.byUser[uc] = dc
	i.mu.Unlock()
	ans := map[string]any{
		"device_code":               dc,
		"user_code":                 uc,
		"verification_uri":          i.URL + "/device",
		"verification_uri_complete": i.URL + "/device?user_code=" + uc,
		"expires_in":                int(b.DeviceTTL / time.Second),
	}
	if b.DeviceInterval > 0 {
		ans["interval"] = b.DeviceInterval
	}
	oidcWriteJSON(w, http.StatusOK, ans)
}

func (i *OIDCIssuer) serial() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.serialNo++
	return i.serialNo
}

// deviceVerify is the user entering the code: approved, or denied.
func (i *OIDCIssuer) deviceVerify(w http.ResponseWriter, r *http.Request) {
	i.count("verify")
	b := i.behavior()
	i.mu.Lock()
	g := i.devices[i.byUser[r.URL.Query().Get("user_code")]]
	if g != nil {
		g.approved, g.denied = !b.Deny, b.Deny
	}
	i.mu.Unlock()
	if g == nil {
		http.Error(w, "unknown code", http.StatusNotFound)
		return
	}
	fmt.Fprintln(w, "done")
}

func (i *OIDCIssuer) token(w http.ResponseWriter, r *http.Request) {
	grant := r.PostFormValue("grant_type")
	short := map[string]string{"urn:ietf:params:oauth:grant-type:device_code": "device_code"}[grant]
	i.count("token:" + oidcOr(short, grant))
	b := i.behavior()
	fail := func(code, desc string) {
		oidcWriteJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
	}
	client := r.PostFormValue("client_id")
	if !i.knownClient(b, client) || r.PostFormValue("client_secret") != "" {
		oidcWriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	var g *oidcGrant
	i.mu.Lock()
	switch grant {
	case "authorization_code":
		g = i.codes[r.PostFormValue("code")]
		delete(i.codes, r.PostFormValue("code"))
		i.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		switch {
		case g == nil || time.Now().After(g.expires) || g.clientID != client:
			fail("invalid_grant", "unknown or used code")
			return
		case g.redirectURI != r.PostFormValue("redirect_uri"):
			fail("invalid_grant", "redirect_uri mismatch")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			fail("invalid_grant", "PKCE verification failed")
			return
		}
	case "refresh_token":
		g = i.refresh[r.PostFormValue("refresh_token")]
		delete(i.refresh, r.PostFormValue("refresh_token")) // rotated
		i.mu.Unlock()
		if g == nil || b.RefreshFails || g.clientID != client {
			fail("invalid_grant", "refresh token not valid")
			return
		}
		g = &oidcGrant{clientID: g.clientID, scope: g.scope} // no nonce on refresh
	case "urn:ietf:params:oauth:grant-type:device_code":
		g = i.devices[r.PostFormValue("device_code")]
		var errCode string
		switch {
		case g == nil || g.clientID != client:
			errCode = "invalid_grant"
		case time.Now().After(g.expires):
			errCode = "expired_token"
		case b.SlowDown > 0:
			i.b.SlowDown--
			errCode = "slow_down"
		case g.denied:
			errCode = "access_denied"
		case !g.approved:
			errCode = "authorization_pending"
		}
		if g != nil {
			g.lastPoll = time.Now()
		}
		if errCode == "" || errCode == "access_denied" {
			delete(i.devices, r.PostFormValue("device_code"))
		}
		i.mu.Unlock()
		if errCode != "" {
			fail(errCode, "")
			return
		}
	default:
		i.mu.Unlock()
		fail("unsupported_grant_type", grant)
		return
	}

	claims := map[string]any{"sub": b.Subject, "aud": oidcOr(b.Audience, client), "exp": time.Now().Add(b.IDTokenTTL)}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if b.Email != "" {
		claims["email"] = b.Email
	}
	ans := map[string]any{
		"access_token": randomBase64(24),
		"token_type":   "Bearer",
		"expires_in":   3600,
		"id_token":     i.Mint(claims),
	}
	if !b.NoRefreshToken {
		rt := randomBase64(24)
		i.mu.Lock()
		i.refresh[rt] = &oidcGrant{clientID: client, scope: g.scope}
		i.mu.Unlock()
		ans["refresh_token"] = rt
	}
	oidcWriteJSON(w, http.StatusOK, ans)
}

func oidcWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
