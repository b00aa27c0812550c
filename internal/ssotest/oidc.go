package ssotest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Grant types, as CreateToken's grantType and RegisterClient's grantTypes.
const (
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// codeTTL is how long an authorization code may wait for CreateToken.
const codeTTL = 5 * time.Minute

type client struct {
	id, secret, name string
	scopes           []string
	grants           []string
	redirectURIs     []string
	expires          time.Time
}

// session is one sign-in: every token it led to ends with it.
type session struct {
	end       time.Time
	loggedOut bool
}

type grant struct {
	sess    *session
	client  *client
	expires time.Time
	used    bool // refresh tokens: each is good for one refresh
}

type device struct {
	code, userCode   string
	client           *client
	expires          time.Time
	lastPoll         time.Time
	approved, denied bool
	used             bool
}

type authorize struct {
	id                 string
	client             *client
	redirectURI, state string
	challenge          string
	scopes             []string
	expires            time.Time
	used               bool
}

// oidcError answers like the SSO OIDC service: the exception's name in
// x-amzn-ErrorType and OAuth's error and error_description in the body.
type oidcError struct {
	status      int
	typ, code   string
	description string
}

func (e *oidcError) Error() string { return e.typ + ": " + e.description }

func errInvalidClient(desc string) *oidcError {
	return &oidcError{401, "InvalidClientException", "invalid_client", desc}
}
func errInvalidRequest(desc string) *oidcError {
	return &oidcError{400, "InvalidRequestException", "invalid_request", desc}
}
func errInvalidGrant(desc string) *oidcError {
	return &oidcError{400, "InvalidGrantException", "invalid_grant", desc}
}

func (s *Server) serveOIDC(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/authorize" || r.URL.Path == "/device":
		s.servePage(w, r)
		return
	case r.Method != http.MethodPost:
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	var op string
	var call Call
	var out any
	var oerr *oidcError
	switch r.URL.Path {
	case "/client/register":
		op = "RegisterClient"
		out, oerr = s.registerClient(body)
	case "/device_authorization":
		op = "StartDeviceAuthorization"
		out, oerr = s.startDeviceAuthorization(body)
	case "/token":
		op = "CreateToken"
		out, oerr = s.createToken(body, &call)
	default:
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	call.Op = op
	if oerr != nil {
		call.Err = oerr.typ
	}
	s.record(call)
	w.Header().Set("Content-Type", "application/json")
	if oerr != nil {
		w.Header().Set("X-Amzn-ErrorType", oerr.typ)
		w.WriteHeader(oerr.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": oerr.code, "error_description": oerr.description})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func decode(body []byte, v any) *oidcError {
	if err := json.Unmarshal(body, v); err != nil {
		return errInvalidRequest("malformed request body")
	}
	return nil
}

// authClient finds a client by its ID and secret; s.mu must be held.
func (s *Server) authClient(id, sec string) (*client, *oidcError) {
	c, ok := s.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.secret), []byte(sec)) != 1 {
		return nil, errInvalidClient("Invalid client provided")
	}
	if !s.now().Before(c.expires) {
		return nil, errInvalidClient("Client registration has expired")
	}
	return c, nil
}

func (s *Server) registerClient(body []byte) (any, *oidcError) {
	var in struct {
		ClientName   string   `json:"clientName"`
		ClientType   string   `json:"clientType"`
		Scopes       []string `json:"scopes"`
		RedirectURIs []string `json:"redirectUris"`
		GrantTypes   []string `json:"grantTypes"`
		IssuerURL    string   `json:"issuerUrl"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch {
	case in.ClientName == "":
		return nil, errInvalidRequest("clientName is required")
	case in.ClientType != "public":
		return nil, &oidcError{400, "InvalidClientMetadataException", "invalid_client_metadata", "clientType must be public"}
	case in.IssuerURL != "" && in.IssuerURL != s.cfg.StartURL:
		return nil, errInvalidRequest("issuerUrl is not this instance's start URL")
	}
	grants := in.GrantTypes
	if len(grants) == 0 {
		grants = []string{GrantDeviceCode, GrantRefreshToken}
	}
	for _, g := range grants {
		if g != GrantDeviceCode && g != GrantAuthorizationCode && g != GrantRefreshToken {
			return nil, &oidcError{400, "InvalidClientMetadataException", "invalid_client_metadata", "unsupported grant type"}
		}
	}
	if slices.Contains(grants, GrantAuthorizationCode) {
		if len(in.RedirectURIs) == 0 || in.IssuerURL == "" {
			return nil, errInvalidRequest("authorization_code needs redirectUris and issuerUrl")
		}
		for _, u := range in.RedirectURIs {
			if _, ok := loopbackURL(u); !ok {
				return nil, &oidcError{400, "InvalidRedirectUriException", "invalid_redirect_uri", "redirect URI must be a loopback http URL"}
			}
		}
	}
	now := s.now()
	c := &client{id: secret("client-", 12), secret: secret("client-secret-", 24), name: in.ClientName,
		scopes: in.Scopes, grants: grants, redirectURIs: in.RedirectURIs, expires: now.Add(s.cfg.RegistrationTTL)}
	s.mu.Lock()
	s.clients[c.id] = c
	s.mu.Unlock()
	return map[string]any{
		"clientId": c.id, "clientSecret": c.secret,
		"clientIdIssuedAt": now.Unix(), "clientSecretExpiresAt": c.expires.Unix(),
	}, nil
}

func (s *Server) startDeviceAuthorization(body []byte) (any, *oidcError) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		StartURL     string `json:"startUrl"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.authClient(in.ClientID, in.ClientSecret)
	if e != nil {
		return nil, e
	}
	if !slices.Contains(c.grants, GrantDeviceCode) {
		return nil, &oidcError{400, "UnauthorizedClientException", "unauthorized_client", "Client is not registered for the device code grant"}
	}
	if in.StartURL != s.cfg.StartURL {
		return nil, errInvalidRequest("startUrl is not this instance's start URL")
	}
	d := &device{code: secret("device-", 24), userCode: userCode(), client: c, expires: s.now().Add(s.cfg.DeviceCodeTTL)}
	s.devices[d.code] = d
	verify := s.OIDCURL + "/device"
	return map[string]any{
		"deviceCode": d.code, "userCode": d.userCode,
		"verificationUri": verify, "verificationUriComplete": verify + "?user_code=" + d.userCode,
		"expiresIn": int(s.cfg.DeviceCodeTTL / time.Second), "interval": int(s.cfg.PollInterval / time.Second),
	}, nil
}

// userCode is eight letters as XXXX-XXXX, without look-alikes.
func userCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ"
	b := []byte(secret("", 8))
	out := make([]byte, 0, 9)
	for i := range 8 {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(b[i])%len(alphabet)])
	}
	return string(out)
}

