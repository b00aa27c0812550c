// Package ststest is a local AWS STS server for tests. It speaks the STS query
// protocol (form-encoded POST, XML answers) closely enough that the real
// aws-sdk-go-v2 sts client cannot tell it from AWS, verifies every request's
// SigV4 signature, and enforces the STS rules that aws-runas depends on:
// MFA, role session names and durations, role chaining, external IDs and
// expiry of issued credentials.
//
// Every registered user may assume every registered role: there are no IAM
// policies, only the checks described on Role.
//
// Use it with the SDK's sts client, or point aws-runas at it with
// AWS_ENDPOINT_URL_STS:
//
//	srv := ststest.NewTest(t)
//	srv.AddUser(ststest.User{Name: "alice", Account: "111122223333",
//		AccessKeyID: "AKIA...", SecretAccessKey: "...",
//		MFASerial: "arn:aws:iam::111122223333:mfa/alice", MFACode: "123456"})
//	srv.AddRole(ststest.Role{ARN: "arn:aws:iam::111122223333:role/admin", RequireMFA: true})
//	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
//		Credentials: credentials.NewStaticCredentialsProvider("AKIA...", "...", "")})
//
// The SDK's default retryer retries Throttling and 5xx answers (three attempts
// in all, with backoff of up to seconds): a client that must see such a Fault
// needs aws.NopRetryer, and a test of retrying should use Fault.Times.
package ststest

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// APIVersion is the only STS API version the server answers.
const APIVersion = "2011-06-15"

// ErrCanceled is the Call.Err of a request whose client went away (or whose
// server closed) while a Fault delayed it.
const ErrCanceled = "RequestCanceled"

// User is an IAM user with long-term access keys.
type User struct {
	Name            string
	Account         string // 12 digits
	AccessKeyID     string
	SecretAccessKey string
	MFASerial       string // ARN of the user's MFA device; "" for none
	MFACode         string // the code the device always shows: 6 digits
}

// ARN is arn:aws:iam::ACCOUNT:user/NAME.
func (u User) ARN() string { return "arn:aws:iam::" + u.Account + ":user/" + u.Name }

// Validate reports what AddUser would panic on.
func (u User) Validate() error {
	switch {
	case u.Name == "":
		return fmt.Errorf("ststest: user has no name")
	case !accountRE.MatchString(u.Account):
		return fmt.Errorf("ststest: user %s: account %q is not 12 digits", u.Name, u.Account)
	case u.AccessKeyID == "" || u.SecretAccessKey == "":
		return fmt.Errorf("ststest: user %s: access key ID and secret are required", u.Name)
	case u.MFASerial != "" && !tokenCodeRE.MatchString(u.MFACode):
		return fmt.Errorf("ststest: user %s: MFA code must be 6 digits", u.Name)
	}
	return nil
}

// Role is an IAM role any registered user may assume.
type Role struct {
	ARN string // arn:aws:iam::ACCOUNT:role/[PATH/]NAME
	// MaxSessionDuration caps AssumeRole's DurationSeconds; 0 means 1h, as in IAM.
	MaxSessionDuration time.Duration
	// ExternalID, when set, must be the request's ExternalId.
	ExternalID string
	// RequireMFA admits only callers that proved MFA: with SerialNumber and
	// TokenCode in the AssumeRole request, or with credentials that were
	// obtained with MFA (GetSessionToken with MFA, and roles assumed from those).
	RequireMFA bool
}

// Validate reports what AddRole would panic on.
func (r Role) Validate() error {
	if _, _, ok := parseRoleARN(r.ARN); !ok {
		return fmt.Errorf("ststest: role ARN %q is not arn:aws:iam::ACCOUNT:role/NAME", r.ARN)
	}
	if r.MaxSessionDuration < 0 {
		return fmt.Errorf("ststest: role %s: negative MaxSessionDuration", r.ARN)
	}
	return nil
}

// Call is one request the server answered.
type Call struct {
	Time        time.Time
	Action      string
	Params      url.Values // every parameter as sent, Action and Version included
	AccessKeyID string     // the caller's key from the Authorization header, verified or not
	Err         string     // the error code answered; "" on success
}

// Fault makes the server misbehave, for testing error handling. A fault is
// applied after the request is authenticated and before the action runs.
type Fault struct {
	Action string // "" matches every action
	// Code is the error code answered. "" with a Delay only slows the request
	// down, which is then answered normally.
	Code    string
	Message string // default: STS's message for Code
	Status  int    // default: STS's status for Code (400 if unknown)
	Times   int    // how many requests it hits; 0 = every one
	// Delay holds the request before answering. It ends early when the client
	// cancels or the server closes, so a test with a client timeout ends.
	Delay time.Duration
}

