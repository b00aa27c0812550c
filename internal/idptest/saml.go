package idptest

import (
	"crypto/rand"
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

const (
	samlSessionCookie = "idptest_session"
	samlPendingCookie = "idptest_pending"
	samlCSRFCookie    = "idptest_csrf"
)

// SAML is a SAML identity provider with an HTML sign-in form, like
// Keycloak's or SimpleSAMLphp's: user name and password on one page, a
// one-time code on a second page for users with OTP, then a session cookie
// and an IdP-initiated SAML response for AWS.
//
// Paths:
//
//	/sso/aws         sign in to AWS: the URL for saml_auth_url
//	/sso/aws-local   the same, with the response addressed to /acs of this
//	                 server instead of AWS (see ACSURL)
//	/login           the sign-in form; /login/otp the one-time-code form
//	/acs             a stand-in consumer that counts the posts it receives
//	/metadata        the IdP's metadata
type SAML struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// CertPEM is the certificate the responses are signed with.
	CertPEM []byte

	*issuer
	hs *httptest.Server

	mu       sync.Mutex
	pending  map[string]pendingLogin // the OTP step, by cookie value
	logins   int                     // passwords accepted
	failures int                     // passwords or codes refused
	acsHits  int
}

type pendingLogin struct {
	user    string
	next    string
	expires time.Time
	tries   int
}

// NewSAML starts a SAML IdP on 127.0.0.1 and closes it when the test ends.
func NewSAML(t TB) *SAML {
	t.Helper()
	s := StartSAML()
	t.Cleanup(s.Close)
	return s
}

// StartSAML starts a SAML IdP on 127.0.0.1; the caller must Close it.
func StartSAML() *SAML {
	s := &SAML{pending: map[string]pendingLogin{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sso/aws", func(w http.ResponseWriter, r *http.Request) { s.sso(w, r, AWSSignInURL) })
	mux.HandleFunc("GET /sso/aws-local", func(w http.ResponseWriter, r *http.Request) { s.sso(w, r, s.ACSURL()) })
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /login/otp", s.otpForm)
	mux.HandleFunc("POST /login/otp", s.otp)
	mux.HandleFunc("/acs", s.acs)
	mux.HandleFunc("GET /metadata", func(w http.ResponseWriter, r *http.Request) { s.idp.ServeMetadata(w, r) })
	s.hs = httptest.NewServer(mux)
	s.URL = s.hs.URL
	s.issuer = newIssuer(s.URL)
	s.CertPEM = s.certPEM
	return s
}

// Close stops the server.
func (s *SAML) Close() { s.hs.Close() }

// AddUser registers (or replaces) a user.
func (s *SAML) AddUser(u User) { s.addUser(u) }

// SignInURL is where a user starts signing in to AWS.
func (s *SAML) SignInURL() string { return s.URL + "/sso/aws" }

// LocalSignInURL is SignInURL with responses addressed to ACSURL.
func (s *SAML) LocalSignInURL() string { return s.URL + "/sso/aws-local" }

// ACSURL is this server's stand-in for AWS's sign-in endpoint.
func (s *SAML) ACSURL() string { return s.URL + "/acs" }

// EntityID is the issuer of the IdP's assertions.
func (s *SAML) EntityID() string { return s.URL + "/metadata" }

// Logins counts the passwords the IdP accepted.
func (s *SAML) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Failures counts the passwords and codes the IdP refused.
func (s *SAML) Failures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures
}

// ACSHits counts the requests /acs received.
func (s *SAML) ACSHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acsHits
}

// Issued counts the SAML responses issued.
func (s *SAML) Issued() int {
	s.issuer.mu.Lock()
	defer s.issuer.mu.Unlock()
	return s.issued
}

// ExpireSessions signs every user out: the next sign-in needs a password.
func (s *SAML) ExpireSessions() { s.expireSessions() }

