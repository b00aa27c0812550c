package ststest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	msgChaining = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
	msgMaxDur   = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
	msgBadCode  = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
	msgBadMFA   = "MultiFactorAuthentication failed, unable to validate MFA code.  " +
		"Please verify your MFA serial number is valid and associated with this user."
	msgSessionCreds = "Cannot call GetSessionToken with session credentials"
)

// Result payloads; the envelope around them is written by writeResult.

type credentialsXML struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type getSessionTokenResult struct {
	XMLName     xml.Name `xml:"GetSessionTokenResult"`
	Credentials credentialsXML
}

type assumeRoleResult struct {
	XMLName         xml.Name `xml:"AssumeRoleResult"`
	Credentials     credentialsXML
	AssumedRoleUser struct {
		AssumedRoleId string
		Arn           string
	}
}

type getCallerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string
	UserId  string
	Account string
}

func (s *Server) getCallerIdentity(p *principal, _ url.Values) (any, *apiError) {
	return &getCallerIdentityResult{Arn: p.arn(), UserId: p.userID(), Account: p.account()}, nil
}

func (s *Server) getSessionToken(p *principal, params url.Values) (any, *apiError) {
	var v validator
	dur := v.duration(params, "DurationSeconds", "durationSeconds", 43200, 900, 129600)
	serial, code := v.mfaParams(params)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	if p.sess != nil {
		return nil, newError(403, "AccessDenied", msgSessionCreds)
	}
	mfa, aerr := checkMFA(p.user, serial, code)
	if aerr != nil {
		return nil, aerr
	}
	creds := s.issue(&session{kind: kindSessionToken, mfa: mfa, user: p.user}, dur)
	return &getSessionTokenResult{Credentials: creds}, nil
}

func (s *Server) assumeRole(p *principal, params url.Values) (any, *apiError) {
	var v validator
	roleARN := v.str(params, "RoleArn", "roleArn", true, 20, 2048, nil)
	sessionName := v.str(params, "RoleSessionName", "roleSessionName", true, 2, 64, sessionNameRE)
	dur := v.duration(params, "DurationSeconds", "durationSeconds", 3600, 900, 43200)
	externalID := v.str(params, "ExternalId", "externalId", false, 2, 1224, externalIDRE)
	serial, code := v.mfaParams(params)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}

	s.mu.Lock()
	role, ok := s.roles[roleARN]
	var r Role
	if ok {
		r = *role
	}
	s.mu.Unlock()
	// STS gives one answer for every trust-policy failure, so as not to tell
	// a caller which condition it missed.
	denied := errNotAuthorized(p.arn(), "AssumeRole", roleARN)
	if !ok || (p.sess != nil && p.sess.kind == kindFederated) {
		return nil, denied
	}
	if r.ExternalID != "" && externalID != r.ExternalID {
		return nil, denied
	}
	mfa := p.sess != nil && p.sess.mfa
	if serial != "" || code != "" {
		ok, aerr := checkMFA(p.user, serial, code)
		if aerr != nil {
			return nil, aerr
		}
		mfa = mfa || ok
	}
	if r.RequireMFA && !mfa {
		return nil, denied
	}
	if p.sess != nil && dur > 3600 {
		return nil, newError(400, "ValidationError", msgChaining)
	}
	if time.Duration(dur)*time.Second > r.MaxSessionDuration {
		return nil, newError(400, "ValidationError", msgMaxDur)
	}

	account, name, _ := parseRoleARN(roleARN)
	sess := &session{
		kind: kindRole, mfa: mfa, user: p.user,
		roleARN: roleARN, roleAccount: account, roleName: name, sessionName: sessionName,
	}
	res := &assumeRoleResult{Credentials: s.issue(sess, dur)}
	caller := principal{sess: sess}
	res.AssumedRoleUser.Arn = caller.arn()
	res.AssumedRoleUser.AssumedRoleId = caller.userID()
	return res, nil
}

type getFederationTokenResult struct {
	XMLName       xml.Name `xml:"GetFederationTokenResult"`
	Credentials   credentialsXML
	FederatedUser struct {
		FederatedUserId string
		Arn             string
	}
	PackedPolicySize int
}

const msgFederationSession = "Cannot call GetFederationToken with session credentials"

func (s *Server) getFederationToken(p *principal, params url.Values) (any, *apiError) {
	var v validator
	name := v.str(params, "Name", "name", true, 2, 32, sessionNameRE)
	dur := v.duration(params, "DurationSeconds", "durationSeconds", 43200, 900, 129600)
	policy := v.str(params, "Policy", "policy", false, 1, 2048, nil)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	if p.sess != nil {
		return nil, newError(403, "AccessDenied", msgFederationSession)
	}
	sess := &session{kind: kindFederated, user: p.user, federatedName: name}
	res := &getFederationTokenResult{Credentials: s.issue(sess, dur), PackedPolicySize: min(100, len(policy)/20)}
	caller := principal{user: p.user, sess: sess}
	res.FederatedUser.Arn = caller.arn()
	res.FederatedUser.FederatedUserId = caller.userID()
	return res, nil
}

