package ststest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

const (
	acct      = "111122223333"
	otherAcct = "444455556666"
	aliceKey  = "AKIAALICE0000EXAMPLE"
	aliceSec  = "aliceSecretaliceSecretaliceSecretalice00"
	aliceMFA  = "arn:aws:iam::111122223333:mfa/alice"
	aliceCode = "123456"
	bobKey    = "AKIABOB00000EXAMPLE0"
	bobSec    = "bobSecretbobSecretbobSecretbobSecretbob0"

	roleAdmin    = "arn:aws:iam::111122223333:role/admin"
	roleLong     = "arn:aws:iam::111122223333:role/long"
	roleMFA      = "arn:aws:iam::111122223333:role/needs-mfa"
	roleMFA2     = "arn:aws:iam::111122223333:role/needs-mfa-too"
	roleExternal = "arn:aws:iam::444455556666:role/path/to/partner"
)

func newServer(t *testing.T) *ststest.Server {
	t.Helper()
	srv := ststest.NewTest(t)
	srv.AddUser(ststest.User{Name: "alice", Account: acct, AccessKeyID: aliceKey, SecretAccessKey: aliceSec,
		MFASerial: aliceMFA, MFACode: aliceCode})
	srv.AddUser(ststest.User{Name: "bob", Account: acct, AccessKeyID: bobKey, SecretAccessKey: bobSec})
	srv.AddRole(ststest.Role{ARN: roleAdmin})
	srv.AddRole(ststest.Role{ARN: roleLong, MaxSessionDuration: 2 * time.Hour})
	srv.AddRole(ststest.Role{ARN: roleMFA, RequireMFA: true})
	srv.AddRole(ststest.Role{ARN: roleMFA2, RequireMFA: true})
	srv.AddRole(ststest.Role{ARN: roleExternal, ExternalID: "partner-42"})
	return srv
}

// client is the real SDK client, without retries unless optFns add them.
func client(srv *ststest.Server, id, secret, token string, optFns ...func(*sts.Options)) *sts.Client {
	return sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		Retryer:      aws.NopRetryer{},
	}, optFns...)
}

func alice(srv *ststest.Server, optFns ...func(*sts.Options)) *sts.Client {
	return client(srv, aliceKey, aliceSec, "", optFns...)
}

func from(srv *ststest.Server, c *types.Credentials) *sts.Client {
	return client(srv, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
}

// wantErr fails unless err is the STS error code with the HTTP status, and
// the message contains msg.
func wantErr(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("want %s %q, got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sessionToken(t *testing.T, srv *ststest.Server, in *sts.GetSessionTokenInput) *types.Credentials {
	t.Helper()
	out, err := alice(srv).GetSessionToken(context.Background(), in)
	mustOK(t, err)
	return out.Credentials
}

func assume(c *sts.Client, role string, optFns ...func(*sts.AssumeRoleInput)) (*sts.AssumeRoleOutput, error) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("test-session")}
	for _, fn := range optFns {
		fn(in)
	}
	return c.AssumeRole(context.Background(), in)
}

func TestGetSessionToken(t *testing.T) {
	srv := newServer(t)
	before := time.Now()
	c := sessionToken(t, srv, &sts.GetSessionTokenInput{})
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || len(*c.AccessKeyId) != 20 || *c.SecretAccessKey == "" || *c.SessionToken == "" {
		t.Fatalf("bad credentials %+v", c)
	}
	// Default 12h.
	if d := c.Expiration.Sub(before); d < 12*time.Hour-2*time.Second || d > 12*time.Hour+time.Second {
		t.Fatalf("default duration %v, want 12h", d)
	}
	c2 := sessionToken(t, srv, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if *c2.AccessKeyId == *c.AccessKeyId || *c2.SecretAccessKey == *c.SecretAccessKey || *c2.SessionToken == *c.SessionToken {
		t.Fatal("credentials repeat")
	}
	if d := c2.Expiration.Sub(before); d < 899*time.Second || d > 901*time.Second {
		t.Fatalf("duration %v, want 15m", d)
	}
	sessionToken(t, srv, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)})
	for _, d := range []int32{899, 129601} {
		_, err := alice(srv).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(d)})
		wantErr(t, err, "ValidationError", 400, "at 'durationSeconds' failed to satisfy constraint")
	}
}

