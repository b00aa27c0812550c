// Package ssotest is a local IAM Identity Center for tests: the SSO OIDC API
// (RegisterClient, StartDeviceAuthorization, CreateToken with the
// device_code, authorization_code with PKCE, and refresh_token grants), the
// sign-in pages a user sees (/authorize of the PKCE flow, /device of the
// device flow), and the portal API (GetRoleCredentials, ListAccounts,
// ListAccountRoles, Logout). It speaks the REST-JSON wire protocols closely
// enough that the real aws-sdk-go-v2 ssooidc and sso clients cannot tell it
// from AWS, and enforces what a client depends on: client secrets, PKCE,
// redirect URIs, the bearer token, and the expiry of registrations, device
// codes, access tokens and sessions, all on an injectable clock.
//
// Point a client at it with the SDKs' BaseEndpoint, or with
// AWS_ENDPOINT_URL_SSO_OIDC=srv.OIDCURL and AWS_ENDPOINT_URL_SSO=srv.PortalURL.
// Role credentials are issued by an ststest.Server when Config.STS is set,
// so that they work there: GetCallerIdentity answers the assumed role.
package ssotest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

// Account is an AWS account the user may use, with the permission sets
// (role names) assigned to the user there.
type Account struct {
	ID    string // 12 digits
	Name  string
	Email string
	Roles []string
}

// Config sets the server up. Zero values take the defaults shown.
type Config struct {
	StartURL string // "https://d-0000000000.awsapps.com/start"
	// UserName is the signed-in user; it is the role session name of the
	// credentials GetRoleCredentials issues. "alice@example.com".
	UserName string
	Accounts []Account
	// STS issues the role credentials; nil: they are random strings that
	// no server accepts.
	STS *ststest.Server
	Now func() time.Time // time.Now

	AccessTokenTTL  time.Duration // 1h
	SessionTTL      time.Duration // 8h: how long refresh tokens work after a sign-in
	RegistrationTTL time.Duration // 90 days
	DeviceCodeTTL   time.Duration // 10m
	PollInterval    time.Duration // 1s: a faster poll is answered SlowDownException
	RoleSessionTTL  time.Duration // 1h: the permission set's session duration
	PageSize        int           // 20: the most ListAccounts and ListAccountRoles answer at once
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.StartURL == "" {
		c.StartURL = "https://d-0000000000.awsapps.com/start"
	}
	if c.UserName == "" {
		c.UserName = "alice@example.com"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	def(&c.AccessTokenTTL, time.Hour)
	def(&c.SessionTTL, 8*time.Hour)
	def(&c.RegistrationTTL, 90*24*time.Hour)
	def(&c.DeviceCodeTTL, 10*time.Minute)
	def(&c.PollInterval, time.Second)
	def(&c.RoleSessionTTL, time.Hour)
	if c.PageSize == 0 {
		c.PageSize = 20
	}
}

// Call is one request the server answered.
type Call struct {
	Op    string // RegisterClient, StartDeviceAuthorization, CreateToken, Authorize, Approve, GetRoleCredentials, ListAccounts, ListAccountRoles, Logout
	Grant string // CreateToken: the grant type
	// Account and Role: GetRoleCredentials and ListAccountRoles.
	Account, Role string
	Err           string // the error code answered; "" on success
}

// Server is a running Identity Center. Its methods are safe for concurrent use.
type Server struct {
	OIDCURL   string // the SSO OIDC API and the sign-in pages
	PortalURL string // the portal API

	cfg          Config
	oidc, portal *httptest.Server

	mu       sync.Mutex
	clients  map[string]*client    // by client ID
	devices  map[string]*device    // by device code
	pending  map[string]*authorize // /authorize pages shown, by request ID
	codes    map[string]*authorize // authorization codes issued
	access   map[string]*grant     // by access token
	refresh  map[string]*grant     // by refresh token
	calls    []Call
	logins   int
	sessions int
}

// TB is the part of testing.TB that NewTest uses.
type TB interface {
	Helper()
	Cleanup(func())
	Fatal(args ...any)
}

// NewTest starts a server on 127.0.0.1 and closes it when the test ends.
func NewTest(t TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server on free ports of 127.0.0.1; the caller must Close it.
func Start(cfg Config) (*Server, error) { return StartAt(cfg, "127.0.0.1:0", "127.0.0.1:0") }

// StartAt starts a server whose OIDC side listens on oidcAddr and portal on
// portalAddr (host:port, port 0 for any).
func StartAt(cfg Config, oidcAddr, portalAddr string) (*Server, error) {
	cfg.defaults()
	for _, a := range cfg.Accounts {
		if len(a.ID) != 12 || a.Name == "" {
			return nil, fmt.Errorf("ssotest: account %q %q: want 12 digits and a name", a.ID, a.Name)
		}
	}
	s := &Server{
		cfg:     cfg,
		clients: map[string]*client{},
		devices: map[string]*device{},
		pending: map[string]*authorize{},
		codes:   map[string]*authorize{},
		access:  map[string]*grant{},
		refresh: map[string]*grant{},
	}
	var err error
	if s.oidc, err = serve(oidcAddr, http.HandlerFunc(s.serveOIDC)); err != nil {
		return nil, err
	}
	if s.portal, err = serve(portalAddr, http.HandlerFunc(s.servePortal)); err != nil {
		s.oidc.Close()
		return nil, err
	}
	s.OIDCURL, s.PortalURL = s.oidc.URL, s.portal.URL
	return s, nil
}

func serve(addr string, h http.Handler) (*httptest.Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewUnstartedServer(h)
	hs.Listener.Close()
	hs.Listener = l
	hs.Start()
	return hs, nil
}

// Close stops the server.
func (s *Server) Close() {
	s.oidc.Close()
	s.portal.Close()
}

// StartURL is the start URL of the user portal, sso_start_url.
func (s *Server) StartURL() string { return s.cfg.StartURL }

// Logins counts the sign-ins the user approved (device or authorization code).
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Calls returns a copy of every request answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Count counts the answered requests of op ("" for all) that match grant,
// account and role where those are not "", successful or not.
func (s *Server) Count(op, grant, account, role string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if (op == "" || c.Op == op) && (grant == "" || c.Grant == grant) &&
			(account == "" || c.Account == account) && (role == "" || c.Role == role) {
			n++
		}
	}
	return n
}

// TokenCalls counts CreateToken requests with the grant type, e.g.
// "refresh_token", "authorization_code", GrantDeviceCode.
func (s *Server) TokenCalls(grant string) int { return s.Count("CreateToken", grant, "", "") }

// RoleCredentialCalls counts GetRoleCredentials requests for the account and role.
func (s *Server) RoleCredentialCalls(account, role string) int {
	return s.Count("GetRoleCredentials", "", account, role)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// RoleARN is the ARN of the role Identity Center makes for a permission set
// in an account, as AWS names it.
func RoleARN(account, role string) string {
	sum := sha256.Sum256([]byte(account + "/" + role))
	return "arn:aws:iam::" + account + ":role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_" + role + "_" + hex.EncodeToString(sum[:8])
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// secret returns n random bytes as hex, prefixed to tell kinds apart in a
// failing test's output without showing anything of a real token.
func secret(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
