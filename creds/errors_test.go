package creds

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestUntrustedTLSAndUnknownHost(t *testing.T) {
	w := newWorld(t, "")
	tlsSrv := httptest.NewTLSServer(w.srv)
	defer tlsSrv.Close()
	for _, tc := range []struct{ endpoint, want string }{
		{tlsSrv.URL, "the STS endpoint's TLS certificate is not trusted"},
		{"https://sts.does-not-exist.invalid", "cannot resolve STS endpoint host sts.does-not-exist.invalid"},
		{"http://sts.example.com", "is plain http to a host off this machine: use https"},
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
