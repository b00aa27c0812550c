package ststest

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	xrv "github.com/mattermost/xml-roundtrip-validator"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML names AWS gives to its service provider and its attributes.
const (
	samlAudience        = "urn:amazon:webservices"
	samlAttrRole        = "https://aws.amazon.com/SAML/Attributes/Role"
	samlAttrSessionName = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"

	nsSAMLProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAMLAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	samlSuccess     = "urn:oasis:names:tc:SAML:2.0:status:Success"
	samlBearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	nameIDPrefix    = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
)

// STS's answers to assertions it does not accept. The wording is close to
// AWS's; the codes are AWS's.
const (
	msgSAMLNotAuthorized = "Not authorized to perform sts:AssumeRoleWithSAML"
	msgSAMLSignature     = "Response signature invalid"
	msgSAMLExpired       = "Token has expired"
)

var samlProviderARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):saml-provider/([\w+=,.@-]+)$`)

// samlProviders are the IAM SAML identity providers, by ARN, each with the
// certificate its responses must be signed with.
type samlProviders struct {
	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

// AddSAMLProvider registers (or replaces) an IAM SAML identity provider,
// arn:aws:iam::ACCOUNT:saml-provider/NAME, whose responses must be signed
// with the key of certPEM (a PEM certificate, as in the IdP's metadata).
// It panics if either is malformed.
func (s *Server) AddSAMLProvider(arn string, certPEM []byte) {
	if !samlProviderARNRE.MatchString(arn) {
		panic(fmt.Sprintf("ststest: SAML provider ARN %q is not arn:aws:iam::ACCOUNT:saml-provider/NAME", arn))
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		panic("ststest: SAML provider " + arn + ": no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic(fmt.Sprintf("ststest: SAML provider %s: %v", arn, err))
	}
	s.saml.mu.Lock()
	defer s.saml.mu.Unlock()
	if s.saml.certs == nil {
		s.saml.certs = map[string]*x509.Certificate{}
	}
	s.saml.certs[arn] = cert
}

func (p *samlProviders) cert(arn string) (*x509.Certificate, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.certs[arn]
	return c, ok
}

type assumeRoleWithSAMLResult struct {
	XMLName         xml.Name `xml:"AssumeRoleWithSAMLResult"`
	Credentials     credentialsXML
	AssumedRoleUser struct {
		AssumedRoleId string
		Arn           string
	}
	Audience      string
	Issuer        string
	NameQualifier string
	Subject       string
	SubjectType   string
}

// samlAssertion is what STS reads from a verified assertion.
type samlAssertion struct {
	issuer, subject, subjectFormat, recipient string
	notBefore, notOnOrAfter                   time.Time
	confirmNotOnOrAfter, sessionNotOnOrAfter  time.Time
	audiences                                 []string
	attrs                                     map[string][]string
}

// assumeRoleWithSAML checks the assertion as STS does: signed (the response
// or the assertion) with the registered provider's key, for AWS's
// audience, within its validity window, and naming the role with the
// provider. The Recipient is required but not compared with a URL, so an
// IdP may address its responses to a stand-in endpoint in tests.
func (s *Server) assumeRoleWithSAML(_ *principal, params url.Values) (any, *apiError) {
	var v validator
	roleARN := v.str(params, "RoleArn", "roleArn", true, 20, 2048, nil)
	providerARN := v.str(params, "PrincipalArn", "principalArn", true, 20, 2048, nil)
	encoded := v.str(params, "SAMLAssertion", "sAMLAssertion", true, 4, 100000, nil)
	dur := v.duration(params, "DurationSeconds", "durationSeconds", 3600, 900, 43200)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	cert, ok := s.saml.cert(providerARN)
	if !ok {
		return nil, newError(400, "InvalidIdentityToken", "SAML provider "+providerARN+" does not exist")
	}
	now := time.Now().UTC()
	a, aerr := verifySAMLResponse(encoded, cert)
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case !a.notBefore.IsZero() && now.Before(a.notBefore):
		return nil, newError(400, "InvalidIdentityToken", "Response is not yet valid")
	case a.notOnOrAfter.IsZero() || a.confirmNotOnOrAfter.IsZero():
		return nil, newError(400, "InvalidIdentityToken", "NotOnOrAfter is required in the SAML assertion")
	case !now.Before(a.notOnOrAfter) || !now.Before(a.confirmNotOnOrAfter):
		return nil, newError(400, "ExpiredTokenException", msgSAMLExpired)
	case !samlContains(a.audiences, samlAudience) && !samlSignInAudience(a.audiences):
		return nil, newError(400, "InvalidIdentityToken", "Audience restriction of the SAML assertion does not include "+samlAudience)
	case a.recipient == "":
		return nil, newError(400, "InvalidIdentityToken", "Recipient is required in the SAML assertion")
	}
	names := a.attrs[samlAttrSessionName]
	if len(names) != 1 {
		return nil, newError(400, "InvalidIdentityToken", "RoleSessionName is required in the SAML assertion")
	}
	sessionName := strings.TrimSpace(names[0])
	if n := len(sessionName); n < 2 || n > 64 || !sessionNameRE.MatchString(sessionName) {
		return nil, newError(400, "InvalidIdentityToken", "RoleSessionName in the SAML assertion is not valid: "+sessionName)
	}
	if !samlRolePairListed(a.attrs[samlAttrRole], roleARN, providerARN) {
		return nil, newError(403, "AccessDenied", msgSAMLNotAuthorized)
	}
	s.mu.Lock()
	role, ok := s.roles[roleARN]
	var r Role
	if ok {
		r = *role
	}
	s.mu.Unlock()
	// No SAML sign-in proves MFA to STS.
	if !ok || r.RequireMFA {
		return nil, newError(403, "AccessDenied", msgSAMLNotAuthorized)
	}
	if time.Duration(dur)*time.Second > r.MaxSessionDuration {
		return nil, newError(400, "ValidationError", msgMaxDur)
	}
	if !a.sessionNotOnOrAfter.IsZero() {
		// The session lasts until the IdP's session ends, if that is sooner.
		if left := int(a.sessionNotOnOrAfter.Sub(now) / time.Second); left < dur {
			dur = max(left, 1)
		}
	}

	account, name, _ := parseRoleARN(roleARN)
	m := samlProviderARNRE.FindStringSubmatch(providerARN)
	sess := &session{
		kind: kindRole, user: &User{Name: "saml/" + a.subject, Account: account},
		roleARN: roleARN, roleAccount: account, roleName: name, sessionName: sessionName,
	}
	res := &assumeRoleWithSAMLResult{Credentials: s.issue(sess, dur)}
	caller := principal{sess: sess}
	res.AssumedRoleUser.Arn = caller.arn()
	res.AssumedRoleUser.AssumedRoleId = caller.userID()
	res.Audience = a.recipient
	res.Issuer = a.issuer
	res.Subject = a.subject
	res.SubjectType = strings.TrimPrefix(a.subjectFormat, nameIDPrefix)
	sum := sha1.Sum([]byte(a.issuer + m[1] + "/" + m[2]))
	res.NameQualifier = base64.StdEncoding.EncodeToString(sum[:])
	return res, nil
}

// verifySAMLResponse decodes a SAMLResponse and returns the content of its
// assertion that a signature by cert covers: the signed response's, else
// the signed assertion's. Nothing outside the signed element is read.
func verifySAMLResponse(encoded string, cert *x509.Certificate) (*samlAssertion, *apiError) {
	invalid := func(msg string) *apiError { return newError(400, "InvalidIdentityToken", msg) }
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(encoded), ""))
	if err != nil {
		return nil, invalid("Invalid SAML response: not base64")
	}
	// Reject XML that does not survive a round trip through encoding/xml,
	// the known way to make two parsers see two documents.
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return nil, invalid("Invalid SAML response: malformed XML")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, invalid("Invalid SAML response: malformed XML")
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsSAMLProtocol {
		return nil, invalid("Invalid SAML response: not a samlp:Response")
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	var assertion *etree.Element
	signed, err := ctx.Validate(root)
	switch {
	case err == nil:
		if st := samlStatus(signed); st != samlSuccess {
			return nil, newError(403, "IDPRejectedClaim", "The identity provider answered "+st)
		}
		as := samlChildren(signed, nsSAMLAssertion, "Assertion")
		if len(as) != 1 {
			return nil, invalid("Invalid SAML response: want exactly one unencrypted Assertion")
		}
		assertion = as[0]
	case errors.Is(err, dsig.ErrMissingSignature):
		if st := samlStatus(root); st != samlSuccess {
			return nil, newError(403, "IDPRejectedClaim", "The identity provider answered "+st)
		}
		as := samlChildren(root, nsSAMLAssertion, "Assertion")
		if len(as) != 1 {
			return nil, invalid("Invalid SAML response: want exactly one unencrypted Assertion")
		}
		if assertion, err = ctx.Validate(as[0]); err != nil {
			return nil, invalid(msgSAMLSignature)
		}
	default:
		return nil, invalid(msgSAMLSignature)
	}
	return readSAMLAssertion(assertion), nil
}

func samlStatus(resp *etree.Element) string {
	for _, st := range samlChildren(resp, nsSAMLProtocol, "Status") {
		for _, code := range samlChildren(st, nsSAMLProtocol, "StatusCode") {
			return code.SelectAttrValue("Value", "")
		}
	}
	return ""
}

// samlChildren are el's child elements of the namespace and local name.
func samlChildren(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

func samlTime(el *etree.Element, attr string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, el.SelectAttrValue(attr, ""))
	return t
}

func readSAMLAssertion(a *etree.Element) *samlAssertion {
	out := &samlAssertion{attrs: map[string][]string{}}
	for _, iss := range samlChildren(a, nsSAMLAssertion, "Issuer") {
		out.issuer = strings.TrimSpace(iss.Text())
	}
	for _, subj := range samlChildren(a, nsSAMLAssertion, "Subject") {
		for _, id := range samlChildren(subj, nsSAMLAssertion, "NameID") {
			out.subject = strings.TrimSpace(id.Text())
			out.subjectFormat = id.SelectAttrValue("Format", "")
		}
		for _, sc := range samlChildren(subj, nsSAMLAssertion, "SubjectConfirmation") {
			if sc.SelectAttrValue("Method", "") != samlBearer {
				continue
			}
			for _, d := range samlChildren(sc, nsSAMLAssertion, "SubjectConfirmationData") {
				out.confirmNotOnOrAfter = samlTime(d, "NotOnOrAfter")
				out.recipient = d.SelectAttrValue("Recipient", "")
			}
		}
	}
	for _, c := range samlChildren(a, nsSAMLAssertion, "Conditions") {
		out.notBefore, out.notOnOrAfter = samlTime(c, "NotBefore"), samlTime(c, "NotOnOrAfter")
		for _, ar := range samlChildren(c, nsSAMLAssertion, "AudienceRestriction") {
			for _, au := range samlChildren(ar, nsSAMLAssertion, "Audience") {
				out.audiences = append(out.audiences, strings.TrimSpace(au.Text()))
			}
		}
	}
	for _, st := range samlChildren(a, nsSAMLAssertion, "AuthnStatement") {
		out.sessionNotOnOrAfter = samlTime(st, "SessionNotOnOrAfter")
	}
	for _, st := range samlChildren(a, nsSAMLAssertion, "AttributeStatement") {
		for _, at := range samlChildren(st, nsSAMLAssertion, "Attribute") {
			name := at.SelectAttrValue("Name", "")
			for _, val := range samlChildren(at, nsSAMLAssertion, "AttributeValue") {
				out.attrs[name] = append(out.attrs[name], strings.TrimSpace(val.Text()))
			}
		}
	}
	return out
}

// samlRolePairListed says whether a Role attribute value pairs the role with
// the provider; AWS accepts the two ARNs in either order.
func samlRolePairListed(values []string, roleARN, providerARN string) bool {
	for _, v := range values {
		a, b, ok := strings.Cut(v, ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if ok && (a == roleARN && b == providerARN || a == providerARN && b == roleARN) {
			return true
		}
	}
	return false
}

func samlContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// samlSignInAudience accepts AWS's sign-in endpoints as the audience, as
// STS does: https://[REGION.]signin.aws.amazon.com/saml and the other
// partitions' equivalents.
func samlSignInAudience(audiences []string) bool {
	for _, a := range audiences {
		u, err := url.Parse(a)
		if err != nil || u.Scheme != "https" || !strings.HasPrefix(u.Path, "/saml") {
			continue
		}
		for _, host := range []string{"signin.aws.amazon.com", "signin.amazonaws-us-gov.com", "signin.amazonaws.cn"} {
			if u.Host == host || strings.HasSuffix(u.Host, "."+host) {
				return true
			}
		}
	}
	return false
}