func TestBadSignature(t *testing.T) {
	srv := newServer(t)
	_, err := client(srv, aliceKey, "wrong"+aliceSec[5:], "").GetCallerIdentity(context.Background(), nil)
	wantErr(t, err, "SignatureDoesNotMatch", 403, "does not match the signature you provided")
}

// rewriteBody changes the body after the SDK signed it.
type rewriteBody struct{ old, new string }

func (rb rewriteBody) Do(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	b = bytes.Replace(b, []byte(rb.old), []byte(rb.new), 1)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return http.DefaultClient.Do(r)
}

func TestTamperedBodyFailsSignature(t *testing.T) {
	srv := newServer(t)
	// Same length, so only the payload hash can catch it.
	c := alice(srv, func(o *sts.Options) { o.HTTPClient = rewriteBody{"DurationSeconds=900", "DurationSeconds=901"} })
	_, err := c.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	wantErr(t, err, "SignatureDoesNotMatch", 403, "does not match")
}

func TestUnknownKey(t *testing.T) {
	srv := newServer(t)
	_, err := client(srv, "AKIANOBODY0000000000", aliceSec, "").GetCallerIdentity(context.Background(), nil)
	wantErr(t, err, "InvalidClientTokenId", 403, "security token included in the request is invalid")
}

// skewedSigner signs with a clock that is off by skew.
type skewedSigner struct{ skew time.Duration }

func (s skewedSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, hash, service, region string, t time.Time, optFns ...func(*v4.SignerOptions)) error {
	return v4.NewSigner().SignHTTP(ctx, creds, r, hash, service, region, t.Add(s.skew), optFns...)
}

func TestClockSkew(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		skew time.Duration
		msg  string
	}{
		{-16 * time.Minute, "Signature expired: "},
		{16 * time.Minute, "Signature not yet current: "},
		{-14 * time.Minute, ""},
		{14 * time.Minute, ""},
	} {
		_, err := alice(srv, func(o *sts.Options) { o.HTTPSignerV4 = skewedSigner{tc.skew} }).GetCallerIdentity(context.Background(), nil)
		if tc.msg == "" {
			mustOK(t, err)
			continue
		}
		wantErr(t, err, "SignatureDoesNotMatch", 403, tc.msg)
	}
}

func TestSessionTokenMustMatch(t *testing.T) {
	srv := newServer(t)
	c := sessionToken(t, srv, &sts.GetSessionTokenInput{})
	_, err := from(srv, c).GetCallerIdentity(context.Background(), nil)
	mustOK(t, err)
	for _, token := range []string{"", "x" + *c.SessionToken} {
		_, err := client(srv, *c.AccessKeyId, *c.SecretAccessKey, token).GetCallerIdentity(context.Background(), nil)
		wantErr(t, err, "InvalidClientTokenId", 403, "invalid")
	}
	// A token with long-term keys is as wrong.
	_, err = client(srv, aliceKey, aliceSec, *c.SessionToken).GetCallerIdentity(context.Background(), nil)
	wantErr(t, err, "InvalidClientTokenId", 403, "invalid")
}

