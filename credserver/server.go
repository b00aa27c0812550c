// Package credserver serves AWS credentials to the SDKs of a child process
// over the container-credential protocol (AWS_CONTAINER_CREDENTIALS_FULL_URI
// and AWS_CONTAINER_AUTHORIZATION_TOKEN), renewing them before they expire.
//
// The server listens on a random port of 127.0.0.1 and answers only GET
// requests that carry its random 256-bit token, name its own address as
// Host (a web page cannot read the keys by DNS rebinding), and, on Linux,
// come from a socket of this user.
package credserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The variables the AWS SDKs read to find a container credential endpoint.
const (
	EnvFullURI   = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvAuthToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// ContainerVars are every variable of the container-credential protocol.
// A child must get only the server's: a relative URI or a token file set
// by an outer container would win over them.
var ContainerVars = []string{EnvFullURI, EnvAuthToken, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}

const (
	// DefaultRenewWithin: credentials with less life than this left are
	// renewed. It is the SDKs' own margin (the Go SDK treats container
	// credentials as expired 5 minutes early) and aws-runas's cache's.
	DefaultRenewWithin = 5 * time.Minute
	// retryAfter spaces renewal attempts after a failure, so that a
	// command asking often does not hammer STS.
	retryAfter = 10 * time.Second
	// waitFresh bounds how long a request waits for a renewal while the
	// current credentials are still valid: the SDKs give up on the
	// endpoint after a second or two.
	waitFresh = time.Second
	// renewTimeout bounds one renewal.
	renewTimeout = time.Minute
)

// Options configure a Server.
type Options struct {
	// Source renews the credentials. It is called with no one to ask: it
	// must not prompt.
	Source aws.CredentialsProvider
	// Initial are the credentials to serve first; zero: ask Source.
	Initial aws.Credentials
	// RenewWithin: renew when less than this is left (default
	// DefaultRenewWithin), or half the credentials' life when that is
	// shorter, so short-lived credentials are not renewed at every request.
	RenewWithin time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logf reports a failed renewal, once until one succeeds. The error
	// text is the source's, which must hold no secret.
	Logf func(format string, args ...any)
}

// Server is a running credential server.
type Server struct {
	url, token, host string
	opts             Options
	ln               net.Listener
	hs               *http.Server
	done             chan struct{}

	mu        sync.Mutex
	creds     aws.Credentials
	fetched   time.Time // when creds were obtained
	renewing  chan struct{}
	lastFail  time.Time
	failLoged bool
}

// Start listens on a random port of 127.0.0.1 and serves until Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Source == nil {
		return nil, errors.New("credserver: no credential source")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RenewWithin <= 0 {
		opts.RenewWithin = DefaultRenewWithin
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &Server{opts: opts, creds: opts.Initial, fetched: opts.Now(), done: make(chan struct{})}
	if !s.creds.HasKeys() {
		c, err := opts.Source.Retrieve(ctx)
		if err != nil {
			return nil, err
		}
		s.creds = c
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	s.token = hex.EncodeToString(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("credential server: %w", err)
	}
	s.ln = ln
	s.host = ln.Addr().String()
	s.url = "http://" + s.host + "/"
	s.hs = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, peerKey{}, peerIsUser(c))
		},
		ErrorLog: discardLog,
	}
	go func() {
		defer close(s.done)
		_ = s.hs.Serve(ln)
	}()
	return s, nil
}

// URL is the value of AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (s *Server) URL() string { return s.url }

// Token is the value of AWS_CONTAINER_AUTHORIZATION_TOKEN.
func (s *Server) Token() string { return s.token }

// Env is the server's variables, NAME=VALUE.
func (s *Server) Env() []string {
	return []string{EnvFullURI + "=" + s.url, EnvAuthToken + "=" + s.token}
}

// Close stops the server: the port is closed when it returns.
func (s *Server) Close() error {
	err := s.hs.Close()
	<-s.done
	return err
}

type peerKey struct{}

