package ststest

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// maxSkew is how far a request's X-Amz-Date may be from the server's clock.
const maxSkew = 15 * time.Minute

const amzDateFormat = "20060102T150405Z"

type sessionKind int

const (
	kindSessionToken sessionKind = iota + 1 // from GetSessionToken
	kindRole                                // from AssumeRole
	kindFederated                           // from GetFederationToken
)

// session is a set of temporary credentials the server issued.
type session struct {
	kind    sessionKind
	secret  string
	token   string
	expires time.Time
	revoked bool // set by Expire
	mfa     bool // obtained with MFA, directly or earlier in the chain
	user    *User

	// kindRole only
	roleARN, roleAccount, roleName, sessionName string
	// kindFederated only: the federated user's name
	federatedName string
}

// principal is the authenticated caller.
type principal struct {
	accessKeyID string
	user        *User    // the IAM user at the start of the chain
	sess        *session // nil for long-term keys
}

func (p *principal) arn() string {
	if p.sess != nil && p.sess.kind == kindFederated {
		return "arn:aws:sts::" + p.user.Account + ":federated-user/" + p.sess.federatedName
	}
	if p.sess != nil && p.sess.kind == kindRole {
		return "arn:aws:sts::" + p.sess.roleAccount + ":assumed-role/" + p.sess.roleName + "/" + p.sess.sessionName
	}
	return p.user.ARN()
}

func (p *principal) account() string {
	if p.sess != nil && p.sess.kind == kindRole {
		return p.sess.roleAccount
	}
	return p.user.Account
}

func (p *principal) userID() string {
	if p.sess != nil && p.sess.kind == kindFederated {
		return p.user.Account + ":" + p.sess.federatedName
	}
	if p.sess != nil && p.sess.kind == kindRole {
		return uniqueID("AROA", p.sess.roleARN) + ":" + p.sess.sessionName
	}
	return uniqueID("AIDA", p.user.ARN())
}

// authHeader is a parsed "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.
type authHeader struct {
	accessKeyID, date, region, service string
	signedHeaders                      []string
	signature                          string
}

func parseAuthHeader(h string) (authHeader, bool) {
	var a authHeader
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, false
	}
	var cred, signed string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			a.signature = v
		}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request" || signed == "" || a.signature == "" {
		return a, false
	}
	a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	return a, true
}

// claimedAccessKey is the key ID the request says it is signed with, for Call.
func claimedAccessKey(h string) string {
	_, cred, ok := strings.Cut(h, "Credential=")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(cred, "/")
	return id
}

// authenticate checks the request's SigV4 signature and finds its caller.
func (s *Server) authenticate(r *http.Request, body []byte) (*principal, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, newError(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	a, ok := parseAuthHeader(h)
	if !ok {
		return nil, newError(400, "IncompleteSignature",
			"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters in the AWS4-HMAC-SHA256 format.")
	}

	// Copy what we need under the lock; the signature check runs without it.
	s.mu.Lock()
	p := &principal{accessKeyID: a.accessKeyID}
	var secret, token string
	var expired bool
	if u, ok := s.users[a.accessKeyID]; ok {
		p.user, secret = u, u.SecretAccessKey
	} else if sess, ok := s.issued[a.accessKeyID]; ok {
		cp := *sess
		p.user, p.sess, secret, token = sess.user, &cp, sess.secret, sess.token
		expired = sess.revoked || !s.nowLocked().Before(sess.expires)
	}
	s.mu.Unlock()

	if p.user == nil {
		return nil, errInvalidToken
	}
	// Temporary keys are useless without their token, and long-term keys take none.
	if got := r.Header.Get("X-Amz-Security-Token"); subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		return nil, errInvalidToken
	}
	if a.service != "sts" {
		return nil, newError(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.")
	}
	signingTime, err := time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return nil, newError(400, "IncompleteSignature",
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if aerr := checkSkew(signingTime, s.now()); aerr != nil {
		return nil, aerr
	}
	if !verifySignature(r, body, a, secret, signingTime) {
		return nil, newError(403, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. "+
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	if expired {
		return nil, newError(400, "ExpiredToken", msgExpiredToken)
	}
	return p, nil
}

// checkSkew answers like STS when the signing time is more than 15 minutes off.
func checkSkew(signed, now time.Time) *apiError {
	now = now.UTC().Truncate(time.Second)
	f := func(t time.Time) string { return t.UTC().Format(amzDateFormat) }
	if signed.Before(now.Add(-maxSkew)) {
		return newError(403, "SignatureDoesNotMatch", fmt.Sprintf(
			"Signature expired: %s is now earlier than %s (%s - 15 min.)", f(signed), f(now.Add(-maxSkew)), f(now)))
	}
	if signed.After(now.Add(maxSkew)) {
		return newError(403, "SignatureDoesNotMatch", fmt.Sprintf(
			"Signature not yet current: %s is still later than %s (%s + 15 min.)", f(signed), f(now.Add(maxSkew)), f(now)))
	}
	return nil
}

// verifySignature rebuilds the request from the headers the client signed,
// signs it again with the SDK's own signer, the same time and the hash of the
// body received, and compares the signatures.
func verifySignature(r *http.Request, body []byte, a authHeader, secret string, signingTime time.Time) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	req := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, name := range a.signedHeaders {
		switch name {
		case "host": // the signer takes it from req.Host
		case "content-length": // the signer takes it from req.ContentLength
			req.ContentLength = r.ContentLength
		default:
			key := textproto.CanonicalMIMEHeaderKey(name)
			req.Header[key] = append([]string(nil), r.Header.Values(key)...)
		}
	}
	sum := sha256.Sum256(body)
	// No session token here: the signer would overwrite the header the client
	// sent, and authenticate has already compared the token.
	creds := aws.Credentials{AccessKeyID: a.accessKeyID, SecretAccessKey: secret}
	err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), a.service, a.region, signingTime)
	if err != nil {
		return false
	}
	want, ok := parseAuthHeader(req.Header.Get("Authorization"))
	return ok && subtle.ConstantTimeCompare([]byte(want.signature), []byte(a.signature)) == 1
}