// Server is a running STS test server. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234; pass it as the sts
	// client's BaseEndpoint.
	URL string

	hs        *httptest.Server
	closing   chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	users    map[string]*User    // by access key ID
	roles    map[string]*Role    // by ARN
	issued   map[string]*session // temporary credentials, by access key ID
	calls    []Call
	faults   []*Fault
	onCall   func(Call)
	saml     samlProviders    // AddSAMLProvider (saml.go)
	clock    func() time.Time // SetClock; nil: time.Now
	offset   time.Duration    // Advance
	lifetime time.Duration    // SetLifetime; 0: as asked
	fed      federation       // the sign-in endpoint (federation.go)
	oidc     oidcProviders    // AddOIDCProvider (webidentity.go)
}

// TB is the part of testing.TB that NewTest uses; it keeps package testing
// out of programs that import ststest.
type TB interface {
	Helper()
	Cleanup(func())
}

// NewTest starts a server on 127.0.0.1 and closes it when the test ends.
func NewTest(t TB) *Server {
	t.Helper()
	s := Start()
	t.Cleanup(s.Close)
	return s
}

// Start starts a server on a free port of 127.0.0.1. The caller must Close it.
func Start() *Server {
	s := newServer()
	s.hs = httptest.NewServer(s)
	s.URL = s.hs.URL
	return s
}

// StartAt starts a server listening on addr (host:port, port 0 for any).
func StartAt(addr string) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := newServer()
	s.hs = httptest.NewUnstartedServer(s)
	s.hs.Listener.Close()
	s.hs.Listener = l
	s.hs.Start()
	s.URL = s.hs.URL
	return s, nil
}

func newServer() *Server {
	return &Server{
		closing: make(chan struct{}),
		users:   map[string]*User{},
		roles:   map[string]*Role{},
		issued:  map[string]*session{},
	}
}

// Close stops the server; delayed requests end at once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.hs.Close()
	})
}

// AddUser registers (or replaces) a user, keyed by its access key ID. It
// panics if u.Validate fails.
func (s *Server) AddUser(u User) {
	if err := u.Validate(); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.AccessKeyID] = &u
}

// AddRole registers (or replaces) a role. It panics if r.Validate fails.
func (s *Server) AddRole(r Role) {
	if err := r.Validate(); err != nil {
		panic(err)
	}
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = time.Hour
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[r.ARN] = &r
}

// Calls returns a copy of every request answered so far, in the order answered.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Params = cloneValues(c.Params)
		out[i] = c
	}
	return out
}

// CallCount counts the answered requests for action; "" counts all.
func (s *Server) CallCount(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if action == "" || c.Action == action {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// OnCall sets a function called after each request is answered (nil: none).
// It runs on the request's goroutine, so it must be safe for concurrent use.
func (s *Server) OnCall(fn func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCall = fn
}

// Fail adds a fault. Faults are tried in the order added; the first that
// matches the action is applied, and is dropped once it has hit f.Times requests.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Expire makes the temporary credentials with this access key ID expired:
// their next use is answered ExpiredToken. It reports whether the server
// issued such credentials.
func (s *Server) Expire(accessKeyID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.issued[accessKeyID]
	if ok {
		sess.revoked = true
	}
	return ok
}

// SetClock replaces the server's clock (nil: the system's). It decides
// when issued credentials expire, what their Expiration says, and the
// signing-time skew check.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

// Advance moves the server's clock forward by d, so that tests see
// credentials expire without waiting for them to.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// SetLifetime caps the life of role and federated-user credentials issued
// from now on (0: as asked), below STS's 15-minute minimum if need be, so
// tests can watch them expire. Session tokens keep their life: a role is
// renewed from one.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time {
	now := time.Now
	if s.clock != nil {
		now = s.clock
	}
	return now().Add(s.offset)
}

// ExpireAll makes every temporary credential issued so far expired.
func (s *Server) ExpireAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.issued {
		sess.revoked = true
	}
}

// operation is one STS action. New actions are added to operations.
type operation struct {
	handle func(s *Server, p *principal, params url.Values) (any, *apiError)
	// sessionTokenOK: GetSessionToken's credentials may call it. STS allows
	// them only AssumeRole and GetCallerIdentity.
	sessionTokenOK bool
	// Unsigned actions (AssumeRoleWithSAML, AssumeRoleWithWebIdentity) would
	// set this; their handler then gets a nil principal.
	unsigned bool
}

var operations = map[string]operation{
	"GetCallerIdentity": {handle: (*Server).getCallerIdentity, sessionTokenOK: true},
	"AssumeRole":        {handle: (*Server).assumeRole, sessionTokenOK: true},
	// GetSessionToken rejects every temporary caller itself, with STS's message.
	"GetSessionToken": {handle: (*Server).getSessionToken, sessionTokenOK: true},
	// Only an IAM user's long-term keys may call it; the handler says so.
	"GetFederationToken": {handle: (*Server).getFederationToken},
	"AssumeRoleWithSAML": {handle: (*Server).assumeRoleWithSAML, unsigned: true},
	// Unsigned: the ID token is the proof (webidentity.go).
	"AssumeRoleWithWebIdentity": {handle: (*Server).assumeRoleWithWebIdentity, unsigned: true},
}

