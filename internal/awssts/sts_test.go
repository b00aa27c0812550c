package awssts

import (
	"strings"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"
)

func TestSTSErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		code, msg, want string
	}{
		{"SignatureDoesNotMatch", "Signature expired: 20261122T000000Z is now earlier than 20261122T001500Z", "is this machine's clock wrong?"},
		{"SignatureDoesNotMatch", "The request signature we calculated does not match", "check the secret access key"},
		{"InvalidClientTokenId", "The security token included in the request is invalid.", "check the access key id"},
		{"Throttling", "Rate exceeded", "STS is throttling requests"},
		{"ExpiredToken", "The security token included in the request is expired", "run again with -r"},
		{"AccessDenied", "User: x is not authorized", "AccessDenied: User: x is not authorized"},
	} {
		err := Error("AssumeRole arn:aws:iam::1:role/r", "prod", &smithy.GenericAPIError{Code: tc.code, Message: tc.msg})
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `profile "prod": AssumeRole arn:aws:iam::1:role/r`) {
			t.Errorf("%s %q: %v, want %q", tc.code, tc.msg, err, tc.want)
		}
	}
}

func TestSessionName(t *testing.T) {
	now := time.Unix(1700000000, 0)
	if got := DefaultSessionName("123456789012", "arn:aws:iam::123456789012:user/alice", now); got != "aws-runas-session_123456789012_alice_1700000000" {
		t.Errorf("got %s", got)
	}
	if got := DefaultSessionName("", "", now); got != "aws-runas-session_1700000000" {
		t.Errorf("got %s", got)
	}
	long := SessionName(DefaultSessionName("123456789012", "arn:aws:iam::123456789012:user/"+strings.Repeat("é", 40), now))
	if len(long) != 64 || strings.ContainsAny(long, "é") {
		t.Errorf("sanitized = %q (%d)", long, len(long))
	}
}

func TestIdentifierSyntax(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		check func(string) bool
		s     string
		ok    bool
	}{
		{IsRoleARN, "arn:aws:iam::123456789012:role/admin", true},
		{IsRoleARN, "arn:aws-us-gov:iam::123456789012:role/a/b/c.d@e+f=g,h_i-j", true},
		{IsRoleARN, "arn:aws-cn:iam::123456789012:role/path!with~printable/x", true},
		{IsRoleARN, "arn:aws:iam::123456789012:role/" + long(64), true},
		{IsRoleARN, "arn:aws:iam::123456789012:role/" + long(65), false},
		{IsRoleARN, "arn:aws:iam::123456789012:role/" + long(510) + "/x", true},
		{IsRoleARN, "arn:aws:iam::123456789012:role/" + long(511) + "/x", false},
		{IsRoleARN, "arn:aws:iam::123456789012:role/", false},
		{IsRoleARN, "arn:aws:iam::123456789012:role/p/", false},
		{IsRoleARN, "arn:aws:iam::123456789012:role/a b", false},
		{IsRoleARN, "arn:aws:iam::123456789012:role/p q/a", false},
		{IsRoleARN, "arn:aws:iam::123456789012:role/p\x1b/a", false},
		{IsRoleARN, "arn:aws:iam::12345678901:role/a", false},
		{IsRoleARN, "arn:aws:iam::123456789012:user/a", false},
		{IsRoleARN, "arn:aws:sts::123456789012:role/a", false},
		{IsRoleARN, "arn:azure:iam::123456789012:role/a", false},
		{IsMFASerial, "arn:aws:iam::123456789012:mfa/alice", true},
		{IsMFASerial, "GAHT12345678", true},
		{IsMFASerial, "GAHT1234", false},
		{IsMFASerial, "arn:aws:iam::123456789012:mfa/a\x07", false},
		{IsMFASerial, long(257), false},
		{IsExternalID, "ext-42", true},
		{IsExternalID, "a", false},
		{IsExternalID, "a b", false},
		{IsSessionName, "alice@example.com", true},
		{IsSessionName, long(100), true}, // cut to 64, as contract §4 says
		{IsSessionName, "a", false},
		{IsSessionName, "a;b", false},
	} {
		if got := tc.check(tc.s); got != tc.ok {
			t.Errorf("%q: %v, want %v", tc.s, got, tc.ok)
		}
	}
}

func TestCheckEndpoint(t *testing.T) {
	for e, ok := range map[string]bool{
		"":                                    true,
		"https://sts.eu-west-1.amazonaws.com": true,
		"https://10.0.0.1:8443":               true,
		"http://127.0.0.1:4566":               true,
		"http://localhost:4566":               true,
		"http://[::1]:4566":                   true,
		"http://127.9.9.9":                    true,
		"http://10.0.0.1":                     false,
		"http://localstack:4566":              false,
		"http://localhost.example.com":        false,
		"ftp://127.0.0.1":                     false,
		"sts.amazonaws.com":                   false,
	} {
		if err := CheckEndpoint(e, "test"); (err == nil) != ok {
			t.Errorf("%q: %v", e, err)
		} else if err != nil && !strings.Contains(err.Error(), "https") {
			t.Errorf("%q: the error does not say https: %v", e, err)
		}
	}
}