func TestGetSessionTokenMFA(t *testing.T) {
	srv := newServer(t)
	gst := func(serial, code string) (*sts.GetSessionTokenOutput, error) {
		return alice(srv).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
			SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
	}
	out, err := gst(aliceMFA, aliceCode)
	mustOK(t, err)
	// The MFA is remembered: the session may assume a role that requires it.
	_, err = assume(from(srv, out.Credentials), roleMFA)
	mustOK(t, err)

	_, err = gst(aliceMFA, "654321")
	wantErr(t, err, "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	_, err = gst("arn:aws:iam::111122223333:mfa/mallory", aliceCode)
	wantErr(t, err, "AccessDenied", 403, "MultiFactorAuthentication failed, unable to validate MFA code.")
	_, err = gst(aliceMFA, "12345")
	wantErr(t, err, "ValidationError", 400, "at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6")
	_, err = gst(aliceMFA, "12345a")
	wantErr(t, err, "ValidationError", 400, "at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern")
	// bob has no MFA device.
	_, err = client(srv, bobKey, bobSec, "").GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
		SerialNumber: aws.String(aliceMFA), TokenCode: aws.String(aliceCode)})
	wantErr(t, err, "AccessDenied", 403, "unable to validate MFA code")
	_, err = alice(srv).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{TokenCode: aws.String(aliceCode)})
	wantErr(t, err, "AccessDenied", 403, "MultiFactorAuthentication failed")

	// Without MFA, the session cannot assume the role.
	c := sessionToken(t, srv, &sts.GetSessionTokenInput{})
	_, err = assume(from(srv, c), roleMFA)
	wantErr(t, err, "AccessDenied", 403, "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:AssumeRole on resource: "+roleMFA)
}

func TestAssumeRoleMFA(t *testing.T) {
	srv := newServer(t)
	_, err := assume(alice(srv), roleMFA)
	wantErr(t, err, "AccessDenied", 403, "is not authorized to perform: sts:AssumeRole on resource: "+roleMFA)
	_, err = assume(alice(srv), roleMFA, func(in *sts.AssumeRoleInput) {
		in.SerialNumber, in.TokenCode = aws.String(aliceMFA), aws.String("000000")
	})
	wantErr(t, err, "AccessDenied", 403, "invalid MFA one time pass code")

	out, err := assume(alice(srv), roleMFA, func(in *sts.AssumeRoleInput) {
		in.SerialNumber, in.TokenCode = aws.String(aliceMFA), aws.String(aliceCode)
	})
	mustOK(t, err)
	// MFA propagates along the chain.
	_, err = assume(from(srv, out.Credentials), roleMFA2)
	mustOK(t, err)

	// A chain that started without MFA has none.
	plain, err := assume(alice(srv), roleAdmin)
	mustOK(t, err)
	_, err = assume(from(srv, plain.Credentials), roleMFA2)
	wantErr(t, err, "AccessDenied", 403, "User: arn:aws:sts::111122223333:assumed-role/admin/test-session is not authorized")
}