// ServeHTTP answers one STS query-protocol request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case federationPath:
		s.serveFederation(w, r)
		return
	case consolePath:
		s.serveConsole(w, r)
		return
	}
	requestID := newRequestID()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return // the client went away
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost && isForm(r.Header.Get("Content-Type")) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.finish(w, r, requestID, params, "", nil, errMalformedQuery())
			return
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	claimed := claimedAccessKey(r.Header.Get("Authorization"))
	result, aerr := s.serve(r, body, params)
	s.finish(w, r, requestID, params, claimed, result, aerr)
}

func (s *Server) serve(r *http.Request, body []byte, params url.Values) (any, *apiError) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, newError(http.StatusMethodNotAllowed, "InvalidAction", "Unsupported HTTP method "+r.Method)
	}
	action := params.Get("Action")
	if action == "" {
		return nil, newError(400, "MissingAction", "Missing Action")
	}
	op, ok := operations[action]
	if !ok || params.Get("Version") != APIVersion {
		return nil, newError(400, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, params.Get("Version")))
	}
	var p *principal
	if !op.unsigned {
		var aerr *apiError
		if p, aerr = s.authenticate(r, body); aerr != nil {
			return nil, aerr
		}
		if p.sess != nil && p.sess.kind == kindSessionToken && !op.sessionTokenOK {
			return nil, errNotAuthorized(p.arn(), action, "")
		}
	}
	if aerr := s.applyFault(r.Context(), action, p); aerr != nil {
		return nil, aerr
	}
	return op.handle(s, p, params)
}

// applyFault delays and/or fails the request if a fault matches.
func (s *Server) applyFault(ctx context.Context, action string, p *principal) *apiError {
	s.mu.Lock()
	var f Fault
	found := false
	for i, cand := range s.faults {
		if cand.Action != "" && cand.Action != action {
			continue
		}
		f, found = *cand, true
		if cand.Times > 0 {
			cand.Times--
			if cand.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		break
	}
	s.mu.Unlock()
	if !found {
		return nil
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return errCanceled
		case <-s.closing:
			return errCanceled
		}
	}
	if f.Code == "" {
		return nil
	}
	status, msg := faultDefaults(f.Code, action, p)
	if f.Status != 0 {
		status = f.Status
	}
	if f.Message != "" {
		msg = f.Message
	}
	return newError(status, f.Code, msg)
}

func faultDefaults(code, action string, p *principal) (int, string) {
	switch code {
	case "Throttling":
		return 400, "Rate exceeded"
	case "InternalFailure":
		return 500, "An internal error has occurred."
	case "ServiceUnavailable":
		return 503, "Service is unavailable."
	case "ExpiredToken":
		return 400, msgExpiredToken
	case "InvalidClientTokenId":
		return 403, msgInvalidToken
	case "AccessDenied":
		caller := "anonymous"
		if p != nil {
			caller = p.arn()
		}
		return 403, fmt.Sprintf("User: %s is not authorized to perform: sts:%s", caller, action)
	}
	return 400, code
}

// finish records the call and writes the answer.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, requestID string, params url.Values, claimed string, result any, aerr *apiError) {
	c := Call{Time: s.now(), Action: params.Get("Action"), Params: cloneValues(params), AccessKeyID: claimed}
	if aerr != nil {
		c.Err = aerr.Code
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	hook := s.onCall
	s.mu.Unlock()
	if hook != nil {
		c.Params = cloneValues(c.Params)
		hook(c)
	}
	if aerr == errCanceled {
		// Drop the connection without an answer: a client still waiting
		// (when the server closes) must see a failure, not an empty 200.
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	if aerr != nil {
		writeError(w, requestID, aerr)
		return
	}
	writeResult(w, params.Get("Action"), requestID, result)
}

func isForm(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

var (
	accountRE     = regexp.MustCompile(`^[0-9]{12}$`)
	tokenCodeRE   = regexp.MustCompile(`^[0-9]{6}$`)
	roleARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	serialRE      = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	digitsRE      = regexp.MustCompile(`^[0-9]*$`)
)

// parseRoleARN returns the role's account and name (the last path element).
func parseRoleARN(arn string) (account, name string, ok bool) {
	m := roleARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// uniqueID makes a stable IAM-style unique ID (AIDA..., AROA...) from an ARN,
// so that repeated runs of a test see the same IDs.
func uniqueID(prefix, arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return prefix + strings.ToUpper(base32.StdEncoding.EncodeToString(sum[:]))[:17]
}
