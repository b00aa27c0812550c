package ststest_test

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/aws-runas/aws-runas/internal/idptest"
	"github.com/aws-runas/aws-runas/internal/ststest"
)

const samlProvider = "arn:aws:iam::111122223333:saml-provider/idptest"

func samlServers(t *testing.T) (*ststest.Server, *idptest.SAML) {
	t.Helper()
	srv := newServer(t)
	idp := idptest.NewSAML(t)
	srv.AddSAMLProvider(samlProvider, idp.CertPEM)
	pair := roleAdmin + "," + samlProvider
	idp.AddUser(idptest.User{Name: "alice", Password: "pw", Roles: []string{pair, samlProvider + "," + roleLong}, RoleSessionName: "alice@example.com"})
	idp.AddUser(idptest.User{Name: "eve", Roles: []string{pair}, Expired: true})
	idp.AddUser(idptest.User{Name: "mallory", Roles: []string{roleLong + "," + samlProvider}, Tamper: func(x []byte) []byte {
		return []byte(strings.ReplaceAll(string(x), roleLong, roleAdmin))
	}})
	idp.AddUser(idptest.User{Name: "nosession", Roles: []string{pair}, RoleSessionName: "x"})
	idp.AddUser(idptest.User{Name: "mfa", Roles: []string{roleMFA + "," + samlProvider}})
	return srv, idp
}

// samlClient is the SDK client as aws-runas uses it: AssumeRoleWithSAML is
// not signed.
func samlClient(srv *ststest.Server) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{}})
}

func withSAML(srv *ststest.Server, role, assertion string, optFns ...func(*sts.AssumeRoleWithSAMLInput)) (*sts.AssumeRoleWithSAMLOutput, error) {
	in := &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(samlProvider), SAMLAssertion: aws.String(assertion)}
	for _, fn := range optFns {
		fn(in)
	}
	return samlClient(srv).AssumeRoleWithSAML(context.Background(), in)
}

func response(t *testing.T, idp *idptest.SAML, user string) string {
	t.Helper()
	r, err := idp.Response(user)
	mustOK(t, err)
	return r
}

