package idptest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// OktaAppPath is the path of the AWS app's embed link on the Okta server:
// the URL for saml_auth_url.
const OktaAppPath = "/home/amazon_aws/0oaidptest0aws/272"

const oktaSessionCookie = "sid"

// Okta follows the parts of Okta's Classic authentication API that a CLI
// uses to sign in to an app (developer.okta.com, "Authentication API"):
//
//	POST /api/v1/authn                        user name and password
//	POST /api/v1/authn/factors/{id}/verify    a TOTP code, or an Okta Verify
//	                                          push and its polls
//	GET  /login/sessionCookieRedirect         trade the sessionToken for the
//	                                          session cookie
//	GET  OktaAppPath                          the app's embed link: with the
//	                                          session cookie, the SAML response
//
// Without a session, the embed link redirects to the sign-in page, which
// is a script-only widget as on Okta, with no form to fill in.
type Okta struct {
	// URL is the base URL, http://127.0.0.1:PORT: the Okta org.
	URL string
	// CertPEM is the certificate the responses are signed with.
	CertPEM []byte

	*issuer
	hs *httptest.Server

	mu            sync.Mutex
	states        map[string]*oktaState // transactions, by stateToken
	sessionTokens map[string]oktaToken
	authns        int // passwords accepted
	failures      int // passwords and codes refused
	pushes        int // pushes sent
	polls         int
}

type oktaState struct {
	user    string
	expires time.Time
	polls   int  // of the current push
	pushing bool // a push is out
}

type oktaToken struct {
	user    string
	expires time.Time
}

// NewOkta starts an Okta org on 127.0.0.1 and closes it when the test ends.
func NewOkta(t TB) *Okta {
	t.Helper()
	o := StartOkta()
	t.Cleanup(o.Close)
	return o
}