func (s *SAML) sso(w http.ResponseWriter, r *http.Request, acsURL string) {
	name, sess, ok := s.sessionUser(r, samlSessionCookie)
	if !ok {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
		return
	}
	s.issue(w, r, acsURL, name, sess)
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><head><title>Sign in to idptest</title></head>
<body>
<h1>Sign in</h1>
{{if .Error}}<p class="alert alert-error" id="error">{{.Error}}</p>{{end}}
<form id="login" method="post" action="/login?next={{.Next}}">
<label for="username">User name</label>
<input type="text" id="username" name="username" value="{{.User}}" autocomplete="username" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<input type="checkbox" name="remember" value="on" id="remember"><label for="remember">Remember me</label>
<input type="submit" name="login" id="submit" value="Sign in">
</form>
</body></html>
`))

var otpPage = template.Must(template.New("otp").Parse(`<!DOCTYPE html>
<html><head><title>One-time code</title></head>
<body>
<h1>Enter the code from your authenticator</h1>
{{if .Error}}<p class="alert alert-error" id="error">{{.Error}}</p>{{end}}
<form id="otp-form" method="post" action="/login/otp">
<input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" autofocus>
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" id="submit">Verify</button>
</form>
</body></html>
`))

type pageData struct {
	Next, User, Error, CSRF string
}

// csrf returns the request's CSRF token, setting a new one if it has none.
func csrf(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(samlCSRFCookie); err == nil && c.Value != "" {
		return c.Value
	}
	v := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: samlCSRFCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return v
}

func csrfOK(r *http.Request) bool {
	c, err := r.Cookie(samlCSRFCookie)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) == 1
}

func render(w http.ResponseWriter, t *template.Template, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = t.Execute(w, d)
}

func (s *SAML) loginForm(w http.ResponseWriter, r *http.Request) {
	render(w, loginPage, http.StatusOK, pageData{Next: localPath(r.URL.Query().Get("next")), CSRF: csrf(w, r)})
}

func (s *SAML) login(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if !csrfOK(r) {
		http.Error(w, "the sign-in form expired; start again", http.StatusBadRequest)
		return
	}
	name := r.PostFormValue("username")
	u, ok := s.user(name)
	if !ok || u.Password == "" || subtle.ConstantTimeCompare([]byte(u.Password), []byte(r.PostFormValue("password"))) != 1 {
		s.mu.Lock()
		s.failures++
		s.mu.Unlock()
		// Like Keycloak: the form again, with a message, and status 200.
		render(w, loginPage, http.StatusOK, pageData{Next: next, User: name, Error: "Invalid username or password.", CSRF: csrf(w, r)})
		return
	}
	s.mu.Lock()
	s.logins++
	s.mu.Unlock()
	if u.OTP == "" {
		http.SetCookie(w, s.startSession(name, samlSessionCookie))
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	id := rand.Text()
	s.mu.Lock()
	s.pending[id] = pendingLogin{user: name, next: next, expires: time.Now().Add(5 * time.Minute)}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: samlPendingCookie, Value: id, Path: "/login", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login/otp", http.StatusSeeOther)
}

func (s *SAML) pendingOf(r *http.Request) (string, pendingLogin, bool) {
	c, err := r.Cookie(samlPendingCookie)
	if err != nil {
		return "", pendingLogin{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[c.Value]
	if !ok || !time.Now().Before(p.expires) {
		return "", pendingLogin{}, false
	}
	return c.Value, p, true
}

func (s *SAML) otpForm(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.pendingOf(r); !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	render(w, otpPage, http.StatusOK, pageData{CSRF: csrf(w, r)})
}

func (s *SAML) otp(w http.ResponseWriter, r *http.Request) {
	id, p, ok := s.pendingOf(r)
	if !ok || !csrfOK(r) {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u, _ := s.user(p.user)
	if u.OTP == "" || subtle.ConstantTimeCompare([]byte(u.OTP), []byte(r.PostFormValue("otp"))) != 1 {
		s.mu.Lock()
		s.failures++
		p.tries++
		if p.tries >= 3 {
			delete(s.pending, id)
		} else {
			s.pending[id] = p
		}
		s.mu.Unlock()
		render(w, otpPage, http.StatusOK, pageData{Error: "Invalid authenticator code.", CSRF: csrf(w, r)})
		return
	}
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: samlPendingCookie, Value: "", Path: "/login", MaxAge: -1})
	http.SetCookie(w, s.startSession(p.user, samlSessionCookie))
	http.Redirect(w, r, p.next, http.StatusSeeOther)
}

func (s *SAML) acs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.acsHits++
	s.mu.Unlock()
	http.Error(w, "idptest: this stand-in for AWS must never be reached", http.StatusTeapot)
}