func TestRoleChaining(t *testing.T) {
	srv := newServer(t)
	dur := func(d int32) func(*sts.AssumeRoleInput) {
		return func(in *sts.AssumeRoleInput) { in.DurationSeconds = aws.Int32(d) }
	}
	// Long-term keys may ask the role's maximum, not more.
	_, err := assume(alice(srv), roleLong, dur(7200))
	mustOK(t, err)
	_, err = assume(alice(srv), roleLong, dur(7201))
	wantErr(t, err, "ValidationError", 400, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	_, err = assume(alice(srv), roleAdmin, dur(3601))
	wantErr(t, err, "ValidationError", 400, "MaxSessionDuration")
	_, err = assume(alice(srv), roleAdmin, dur(899))
	wantErr(t, err, "ValidationError", 400, "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")

	gst := sessionToken(t, srv, &sts.GetSessionTokenInput{})
	role, err := assume(alice(srv), roleAdmin)
	mustOK(t, err)
	for name, c := range map[string]*types.Credentials{"session token": gst, "role": role.Credentials} {
		_, err = assume(from(srv, c), roleLong, dur(3601))
		wantErr(t, err, "ValidationError", 400, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		out, err := assume(from(srv, c), roleLong, dur(3600))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := time.Until(*out.Credentials.Expiration); d < 3590*time.Second || d > 3601*time.Second {
			t.Fatalf("%s: chained duration %v", name, d)
		}
	}
}

func TestExternalID(t *testing.T) {
	srv := newServer(t)
	ext := func(id string) func(*sts.AssumeRoleInput) {
		return func(in *sts.AssumeRoleInput) { in.ExternalId = aws.String(id) }
	}
	_, err := assume(alice(srv), roleExternal)
	wantErr(t, err, "AccessDenied", 403, "on resource: "+roleExternal)
	_, err = assume(alice(srv), roleExternal, ext("partner-43"))
	wantErr(t, err, "AccessDenied", 403, "on resource: "+roleExternal)
	out, err := assume(alice(srv), roleExternal, ext("partner-42"))
	mustOK(t, err)
	if want := "arn:aws:sts::444455556666:assumed-role/partner/test-session"; *out.AssumedRoleUser.Arn != want {
		t.Fatalf("assumed role ARN %s, want %s", *out.AssumedRoleUser.Arn, want)
	}
	// A role without an external ID ignores one.
	_, err = assume(alice(srv), roleAdmin, ext("whatever"))
	mustOK(t, err)
}

func TestRoleSessionName(t *testing.T) {
	srv := newServer(t)
	name := func(n string) func(*sts.AssumeRoleInput) {
		return func(in *sts.AssumeRoleInput) { in.RoleSessionName = aws.String(n) }
	}
	for _, ok := range []string{"ab", strings.Repeat("x", 64), "a_b+c=d,e.f@g-h"} {
		_, err := assume(alice(srv), roleAdmin, name(ok))
		if err != nil {
			t.Fatalf("%q: %v", ok, err)
		}
	}
	for bad, msg := range map[string]string{
		"a":                     "Member must have length greater than or equal to 2",
		strings.Repeat("x", 65): "Member must have length less than or equal to 64",
		"bad name":              `Member must satisfy regular expression pattern: [\w+=,.@-]*`,
		"bad/name":              "Member must satisfy regular expression pattern",
		"ünï":                   "Member must satisfy regular expression pattern",
	} {
		_, err := assume(alice(srv), roleAdmin, name(bad))
		wantErr(t, err, "ValidationError", 400, "at 'roleSessionName' failed to satisfy constraint: "+msg)
	}
	// The SDK refuses to send a request without the name; sign one by hand.
	status, body := signed(t, srv, http.MethodPost, "Action=AssumeRole&Version=2011-06-15&RoleArn="+roleAdmin)
	if status != 400 || !strings.Contains(body, "<Code>ValidationError</Code><Message>1 validation error detected: "+
		"Value null at &#39;roleSessionName&#39; failed to satisfy constraint: Member must not be null</Message>") {
		t.Fatalf("%d %s", status, body)
	}
}

// signed sends the parameters signed by alice with the SDK's signer: as the
// body of a POST, or the query string of a GET.
func signed(t *testing.T, srv *ststest.Server, method, form string) (int, string) {
	t.Helper()
	var req *http.Request
	var err error
	body := form
	if method == http.MethodGet {
		req, err = http.NewRequest(method, srv.URL+"/?"+form, nil)
		body = ""
	} else {
		req, err = http.NewRequest(method, srv.URL, strings.NewReader(form))
	}
	mustOK(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSec},
		req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now())
	mustOK(t, err)
	resp, err := http.DefaultClient.Do(req)
	mustOK(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestUnknownRole(t *testing.T) {
	srv := newServer(t)
	const role = "arn:aws:iam::111122223333:role/nope"
	_, err := assume(alice(srv), role)
	wantErr(t, err, "AccessDenied", 403, "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:AssumeRole on resource: "+role)
}

func TestGetSessionTokenWithSessionCredentials(t *testing.T) {
	srv := newServer(t)
	gst := sessionToken(t, srv, &sts.GetSessionTokenInput{})
	role, err := assume(alice(srv), roleAdmin)
	mustOK(t, err)
	for _, c := range []*types.Credentials{gst, role.Credentials} {
		_, err := from(srv, c).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
		wantErr(t, err, "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")
	}
}

func TestExpire(t *testing.T) {
	srv := newServer(t)
	c := sessionToken(t, srv, &sts.GetSessionTokenInput{})
	role, err := assume(from(srv, c), roleAdmin)
	mustOK(t, err)
	if !srv.Expire(*c.AccessKeyId) {
		t.Fatal("Expire did not find the key")
	}
	if srv.Expire(aliceKey) {
		t.Fatal("Expire found a long-term key")
	}
	_, err = from(srv, c).GetCallerIdentity(context.Background(), nil)
	wantErr(t, err, "ExpiredToken", 400, "The security token included in the request is expired")
	// Only that key.
	_, err = from(srv, role.Credentials).GetCallerIdentity(context.Background(), nil)
	mustOK(t, err)
	srv.ExpireAll()
	_, err = assume(from(srv, role.Credentials), roleAdmin)
	wantErr(t, err, "ExpiredToken", 400, "expired")
	// Long-term keys never expire.
	_, err = alice(srv).GetCallerIdentity(context.Background(), nil)
	mustOK(t, err)
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		code   string
		status int
		msg    string
	}{
		{"AccessDenied", 403, "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:GetCallerIdentity"},
		{"ExpiredToken", 400, "The security token included in the request is expired"},
		{"Throttling", 400, "Rate exceeded"},
		{"InternalFailure", 500, "internal error"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			srv := newServer(t)
			srv.Fail(ststest.Fault{Code: tc.code})
			for range 2 { // forever
				_, err := alice(srv).GetCallerIdentity(context.Background(), nil)
				wantErr(t, err, tc.code, tc.status, tc.msg)
			}
			srv.ClearFaults()
			_, err := alice(srv).GetCallerIdentity(context.Background(), nil)
			mustOK(t, err)
		})
	}
}

func TestFaultOverrides(t *testing.T) {
	srv := newServer(t)
	srv.Fail(ststest.Fault{Action: "AssumeRole", Code: "RegionDisabledException", Message: "STS is not activated", Status: 403, Times: 1})
	// Other actions are untouched.
	_, err := alice(srv).GetCallerIdentity(context.Background(), nil)
	mustOK(t, err)
	_, err = assume(alice(srv), roleAdmin)
	var rd *types.RegionDisabledException
	if !errors.As(err, &rd) || rd.ErrorMessage() != "STS is not activated" {
		t.Fatalf("want RegionDisabledException, got %v", err)
	}
	wantErr(t, err, "RegionDisabledException", 403, "STS is not activated")
	_, err = assume(alice(srv), roleAdmin)
	mustOK(t, err)
}

func TestFaultTimesWithRetries(t *testing.T) {
	srv := newServer(t)
	srv.Fail(ststest.Fault{Code: "Throttling", Times: 1})
	srv.Fail(ststest.Fault{Code: "InternalFailure", Times: 1})
	retrying := func(o *sts.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	_, err := alice(srv, retrying).GetCallerIdentity(context.Background(), nil)
	mustOK(t, err)
	calls := srv.Calls()
	if len(calls) != 3 || calls[0].Err != "Throttling" || calls[1].Err != "InternalFailure" || calls[2].Err != "" {
		t.Fatalf("calls %+v", calls)
	}
}

func TestFaultDelay(t *testing.T) {
	srv := newServer(t)
	srv.Fail(ststest.Fault{Action: "GetCallerIdentity", Delay: 50 * time.Millisecond, Times: 1})
	start := time.Now()
	_, err := alice(srv).GetCallerIdentity(context.Background(), nil)
	mustOK(t, err)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("answered after %v, want >= 50ms", d)
	}

	// A delay the client gives up on ends with the client.
	srv.Fail(ststest.Fault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = alice(srv).GetCallerIdentity(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); srv.CallCount("") < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the server kept the canceled request")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if c := srv.Calls()[1]; c.Err != ststest.ErrCanceled {
		t.Fatalf("canceled call recorded as %+v", c)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestGetCallerIdentity(t *testing.T) {
	srv := newServer(t)
	check := func(c *sts.Client, arn, account, userIDPrefix string) {
		t.Helper()
		out, err := c.GetCallerIdentity(context.Background(), nil)
		mustOK(t, err)
		if *out.Arn != arn || *out.Account != account || !strings.HasPrefix(*out.UserId, userIDPrefix) {
			t.Fatalf("got %s %s %s, want %s %s %s...", *out.Arn, *out.Account, *out.UserId, arn, account, userIDPrefix)
		}
	}
	const userARN = "arn:aws:iam::111122223333:user/alice"
	check(alice(srv), userARN, acct, "AIDA")
	gst := sessionToken(t, srv, &sts.GetSessionTokenInput{})
	check(from(srv, gst), userARN, acct, "AIDA")

	out, err := assume(alice(srv), roleExternal, func(in *sts.AssumeRoleInput) {
		in.ExternalId, in.RoleSessionName = aws.String("partner-42"), aws.String("alice@example.com")
	})
	mustOK(t, err)
	const roleARN = "arn:aws:sts::444455556666:assumed-role/partner/alice@example.com"
	check(from(srv, out.Credentials), roleARN, otherAcct, "AROA")
	id, _ := from(srv, out.Credentials).GetCallerIdentity(context.Background(), nil)
	if *id.UserId != *out.AssumedRoleUser.AssumedRoleId || !strings.HasSuffix(*id.UserId, ":alice@example.com") {
		t.Fatalf("UserId %s, AssumedRoleId %s", *id.UserId, *out.AssumedRoleUser.AssumedRoleId)
	}
}

func TestParallel(t *testing.T) {
	srv := newServer(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			c := alice(srv)
			if i%2 == 0 {
				out, err := c.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
				if err != nil {
					errs <- err
					return
				}
				c = from(srv, out.Credentials)
			}
			if _, err := assume(c, roleAdmin); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := srv.CallCount("AssumeRole"); n != 20 {
		t.Fatalf("%d AssumeRole calls, want 20", n)
	}
	if n := srv.CallCount(""); n != 30 {
		t.Fatalf("%d calls, want 30", n)
	}
}

func TestCallsRecordParams(t *testing.T) {
	srv := newServer(t)
	_, err := alice(srv).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(3600), SerialNumber: aws.String(aliceMFA), TokenCode: aws.String(aliceCode)})
	mustOK(t, err)
	_, err = assume(alice(srv), roleExternal, func(in *sts.AssumeRoleInput) {
		in.ExternalId, in.RoleSessionName, in.DurationSeconds = aws.String("wrong-id"), aws.String("me"), aws.Int32(1800)
	})
	wantErr(t, err, "AccessDenied", 403, "")

	calls := srv.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	g, a := calls[0], calls[1]
	if g.Action != "GetSessionToken" || g.AccessKeyID != aliceKey || g.Err != "" ||
		g.Params.Get("DurationSeconds") != "3600" || g.Params.Get("TokenCode") != aliceCode ||
		g.Params.Get("SerialNumber") != aliceMFA || g.Params.Get("Version") != "2011-06-15" {
		t.Fatalf("GetSessionToken call %+v", g)
	}
	if a.Action != "AssumeRole" || a.Err != "AccessDenied" || a.Params.Get("ExternalId") != "wrong-id" ||
		a.Params.Get("RoleSessionName") != "me" || a.Params.Get("DurationSeconds") != "1800" || a.Params.Get("RoleArn") != roleExternal {
		t.Fatalf("AssumeRole call %+v", a)
	}
	if srv.CallCount("AssumeRole") != 1 {
		t.Fatal("CallCount")
	}
	// Calls returns copies.
	calls[0].Params.Set("TokenCode", "x")
	if srv.Calls()[0].Params.Get("TokenCode") != aliceCode {
		t.Fatal("Calls shares its maps")
	}
	srv.ResetCalls()
	if srv.CallCount("") != 0 {
		t.Fatal("ResetCalls")
	}
}

// Raw HTTP: the shapes a client that is not the SDK sees.
func TestProtocol(t *testing.T) {
	srv := newServer(t)
	post := func(body string) (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(body))
		mustOK(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
			t.Fatalf("Content-Type %q", ct)
		}
		if resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Fatal("no request ID header")
		}
		return resp.StatusCode, string(b)
	}
	status, body := post("Action=GetCallerIdentity&Version=2011-06-15")
	if status != 403 || !strings.Contains(body, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>`) ||
		!strings.Contains(body, "</Error><RequestId>") {
		t.Fatalf("%d %s", status, body)
	}
	status, body = post("Action=GetFederationToken&Version=2011-06-15")
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Fatalf("%d %s", status, body)
	}
	status, body = post("Action=GetCallerIdentity&Version=2010-01-01")
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Fatalf("%d %s", status, body)
	}
	status, body = signed(t, srv, http.MethodGet, "Action=GetCallerIdentity&Version=2011-06-15")
	if status != 200 || !strings.Contains(body, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`) ||
		!strings.Contains(body, "<Arn>arn:aws:iam::111122223333:user/alice</Arn>") || !strings.Contains(body, "<ResponseMetadata><RequestId>") {
		t.Fatalf("GET: %d %s", status, body)
	}
	srv.Fail(ststest.Fault{Code: "InternalFailure"})
	// Faults come after authentication.
	status, _ = post("Action=GetCallerIdentity&Version=2011-06-15")
	if status != 403 {
		t.Fatalf("unsigned request got %d", status)
	}
}