// response is what the SDKs' container providers read (the Go SDK's
// endpointcreds, botocore's ContainerProvider): Token is the session token.
type response struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	Token           string `json:",omitempty"`
	Expiration      string `json:",omitempty"`
}

// errorResponse is the error shape the SDKs read from a failed request.
type errorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Host != s.host:
		// Another Host is a browser sent here by DNS rebinding.
		deny(w, http.StatusForbidden, "Host is not the credential server's")
	case ctxPeerDenied(r.Context()):
		deny(w, http.StatusForbidden, "the request comes from another user")
	case subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(s.token)) != 1:
		deny(w, http.StatusUnauthorized, "missing or wrong authorization token")
	case r.Method != http.MethodGet:
		deny(w, http.StatusMethodNotAllowed, "GET only")
	case r.URL.Path != "/":
		deny(w, http.StatusNotFound, "no such path")
	default:
		c, err := s.Credentials(r.Context())
		if err != nil {
			deny(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		out := response{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken}
		if c.CanExpire {
			out.Expiration = c.Expires.UTC().Format(time.RFC3339)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(out)
	}
}

func deny(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	code := strings.ReplaceAll(http.StatusText(status), " ", "")
	_ = json.NewEncoder(w).Encode(errorResponse{Code: code, Message: msg})
}

func ctxPeerDenied(ctx context.Context) bool {
	ok, known := ctx.Value(peerKey{}).(bool)
	return known && !ok
}

// Credentials returns the credentials to serve, renewing them first when
// they are due: one renewal at a time, however many requests wait for it.
// While a renewal runs, or after it failed, the current credentials are
// served as long as they are valid.
func (s *Server) Credentials(ctx context.Context) (aws.Credentials, error) {
	s.mu.Lock()
	c, now := s.creds, s.opts.Now()
	if !s.due(now) {
		s.mu.Unlock()
		return c, nil
	}
	valid := !c.CanExpire || now.Before(c.Expires)
	ch := s.renewing
	if ch == nil && (s.lastFail.IsZero() || now.Sub(s.lastFail) >= retryAfter) {
		ch = make(chan struct{})
		s.renewing = ch
		go s.renew(ch)
	}
	s.mu.Unlock()
	if ch == nil { // failed lately: no new attempt yet
		if valid {
			return c, nil
		}
		return aws.Credentials{}, errors.New("the credentials have expired and could not be renewed; see aws-runas's message")
	}
	var timeout <-chan time.Time
	if valid {
		t := time.NewTimer(waitFresh)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ch:
	case <-timeout:
		return c, nil
	case <-ctx.Done():
		return aws.Credentials{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c = s.creds
	if c.CanExpire && !s.opts.Now().Before(c.Expires) {
		return aws.Credentials{}, errors.New("the credentials have expired and could not be renewed; see aws-runas's message")
	}
	return c, nil
}

// due says whether the credentials need renewing; s.mu is held.
func (s *Server) due(now time.Time) bool {
	c := s.creds
	if !c.CanExpire {
		return false
	}
	within := min(s.opts.RenewWithin, c.Expires.Sub(s.fetched)/2)
	return !now.Before(c.Expires.Add(-within))
}

func (s *Server) renew(ch chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), renewTimeout)
	defer cancel()
	c, err := s.opts.Source.Retrieve(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	defer close(ch)
	s.renewing = nil
	now := s.opts.Now()
	if err == nil && !c.HasKeys() {
		err = errors.New("the source returned no credentials")
	}
	if err != nil {
		s.lastFail = now
		if !s.failLoged {
			s.failLoged = true
			until := "they expire"
			if s.creds.CanExpire {
				until += " at " + s.creds.Expires.UTC().Format(time.RFC3339)
			}
			s.opts.Logf("renewing the credentials failed (%v); serving the current ones until %s", err, until)
		}
		return
	}
	s.creds, s.fetched, s.lastFail, s.failLoged = c, now, time.Time{}, false
}