func TestAssumeRoleWithSAML(t *testing.T) {
	srv, idp := samlServers(t)
	a := response(t, idp, "alice")
	before := time.Now()
	out, err := withSAML(srv, roleAdmin, a)
	mustOK(t, err)
	c := out.Credentials
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || *c.SessionToken == "" || c.Expiration.Sub(before) < 59*time.Minute || c.Expiration.Sub(before) > 61*time.Minute {
		t.Fatalf("credentials %+v", c)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::111122223333:assumed-role/admin/alice@example.com" ||
		*out.Subject != "alice" || *out.SubjectType != "persistent" || *out.Issuer != idp.EntityID() ||
		*out.Audience != idptest.AWSSignInURL || *out.NameQualifier == "" {
		t.Fatalf("output %+v %s %s %s %s", out.AssumedRoleUser, *out.Subject, *out.SubjectType, *out.Issuer, *out.Audience)
	}
	if srv.Calls()[0].AccessKeyID != "" {
		t.Fatal("the call was signed")
	}
	id, err := from(srv, c).GetCallerIdentity(context.Background(), nil)
	mustOK(t, err)
	if *id.Arn != *out.AssumedRoleUser.Arn || *id.Account != acct {
		t.Fatalf("caller %s %s", *id.Arn, *id.Account)
	}
	// The pair may name the provider first; durations up to the role's maximum.
	out, err = withSAML(srv, roleLong, a, func(in *sts.AssumeRoleWithSAMLInput) { in.DurationSeconds = aws.Int32(7200) })
	mustOK(t, err)
	if d := out.Credentials.Expiration.Sub(before); d < 119*time.Minute {
		t.Fatalf("expires in %v", d)
	}
	_, err = withSAML(srv, roleAdmin, a, func(in *sts.AssumeRoleWithSAMLInput) { in.DurationSeconds = aws.Int32(7200) })
	wantErr(t, err, "ValidationError", 400, "MaxSessionDuration")
}

func TestAssumeRoleWithSAMLRejects(t *testing.T) {
	srv, idp := samlServers(t)
	other := idptest.NewSAML(t) // same users, another key
	other.AddUser(idptest.User{Name: "alice", Roles: []string{roleAdmin + "," + samlProvider}})
	alice := response(t, idp, "alice")
	raw, _ := base64.StdEncoding.DecodeString(alice)
	// Both signatures gone: nothing vouches for the assertion.
	unsigned := regexp.MustCompile(`(?s)<ds:Signature.*?</ds:Signature>`).ReplaceAllString(string(raw), "")
	for _, tc := range []struct {
		name, role, assertion string
		provider              string
		code                  string
		status                int
		msg                   string
	}{
		{"tampered", roleAdmin, response(t, idp, "mallory"), "", "InvalidIdentityToken", 400, "signature"},
		{"other key", roleAdmin, response(t, other, "alice"), "", "InvalidIdentityToken", 400, "signature"},
		{"unsigned", roleAdmin, base64.StdEncoding.EncodeToString([]byte(unsigned)), "", "InvalidIdentityToken", 400, "signature"},
		{"expired", roleAdmin, response(t, idp, "eve"), "", "ExpiredTokenException", 400, "expired"},
		{"role not listed", roleMFA2, alice, "", "AccessDenied", 403, "sts:AssumeRoleWithSAML"},
		{"role needs MFA", roleMFA, response(t, idp, "mfa"), "", "AccessDenied", 403, "sts:AssumeRoleWithSAML"},
		{"unknown provider", roleAdmin, alice, "arn:aws:iam::111122223333:saml-provider/nope", "InvalidIdentityToken", 400, "does not exist"},
		{"bad session name", roleAdmin, response(t, idp, "nosession"), "", "InvalidIdentityToken", 400, "RoleSessionName"},
		{"not base64", roleAdmin, "%%%%", "", "InvalidIdentityToken", 400, "base64"},
		{"not SAML", roleAdmin, base64.StdEncoding.EncodeToString([]byte("<x/>")), "", "InvalidIdentityToken", 400, "Response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := withSAML(srv, tc.role, tc.assertion, func(in *sts.AssumeRoleWithSAMLInput) {
				if tc.provider != "" {
					in.PrincipalArn = aws.String(tc.provider)
				}
			})
			wantErr(t, err, tc.code, tc.status, tc.msg)
		})
	}
}

// A response whose own signature is removed still counts when its
// assertion is signed, as with IdPs that sign the assertion only.
func TestAssumeRoleWithSAMLAssertionSigned(t *testing.T) {
	srv, idp := samlServers(t)
	raw, _ := base64.StdEncoding.DecodeString(response(t, idp, "alice"))
	s := string(raw)
	// The response's signature is its first ds:Signature; the assertion's
	// comes inside saml:Assertion, after it.
	i, j := strings.Index(s, "<ds:Signature"), strings.Index(s, "</ds:Signature>")
	if i < 0 || j < i || strings.Index(s, "<saml:Assertion") < i {
		t.Fatalf("unexpected layout: %.300s", s)
	}
	stripped := s[:i] + s[j+len("</ds:Signature>"):]
	_, err := withSAML(srv, roleAdmin, base64.StdEncoding.EncodeToString([]byte(stripped)))
	mustOK(t, err)

	// With the response unsigned, an assertion added beside the signed one
	// (a wrapping attack) is refused, not read.
	k := strings.Index(stripped, "<saml:Assertion")
	wrapped := stripped[:k] + `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="evil"></saml:Assertion>` + stripped[k:]
	_, err = withSAML(srv, roleAdmin, base64.StdEncoding.EncodeToString([]byte(wrapped)))
	wantErr(t, err, "InvalidIdentityToken", 400, "")
}