// checkMFA checks a SerialNumber and TokenCode against the user's device. It
// reports whether MFA was presented (and valid).
func checkMFA(u *User, serial, code string) (bool, *apiError) {
	switch {
	case serial == "" && code == "":
		return false, nil
	case serial == "" || u.MFASerial == "" || serial != u.MFASerial:
		return false, newError(403, "AccessDenied", msgBadMFA)
	case code != u.MFACode:
		return false, newError(403, "AccessDenied", msgBadCode)
	}
	return true, nil
}

// issue stores new temporary credentials for sess, valid for dur seconds.
func (s *Server) issue(sess *session, dur int) credentialsXML {
	// Whole seconds, so the expiry answered is exactly the one enforced.
	life := time.Duration(dur) * time.Second
	s.mu.Lock()
	if sess.kind != kindSessionToken && s.lifetime > 0 && s.lifetime < life {
		life = s.lifetime
	}
	s.mu.Unlock()
	sess.expires = s.now().UTC().Truncate(time.Second).Add(life)
	sess.secret = randomBase64(30) // 40 characters, like AWS secrets
	sess.token = randomBase64(180)
	s.mu.Lock()
	var id string
	for {
		id = "ASIA" + rand.Text()[:16]
		if _, taken := s.issued[id]; !taken {
			break
		}
	}
	s.issued[id] = sess
	s.mu.Unlock()
	return credentialsXML{
		AccessKeyId:     id,
		SecretAccessKey: sess.secret,
		SessionToken:    sess.token,
		Expiration:      sess.expires.Format(time.RFC3339),
	}
}

func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails, per crypto/rand
	return base64.StdEncoding.EncodeToString(b)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// validator collects input constraint failures and reports them all at once,
// in the words of STS's "N validation errors detected" messages.
type validator struct{ msgs []string }

func (v *validator) fail(value *string, field, constraint string) {
	shown := "null"
	if value != nil {
		shown = "'" + *value + "'"
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: Member %s", shown, field, constraint))
}

// str checks a string parameter; "" when absent.
func (v *validator) str(params url.Values, name, field string, required bool, minLen, maxLen int, re *regexp.Regexp) string {
	if _, ok := params[name]; !ok {
		if required {
			v.fail(nil, field, "must not be null")
		}
		return ""
	}
	val := params.Get(name)
	n := len([]rune(val))
	switch {
	case n < minLen:
		v.fail(&val, field, fmt.Sprintf("must have length greater than or equal to %d", minLen))
	case n > maxLen:
		v.fail(&val, field, fmt.Sprintf("must have length less than or equal to %d", maxLen))
	}
	if re != nil && !re.MatchString(val) {
		pattern := strings.TrimSuffix(strings.TrimPrefix(re.String(), "^"), "$")
		v.fail(&val, field, "must satisfy regular expression pattern: "+pattern)
	}
	return val
}

// duration checks an integer parameter of seconds; def when absent.
func (v *validator) duration(params url.Values, name, field string, def, lo, hi int) int {
	if _, ok := params[name]; !ok {
		return def
	}
	val := params.Get(name)
	n, err := strconv.Atoi(val)
	switch {
	case err != nil:
		v.fail(&val, field, "must be an integer")
	case n < lo:
		v.fail(&val, field, fmt.Sprintf("must have value greater than or equal to %d", lo))
	case n > hi:
		v.fail(&val, field, fmt.Sprintf("must have value less than or equal to %d", hi))
	}
	return n
}

func (v *validator) mfaParams(params url.Values) (serial, code string) {
	serial = v.str(params, "SerialNumber", "serialNumber", false, 9, 256, serialRE)
	code = v.str(params, "TokenCode", "tokenCode", false, 6, 6, digitsRE)
	return serial, code
}

func (v *validator) err() *apiError {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return newError(400, "ValidationError", "1 validation error detected: "+v.msgs[0])
	}
	return newError(400, "ValidationError",
		fmt.Sprintf("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; ")))
}

// Credentials are temporary credentials the server issued.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
}

// IssueRoleCredentials hands out credentials for roleARN without an STS
// request, as a federation service (IAM Identity Center's
// GetRoleCredentials) does: GetCallerIdentity with them answers
// arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSIONNAME. The role need not be
// registered; d is rounded down to whole seconds.
func (s *Server) IssueRoleCredentials(roleARN, sessionName string, d time.Duration) (Credentials, error) {
	account, name, ok := parseRoleARN(roleARN)
	switch {
	case !ok:
		return Credentials{}, fmt.Errorf("ststest: role ARN %q is not arn:aws:iam::ACCOUNT:role/NAME", roleARN)
	case len(sessionName) < 2 || len(sessionName) > 64 || !sessionNameRE.MatchString(sessionName):
		return Credentials{}, fmt.Errorf("ststest: role session name %q is not valid", sessionName)
	case d < time.Second:
		return Credentials{}, fmt.Errorf("ststest: duration %s is under a second", d)
	}
	sess := &session{
		kind:    kindRole,
		user:    &User{Name: "federated", Account: account},
		roleARN: roleARN, roleAccount: account, roleName: name, sessionName: sessionName,
	}
	c := s.issue(sess, int(d/time.Second))
	return Credentials{AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expires: sess.expires}, nil
}
