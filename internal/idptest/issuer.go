// Package idptest runs identity providers on loopback for tests: a SAML IdP
// with an HTML sign-in form and an optional one-time-code step (SAML), and
// an Okta-like IdP that speaks Okta's authentication API (Okta). Both issue
// SAML responses for AWS, signed with their own certificate by
// github.com/crewjam/saml, and both keep their sign-in sessions in cookies,
// as real IdPs do.
//
// Register an IdP with the STS test server by its certificate:
//
//	idp := idptest.NewSAML(t)
//	idp.AddUser(idptest.User{Name: "alice", Password: "pw",
//		Roles: []string{"arn:aws:iam::111122223333:role/admin,arn:aws:iam::111122223333:saml-provider/idp"}})
//	sts.AddSAMLProvider("arn:aws:iam::111122223333:saml-provider/idp", idp.CertPEM)
package idptest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"html/template"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// AWS's names for the SAML service provider and its attributes.
const (
	// AWSEntityID is the audience of an assertion for AWS.
	AWSEntityID = "urn:amazon:webservices"
	// AWSSignInURL is AWS's assertion consumer service.
	AWSSignInURL = "https://signin.aws.amazon.com/saml"

	AttrRole            = "https://aws.amazon.com/SAML/Attributes/Role"
	AttrRoleSessionName = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	AttrSessionDuration = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
)

// TB is the part of testing.TB the constructors use.
type TB interface {
	Helper()
	Cleanup(func())
}

// User is a person who signs in at an IdP.
type User struct {
	Name     string
	Password string
	// OTP is the code the user's authenticator always shows; "" means the
	// IdP asks for no second factor. (Okta: a token:software:totp factor.)
	OTP string
	// Push (Okta only) enrolls an Okta Verify push factor that answers so.
	Push PushResult
	// PushPolls (Okta only) is how many polls the push answers WAITING
	// before its result; 0 means 1.
	PushPolls int
	// Roles are the values of the Role attribute: "roleARN,providerARN"
	// (either order, as AWS accepts).
	Roles []string
	// RoleSessionName is the RoleSessionName attribute; "" means Name.
	RoleSessionName string
	// SessionDuration, when set, is sent as the SessionDuration attribute.
	SessionDuration time.Duration
	// Expired makes the IdP issue assertions whose validity ended an hour
	// ago, as a slow or replayed sign-in would present them.
	Expired bool
	// Tamper, when set, rewrites the signed SAML response (XML) before it
	// reaches the browser, as an attacker on the way would.
	Tamper func(xml []byte) []byte
}

// PushResult is how an Okta Verify push is answered.
type PushResult string

// Push answers.
const (
	PushApprove PushResult = "approve"
	PushReject  PushResult = "reject"
	PushTimeout PushResult = "timeout"
)

// issuer signs SAML responses for AWS. SAML and Okta share it.
type issuer struct {
	idp     *saml.IdentityProvider
	certPEM []byte
	baseURL string

	mu    sync.Mutex
	users map[string]*User
	// sessions are signed-in users, by the session cookie's value.
	sessions map[string]*session
	lifetime time.Duration
	issued   int // SAML responses issued
}

type session struct {
	user    string
	created time.Time
	expires time.Time
}

func newIssuer(baseURL string) *issuer {
	key, cert, certPEM := newKeyPair()
	base, _ := url.Parse(baseURL)
	iss := &issuer{certPEM: certPEM, baseURL: baseURL, users: map[string]*User{}, sessions: map[string]*session{}, lifetime: 8 * time.Hour}
	iss.idp = &saml.IdentityProvider{
		Key:             key,
		Certificate:     cert,
		Logger:          log.New(io.Discard, "", 0),
		MetadataURL:     *base.JoinPath("metadata"),
		SSOURL:          *base.JoinPath("sso"),
		SignatureMethod: dsig.RSASHA256SignatureMethod,
	}
	return iss
}

