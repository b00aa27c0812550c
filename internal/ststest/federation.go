package ststest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The AWS sign-in federation endpoint, as the console's single sign-on
// uses it (docs: "Enable custom identity broker access to the AWS
// console"): getSigninToken trades a session's credentials for a sign-in
// token, and login trades the token for a console session. The server
// answers both at URL+"/federation", and shows the console at
// URL+"/console".
const (
	federationPath = "/federation"
	consolePath    = "/console"
	// signinTokenTTL is how long AWS accepts a sign-in token.
	signinTokenTTL = 15 * time.Minute
	consoleCookie  = "ststest-console"
)

type federation struct {
	tokens   map[string]*signin // by sign-in token
	consoles map[string]*signin // by console cookie
	logins   []Login
}

type signin struct {
	principal   principal
	expires     time.Time
	destination string
	used        bool
}

// Login is one console sign-in the federation endpoint completed.
type Login struct {
	Principal   string // the ARN signed in
	Issuer      string
	Destination string
}

// Logins returns the console sign-ins completed so far.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.fed.logins...)
}

// FederationURL is the federation endpoint's address.
func (s *Server) FederationURL() string { return s.URL + federationPath }

func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed request", http.StatusBadRequest)
		return
	}
	switch r.Form.Get("Action") {
	case "getSigninToken":
		s.getSigninToken(w, r)
	case "login":
		s.login(w, r)
	default:
		http.Error(w, "unknown Action", http.StatusBadRequest)
	}
}

// getSigninToken checks that Session holds temporary credentials this
// server issued (a role's or a federated user's: AWS refuses
// GetSessionToken's), unexpired, with their secret and token.
func (s *Server) getSigninToken(w http.ResponseWriter, r *http.Request) {
	var sess struct {
		ID    string `json:"sessionId"`
		Key   string `json:"sessionKey"`
		Token string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(r.Form.Get("Session")), &sess); err != nil || sess.ID == "" {
		s.recordFederation("getSigninToken", "", "MalformedSession")
		http.Error(w, "Session is not the session JSON", http.StatusBadRequest)
		return
	}
	var dur time.Duration
	if d := r.Form.Get("SessionDuration"); d != "" {
		var n int
		if _, err := fmt.Sscan(d, &n); err != nil || n < 900 || n > 43200 {
			s.recordFederation("getSigninToken", sess.ID, "InvalidSessionDuration")
			http.Error(w, "SessionDuration must be 900 to 43200", http.StatusBadRequest)
			return
		}
		dur = time.Duration(n) * time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issued[sess.ID]
	now := s.nowLocked()
	switch {
	case !ok || subtle.ConstantTimeCompare([]byte(sess.Key), []byte(is.secret)) != 1 ||
		subtle.ConstantTimeCompare([]byte(sess.Token), []byte(is.token)) != 1:
		s.recordFederationLocked("getSigninToken", sess.ID, "InvalidSession")
		http.Error(w, "the session's credentials are not valid", http.StatusForbidden)
		return
	case is.revoked || !now.Before(is.expires):
		s.recordFederationLocked("getSigninToken", sess.ID, "ExpiredSession")
		http.Error(w, "the session's credentials have expired", http.StatusForbidden)
		return
	case is.kind == kindSessionToken:
		s.recordFederationLocked("getSigninToken", sess.ID, "InvalidSession")
		http.Error(w, "GetSessionToken credentials cannot sign in to the console", http.StatusForbidden)
		return
	case is.kind == kindFederated && dur != 0:
		s.recordFederationLocked("getSigninToken", sess.ID, "InvalidSessionDuration")
		http.Error(w, "SessionDuration is not allowed with GetFederationToken credentials", http.StatusBadRequest)
		return
	}
	token := rand.Text() + rand.Text()
	if s.fed.tokens == nil {
		s.fed.tokens, s.fed.consoles = map[string]*signin{}, map[string]*signin{}
	}
	s.fed.tokens[token] = &signin{principal: principal{accessKeyID: sess.ID, user: is.user, sess: is}, expires: now.Add(signinTokenTTL)}
	s.recordFederationLocked("getSigninToken", sess.ID, "")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"SigninToken": token})
}

// login checks the sign-in token (once only) and the Destination (an
// https console URL), sets a console cookie and sends the browser to the
// console page.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	token, issuer, dest := r.Form.Get("SigninToken"), r.Form.Get("Issuer"), r.Form.Get("Destination")
	du, err := url.Parse(dest)
	if err != nil || du.Scheme != "https" || !strings.HasPrefix(du.Host, "console.") {
		s.recordFederation("login", "", "InvalidDestination")
		http.Error(w, "Destination must be an https console URL", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	si, ok := s.fed.tokens[token]
	now := s.nowLocked()
	if !ok || si.used || !now.Before(si.expires) {
		s.recordFederationLocked("login", "", "InvalidSigninToken")
		s.mu.Unlock()
		http.Error(w, "the sign-in token is not valid", http.StatusForbidden)
		return
	}
	si.used, si.destination = true, dest
	cookie := rand.Text()
	s.fed.consoles[cookie] = si
	s.fed.logins = append(s.fed.logins, Login{Principal: si.principal.arn(), Issuer: issuer, Destination: dest})
	s.recordFederationLocked("login", si.principal.accessKeyID, "")
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: cookie, Path: consolePath, HttpOnly: true})
	http.Redirect(w, r, consolePath, http.StatusFound)
}

// serveConsole is the console's front page: who is signed in, and where
// the sign-in URL asked to go.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(consoleCookie)
	s.mu.Lock()
	var si *signin
	if err == nil {
		si = s.fed.consoles[c.Value]
	}
	s.mu.Unlock()
	if si == nil {
		http.Error(w, "not signed in", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html><title>AWS console</title><p id=\"principal\">%s</p><p id=\"destination\">%s</p>\n",
		html.EscapeString(si.principal.arn()), html.EscapeString(si.destination))
}

func (s *Server) recordFederation(action, keyID, errCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordFederationLocked(action, keyID, errCode)
}

// recordFederationLocked records a federation request as a Call whose
// Action is "federation:" plus the action, and no Params (the session JSON
// holds the secret key).
func (s *Server) recordFederationLocked(action, keyID, errCode string) {
	s.calls = append(s.calls, Call{Time: s.nowLocked(), Action: "federation:" + action, Params: url.Values{}, AccessKeyID: keyID, Err: errCode})
}