func TestInternalFailureIsReceiverError(t *testing.T) {
	srv := newServer(t)
	srv.Fail(ststest.Fault{Code: "InternalFailure"})
	var raw []byte
	c := alice(srv, func(o *sts.Options) {
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultClient.Do(r)
			if err == nil {
				raw, _ = io.ReadAll(resp.Body)
				resp.Body = io.NopCloser(bytes.NewReader(raw))
			}
			return resp, err
		})
	})
	_, err := c.GetCallerIdentity(context.Background(), nil)
	wantErr(t, err, "InternalFailure", 500, "")
	if !bytes.Contains(raw, []byte("<Type>Receiver</Type>")) {
		t.Fatalf("body %s", raw)
	}
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestCloseEndsDelayedRequests(t *testing.T) {
	srv := ststest.Start()
	srv.AddUser(ststest.User{Name: "alice", Account: acct, AccessKeyID: aliceKey, SecretAccessKey: aliceSec})
	srv.Fail(ststest.Fault{Delay: time.Minute})
	done := make(chan error, 1)
	go func() {
		_, err := alice(srv).GetCallerIdentity(context.Background(), nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the request reach the delay
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the delay")
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the delayed request succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the client never returned")
	}
}

func TestAddValidation(t *testing.T) {
	for _, r := range []ststest.Role{{ARN: "arn:aws:iam::1234:role/x"}, {ARN: "arn:aws:iam::111122223333:user/x"}, {ARN: ""}} {
		if r.Validate() == nil {
			t.Errorf("%q validated", r.ARN)
		}
	}
	if (ststest.User{Name: "x", Account: acct, AccessKeyID: "a", SecretAccessKey: "s", MFASerial: aliceMFA}).Validate() == nil {
		t.Error("user with MFA device and no code validated")
	}
	defer func() {
		if recover() == nil {
			t.Error("AddRole did not panic")
		}
	}()
	ststest.NewTest(t).AddRole(ststest.Role{ARN: "nope"})
}