// StartOkta starts an Okta org on 127.0.0.1; the caller must Close it.
func StartOkta() *Okta {
	o := &Okta{states: map[string]*oktaState{}, sessionTokens: map[string]oktaToken{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/authn", o.authn)
	mux.HandleFunc("POST /api/v1/authn/factors/{id}/verify", o.verify)
	mux.HandleFunc("GET /login/sessionCookieRedirect", o.sessionCookieRedirect)
	mux.HandleFunc("GET "+OktaAppPath, o.app)
	mux.HandleFunc("GET /login/login.htm", o.signInWidget)
	mux.HandleFunc("GET /app/amazon_aws/exkidptest/sso/saml/metadata", func(w http.ResponseWriter, r *http.Request) { o.idp.ServeMetadata(w, r) })
	o.hs = httptest.NewServer(mux)
	o.URL = o.hs.URL
	o.issuer = newIssuer(o.URL)
	o.CertPEM = o.certPEM
	return o
}

// Close stops the server.
func (o *Okta) Close() { o.hs.Close() }

// AddUser registers (or replaces) a user. Its factors are a
// token:software:totp when OTP is set and a push when Push is set.
func (o *Okta) AddUser(u User) { o.addUser(u) }

// AppURL is the AWS app's embed link.
func (o *Okta) AppURL() string { return o.URL + OktaAppPath }

// Authns counts the passwords accepted.
func (o *Okta) Authns() int { o.mu.Lock(); defer o.mu.Unlock(); return o.authns }

// Failures counts the passwords and codes refused.
func (o *Okta) Failures() int { o.mu.Lock(); defer o.mu.Unlock(); return o.failures }

// Pushes counts the Okta Verify pushes sent.
func (o *Okta) Pushes() int { o.mu.Lock(); defer o.mu.Unlock(); return o.pushes }

// ExpireSessions signs every user out.
func (o *Okta) ExpireSessions() { o.expireSessions() }

// Factor IDs: one of each kind per user, as Okta's IDs are per user.
const (
	totpFactorID = "uftidptest0totp"
	pushFactorID = "opfidptest0push"
)

type oktaError struct {
	ErrorCode    string              `json:"errorCode"`
	ErrorSummary string              `json:"errorSummary"`
	ErrorLink    string              `json:"errorLink"`
	ErrorID      string              `json:"errorId"`
	ErrorCauses  []map[string]string `json:"errorCauses"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oktaFail(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := oktaError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + rand.Text()[:20], ErrorCauses: []map[string]string{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, map[string]string{"errorSummary": c})
	}
	writeJSON(w, status, e)
}

type link struct {
	Name  string         `json:"name,omitempty"`
	Href  string         `json:"href"`
	Hints map[string]any `json:"hints,omitempty"`
}

func postLink(name, href string) link {
	return link{Name: name, Href: href, Hints: map[string]any{"allow": []string{"POST"}}}
}

func (o *Okta) factors(u User) []map[string]any {
	var fs []map[string]any
	add := func(id, typ, provider string) {
		fs = append(fs, map[string]any{
			"id": id, "factorType": typ, "provider": provider, "vendorName": provider,
			"profile": map[string]any{"credentialId": u.Name},
			"_links":  map[string]any{"verify": postLink("", o.URL+"/api/v1/authn/factors/"+id+"/verify")},
		})
	}
	if u.OTP != "" {
		add(totpFactorID, "token:software:totp", "OKTA")
	}
	if u.Push != "" {
		add(pushFactorID, "push", "OKTA")
	}
	return fs
}

func (o *Okta) authn(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		oktaFail(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		return
	}
	u, ok := o.user(in.Username)
	if !ok || u.Password == "" || subtle.ConstantTimeCompare([]byte(u.Password), []byte(in.Password)) != 1 {
		o.mu.Lock()
		o.failures++
		o.mu.Unlock()
		oktaFail(w, http.StatusUnauthorized, "E0000004", "Authentication failed")
		return
	}
	o.mu.Lock()
	o.authns++
	o.mu.Unlock()
	fs := o.factors(u)
	user := map[string]any{"id": "00uidptest" + u.Name, "profile": map[string]any{"login": u.Name}}
	if len(fs) == 0 {
		o.success(w, u.Name, user)
		return
	}
	st := rand.Text()
	exp := time.Now().Add(5 * time.Minute)
	o.mu.Lock()
	o.states[st] = &oktaState{user: u.Name, expires: exp}
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"stateToken": st, "expiresAt": exp.UTC().Format(time.RFC3339), "status": "MFA_REQUIRED",
		"_embedded": map[string]any{"user": user, "factors": fs},
		"_links":    map[string]any{"cancel": postLink("", o.URL+"/api/v1/authn/cancel")},
	})
}

// success ends a transaction with a one-time sessionToken.
func (o *Okta) success(w http.ResponseWriter, name string, user map[string]any) {
	tok := rand.Text()
	exp := time.Now().Add(5 * time.Minute)
	o.mu.Lock()
	o.sessionTokens[tok] = oktaToken{user: name, expires: exp}
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"expiresAt": exp.UTC().Format(time.RFC3339), "status": "SUCCESS", "sessionToken": tok,
		"_embedded": map[string]any{"user": user},
	})
}

func (o *Okta) verify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		StateToken string `json:"stateToken"`
		PassCode   string `json:"passCode"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		oktaFail(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		return
	}
	o.mu.Lock()
	st, ok := o.states[in.StateToken]
	if ok && !time.Now().Before(st.expires) {
		delete(o.states, in.StateToken)
		ok = false
	}
	var cp oktaState
	if ok {
		cp = *st
	}
	o.mu.Unlock()
	if !ok {
		oktaFail(w, http.StatusForbidden, "E0000011", "Invalid token provided")
		return
	}
	u, _ := o.user(cp.user)
	user := map[string]any{"id": "00uidptest" + u.Name, "profile": map[string]any{"login": u.Name}}
	switch r.PathValue("id") {
	case totpFactorID:
		if u.OTP == "" {
			break
		}
		if subtle.ConstantTimeCompare([]byte(u.OTP), []byte(in.PassCode)) != 1 {
			o.mu.Lock()
			o.failures++
			o.mu.Unlock()
			oktaFail(w, http.StatusForbidden, "E0000068", "Invalid Passcode/Answer", "Your passcode doesn't match our records. Please try again.")
			return
		}
		o.mu.Lock()
		delete(o.states, in.StateToken)
		o.mu.Unlock()
		o.success(w, u.Name, user)
		return
	case pushFactorID:
		if u.Push == "" {
			break
		}
		o.push(w, in.StateToken, u, user)
		return
	}
	oktaFail(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.PathValue("id")+" (UserFactor)")
}

// push answers a push verification: the first call sends the push, each
// later one is a poll, answered WAITING until the user's PushPolls are used.
func (o *Okta) push(w http.ResponseWriter, stateToken string, u User, user map[string]any) {
	o.mu.Lock()
	st := o.states[stateToken]
	if st == nil {
		o.mu.Unlock()
		oktaFail(w, http.StatusForbidden, "E0000011", "Invalid token provided")
		return
	}
	if !st.pushing {
		st.pushing, st.polls = true, 0
		o.pushes++
	} else {
		st.polls++
		o.polls++
	}
	polls := st.polls
	o.mu.Unlock()
	want := u.PushPolls
	if want <= 0 {
		want = 1
	}
	result := "WAITING"
	if polls >= want {
		switch u.Push {
		case PushApprove:
			o.mu.Lock()
			delete(o.states, stateToken)
			o.mu.Unlock()
			o.success(w, u.Name, user)
			return
		case PushReject:
			result = "REJECTED"
		default:
			result = "TIMEOUT"
		}
		o.mu.Lock()
		st.pushing = false
		o.mu.Unlock()
	}
	verify := o.URL + "/api/v1/authn/factors/" + pushFactorID + "/verify"
	links := map[string]any{"cancel": postLink("", o.URL+"/api/v1/authn/cancel"), "prev": postLink("", o.URL+"/api/v1/authn/previous")}
	if result == "WAITING" {
		links["next"] = postLink("poll", verify)
	} else {
		links["next"] = postLink("verify", verify)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"stateToken": stateToken, "status": "MFA_CHALLENGE", "factorResult": result,
		"_embedded": map[string]any{"user": user, "factor": map[string]any{"id": pushFactorID, "factorType": "push", "provider": "OKTA"}},
		"_links":    links,
	})
}

// sessionCookieRedirect trades a sessionToken for the session cookie and
// goes on to redirectUrl, which must be in this org.
func (o *Okta) sessionCookieRedirect(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target, err := url.Parse(q.Get("redirectUrl"))
	if err != nil || !strings.EqualFold(target.Scheme+"://"+target.Host, o.URL) {
		http.Error(w, "redirectUrl is not a trusted origin", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	tok, ok := o.sessionTokens[q.Get("token")]
	delete(o.sessionTokens, q.Get("token")) // one use
	o.mu.Unlock()
	if !ok || !time.Now().Before(tok.expires) {
		// Okta sends the user to the sign-in page.
		http.Redirect(w, r, "/login/login.htm?fromURI="+url.QueryEscape(target.RequestURI()), http.StatusFound)
		return
	}
	http.SetCookie(w, o.startSession(tok.user, oktaSessionCookie))
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func (o *Okta) app(w http.ResponseWriter, r *http.Request) {
	name, sess, ok := o.sessionUser(r, oktaSessionCookie)
	if !ok {
		http.Redirect(w, r, "/login/login.htm?fromURI="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
		return
	}
	o.issue(w, r, AWSSignInURL, name, sess)
}

func (o *Okta) signInWidget(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!DOCTYPE html><html><head><title>idptest Okta - Sign In</title></head>
<body><div id="okta-sign-in"></div><script src="/js/sign-in-widget.js"></script></body></html>
`))
}