func (s *Server) createToken(body []byte, call *Call) (any, *oidcError) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		GrantType    string `json:"grantType"`
		DeviceCode   string `json:"deviceCode"`
		Code         string `json:"code"`
		RefreshToken string `json:"refreshToken"`
		RedirectURI  string `json:"redirectUri"`
		CodeVerifier string `json:"codeVerifier"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	call.Grant = in.GrantType
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.authClient(in.ClientID, in.ClientSecret)
	if e != nil {
		return nil, e
	}
	if !slices.Contains(c.grants, in.GrantType) {
		return nil, &oidcError{400, "UnauthorizedClientException", "unauthorized_client", "Client is not registered for this grant type"}
	}
	now := s.now()
	switch in.GrantType {
	case GrantDeviceCode:
		d, ok := s.devices[in.DeviceCode]
		switch {
		case !ok || d.client != c || d.used:
			return nil, errInvalidGrant("Invalid grant provided")
		case !now.Before(d.expires):
			return nil, &oidcError{400, "ExpiredTokenException", "expired_token", "Device code has expired"}
		case d.denied:
			return nil, &oidcError{400, "AccessDeniedException", "access_denied", "The user denied the request"}
		case !d.approved:
			tooSoon := !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < s.cfg.PollInterval
			d.lastPoll = now
			if tooSoon {
				return nil, &oidcError{400, "SlowDownException", "slow_down", "Client is polling too fast"}
			}
			return nil, &oidcError{400, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending"}
		}
		d.used = true
		return s.issueTokens(c, &session{end: now.Add(s.cfg.SessionTTL)}), nil
	case GrantAuthorizationCode:
		a, ok := s.codes[in.Code]
		if !ok || a.client != c || a.used || !now.Before(a.expires) {
			return nil, errInvalidGrant("Invalid authorization code")
		}
		a.used = true // a code is burnt even by a failed attempt, as OAuth asks
		if in.RedirectURI != a.redirectURI {
			return nil, errInvalidGrant("redirectUri does not match the authorization request")
		}
		sum := sha256.Sum256([]byte(in.CodeVerifier))
		if len(in.CodeVerifier) < 43 || len(in.CodeVerifier) > 128 ||
			subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(a.challenge)) != 1 {
			return nil, errInvalidGrant("PKCE code verifier does not match the challenge")
		}
		return s.issueTokens(c, &session{end: now.Add(s.cfg.SessionTTL)}), nil
	case GrantRefreshToken:
		g, ok := s.refresh[in.RefreshToken]
		if !ok || g.client != c || g.used || g.sess.loggedOut || !now.Before(g.expires) {
			return nil, errInvalidGrant("Invalid refresh token provided")
		}
		g.used = true
		return s.issueTokens(c, g.sess), nil
	}
	return nil, &oidcError{400, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type"}
}

// issueTokens makes an access token, and a refresh token when the client
// registered scopes; s.mu must be held.
func (s *Server) issueTokens(c *client, sess *session) map[string]any {
	now := s.now()
	exp := min(s.cfg.AccessTokenTTL, sess.end.Sub(now))
	access := secret("access-", 32)
	s.access[access] = &grant{sess: sess, client: c, expires: now.Add(exp)}
	out := map[string]any{"accessToken": access, "tokenType": "Bearer", "expiresIn": int(exp / time.Second)}
	if len(c.scopes) > 0 && slices.Contains(c.grants, GrantRefreshToken) {
		ref := secret("refresh-", 32)
		s.refresh[ref] = &grant{sess: sess, client: c, expires: sess.end}
		out["refreshToken"] = ref
	}
	return out
}

// loopbackURL parses an http URL of 127.0.0.1, [::1] or localhost.
func loopbackURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil {
		return nil, false
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); (ip == nil || !ip.IsLoopback()) && h != "localhost" {
		return nil, false
	}
	return u, true
}

// redirectAllowed: RFC 8252 7.3, a loopback redirect may use any port.
func redirectAllowed(c *client, raw string) bool {
	u, ok := loopbackURL(raw)
	if !ok {
		return false
	}
	for _, r := range c.redirectURIs {
		if reg, ok := loopbackURL(r); ok && reg.Hostname() == u.Hostname() && reg.Path == u.Path {
			return true
		}
	}
	return false
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1>
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if .Form}}<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}{{if .UserCode}}<label>Code <input type="text" name="user_code" id="user_code" value="{{.UserCode}}"></label>
{{end}}<button type="submit" name="action" value="allow" id="allow">Allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
</form>{{end}}
</body></html>
`))

