package creds

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

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
		err := stsError("AssumeRole arn:aws:iam::1:role/r", "prod", &smithy.GenericAPIError{Code: tc.code, Message: tc.msg})
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `profile "prod": AssumeRole arn:aws:iam::1:role/r`) {
			t.Errorf("%s %q: %v, want %q", tc.code, tc.msg, err, tc.want)
		}
	}
}

func TestUntrustedTLSAndUnknownHost(t *testing.T) {
	w := newWorld(t, "")
	tlsSrv := httptest.NewTLSServer(w.srv)
	defer tlsSrv.Close()
	for _, tc := range []struct{ endpoint, want string }{
		{tlsSrv.URL, "the STS endpoint's TLS certificate is not trusted"},
		{"http://sts.does-not-exist.invalid", "cannot resolve STS endpoint host sts.does-not-exist.invalid"},
	} {
		p := w.provider()
		p.Getenv = func(k string) string {
			if k == "AWS_ENDPOINT_URL_STS" {
				return tc.endpoint
			}
			return ""
		}
		_, err := p.Get(context.Background(), Request{Profile: "admin", OTP: mfaCode})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.endpoint, err, tc.want)
		}
		var in *InputNeededError
		if errors.As(err, &in) {
			t.Errorf("%s: reported as input needed", tc.endpoint)
		}
	}
	if n := w.srv.CallCount(""); n != 0 {
		t.Errorf("the TLS server answered %d calls", n)
	}
}