// newKeyPair makes the IdP's signing key and a self-signed certificate.
func newKeyPair() (*rsa.PrivateKey, *x509.Certificate, []byte) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "idptest signing"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(48 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return key, cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func (iss *issuer) addUser(u User) {
	if u.Name == "" {
		panic("idptest: user has no name")
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.users[u.Name] = &u
}

func (iss *issuer) user(name string) (User, bool) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	u, ok := iss.users[name]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// startSession signs name in and returns the cookie that carries it.
func (iss *issuer) startSession(name, cookieName string) *http.Cookie {
	id := rand.Text()
	now := time.Now()
	iss.mu.Lock()
	s := &session{user: name, created: now, expires: now.Add(iss.lifetime)}
	iss.sessions[id] = s
	iss.mu.Unlock()
	// A persistent cookie, as with "keep me signed in": it outlives the
	// browser, so a later sign-in needs no password while it lasts.
	return &http.Cookie{Name: cookieName, Value: id, Path: "/", Expires: s.expires, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// sessionUser is the signed-in user of r, if any.
func (iss *issuer) sessionUser(r *http.Request, cookieName string) (string, *session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return "", nil, false
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	s, ok := iss.sessions[c.Value]
	if !ok || !time.Now().Before(s.expires) {
		return "", nil, false
	}
	return s.user, s, true
}

// expireSessions signs everyone out.
func (iss *issuer) expireSessions() {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.sessions = map[string]*session{}
}

// awsProvider is AWS's service-provider metadata with the given assertion
// consumer service.
func awsProvider(acsURL string) *saml.EntityDescriptor {
	return &saml.EntityDescriptor{
		EntityID: AWSEntityID,
		SPSSODescriptors: []saml.SPSSODescriptor{{
			AssertionConsumerServices: []saml.IndexedEndpoint{{Binding: saml.HTTPPostBinding, Location: acsURL, Index: 1}},
		}},
	}
}

// postForm is the page that posts the SAML response to AWS, as IdPs write
// it: a form that a script submits, with a button for browsers without
// scripts.
var postForm = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html><head><title>Signing in to AWS</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.URL}}">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`))

// issue writes the page that posts a signed SAML response for name's
// session to acsURL.
func (iss *issuer) issue(w http.ResponseWriter, r *http.Request, acsURL, name string, s *session) {
	form, err := iss.response(r, acsURL, name, s)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := postForm.Execute(w, form); err != nil {
		panic(fmt.Sprintf("idptest: %v", err))
	}
}

// Response returns a signed SAMLResponse (base64, as posted to AWS) for
// the user, as if they had just signed in: for tests of what consumes it.
func (iss *issuer) Response(name string) (string, error) {
	r := httptest.NewRequest(http.MethodGet, iss.baseURL+"/sso/aws", nil)
	now := time.Now()
	form, err := iss.response(r, AWSSignInURL, name, &session{user: name, created: now, expires: now.Add(iss.lifetime)})
	return form.SAMLResponse, err
}

// response makes the signed SAML response for name's session.
func (iss *issuer) response(r *http.Request, acsURL, name string, s *session) (saml.IdpAuthnRequestForm, error) {
	u, ok := iss.user(name)
	if !ok {
		return saml.IdpAuthnRequestForm{}, fmt.Errorf("idptest: unknown user %q", name)
	}
	sp := awsProvider(acsURL)
	req := &saml.IdpAuthnRequest{
		IDP:                     iss.idp,
		HTTPRequest:             r,
		Now:                     saml.TimeNow(),
		ServiceProviderMetadata: sp,
		SPSSODescriptor:         &sp.SPSSODescriptors[0],
		ACSEndpoint:             &sp.SPSSODescriptors[0].AssertionConsumerServices[0],
	}
	attrs := []saml.Attribute{{Name: AttrRoleSessionName, Values: []saml.AttributeValue{{Type: "xs:string", Value: or(u.RoleSessionName, u.Name)}}}}
	if len(u.Roles) > 0 {
		a := saml.Attribute{Name: AttrRole}
		for _, role := range u.Roles {
			a.Values = append(a.Values, saml.AttributeValue{Type: "xs:string", Value: role})
		}
		attrs = append(attrs, a)
	}
	if u.SessionDuration > 0 {
		attrs = append(attrs, saml.Attribute{Name: AttrSessionDuration, Values: []saml.AttributeValue{{Type: "xs:string", Value: strconv.Itoa(int(u.SessionDuration / time.Second))}}})
	}
	sess := &saml.Session{
		ID: "session", CreateTime: s.created, ExpireTime: s.expires, Index: "1",
		NameID: u.Name, NameIDFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
		UserName: u.Name, CustomAttributes: attrs,
	}
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, sess); err != nil {
		return saml.IdpAuthnRequestForm{}, err
	}
	if u.Expired {
		// Signed as issued two hours ago: the assertion's window has passed.
		back := -2 * time.Hour
		a := req.Assertion
		a.IssueInstant = a.IssueInstant.Add(back)
		a.Conditions.NotBefore = a.Conditions.NotBefore.Add(back)
		a.Conditions.NotOnOrAfter = a.Conditions.NotOnOrAfter.Add(back)
		for i := range a.Subject.SubjectConfirmations {
			if d := a.Subject.SubjectConfirmations[i].SubjectConfirmationData; d != nil {
				d.NotOnOrAfter = d.NotOnOrAfter.Add(back)
			}
		}
		req.Now = req.Now.Add(back)
	}
	form, err := req.PostBinding()
	if err != nil {
		return form, err
	}
	if u.Tamper != nil {
		raw, err := base64.StdEncoding.DecodeString(form.SAMLResponse)
		if err != nil {
			return form, err
		}
		form.SAMLResponse = base64.StdEncoding.EncodeToString(u.Tamper(raw))
	}
	iss.mu.Lock()
	iss.issued++
	iss.mu.Unlock()
	return form, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// localPath accepts a redirect target only on the IdP itself.
func localPath(p string) string {
	if len(p) > 0 && p[0] == '/' && (len(p) == 1 || p[1] != '/' && p[1] != '\\') {
		return p
	}
	return "/"
}