type page struct {
	Title, Message string
	Form           bool
	Action         string
	Hidden         map[string]string
	UserCode       string
}

func (s *Server) writePage(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, p)
}

// servePage serves what a user sees in a browser: the consent page of the
// authorization code flow and the code entry page of the device flow.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	call := Call{Op: "Authorize"}
	if r.Method == http.MethodPost {
		call.Op = "Approve"
		_ = r.ParseForm()
	}
	defer func() { s.record(call) }()
	fail := func(status int, code, msg string) {
		call.Err = code
		s.writePage(w, status, page{Title: "Error", Message: msg})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	switch {
	case r.URL.Path == "/device" && r.Method == http.MethodGet:
		s.writePage(w, 200, page{Title: "Authorize request", Message: "Enter the code shown by the application.",
			Form: true, Action: "/device", UserCode: r.URL.Query().Get("user_code")})
	case r.URL.Path == "/device" && r.Method == http.MethodPost:
		code := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("user_code")))
		var d *device
		for _, cand := range s.devices {
			if cand.userCode == code && !cand.used && now.Before(cand.expires) {
				d = cand
			}
		}
		if d == nil {
			fail(400, "InvalidUserCode", "That code is not valid, or has expired.")
			return
		}
		if r.PostForm.Get("action") != "allow" {
			d.denied = true
			s.writePage(w, 200, page{Title: "Request denied"})
			return
		}
		d.approved = true
		s.logins++
		s.writePage(w, 200, page{Title: "Request approved", Message: "You may close this window."})
	case r.Method == http.MethodGet:
		q := r.URL.Query()
		c, ok := s.clients[q.Get("client_id")]
		switch {
		case !ok || !now.Before(c.expires):
			fail(400, "InvalidClientException", "Unknown or expired client.")
			return
		case !slices.Contains(c.grants, GrantAuthorizationCode):
			fail(400, "UnauthorizedClientException", "Client is not registered for the authorization code grant.")
			return
		case !redirectAllowed(c, q.Get("redirect_uri")):
			fail(400, "InvalidRedirectUriException", "The redirect URI is not registered for this client.")
			return
		case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("state") == "":
			fail(400, "InvalidRequestException", "response_type=code, state and an S256 code_challenge are required.")
			return
		}
		a := &authorize{id: secret("request-", 16), client: c, redirectURI: q.Get("redirect_uri"), state: q.Get("state"),
			challenge: q.Get("code_challenge"), scopes: strings.Fields(q.Get("scopes")), expires: now.Add(codeTTL)}
		s.pending[a.id] = a
		s.writePage(w, 200, page{Title: "Allow " + c.name + " to access your data?",
			Message: fmt.Sprintf("Signed in as %s.", s.cfg.UserName),
			Form:    true, Action: "/authorize", Hidden: map[string]string{"request": a.id}})
	default:
		a, ok := s.pending[r.PostForm.Get("request")]
		if !ok || !now.Before(a.expires) {
			fail(400, "InvalidRequestException", "This sign-in request is not valid, or has expired.")
			return
		}
		delete(s.pending, a.id)
		target, _ := url.Parse(a.redirectURI)
		v := url.Values{"state": {a.state}}
		if r.PostForm.Get("action") != "allow" {
			v.Set("error", "access_denied")
		} else {
			code := secret("code-", 24)
			a.expires = now.Add(codeTTL)
			s.codes[code] = a
			s.logins++
			v.Set("code", code)
		}
		target.RawQuery = v.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
	}
}
