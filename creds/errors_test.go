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

func TestContainerCredentialsURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://creds.example.com/x":    true,
		"http://127.0.0.1:9000/creds":    true,
		"http://localhost:9000/creds":    true,
		"http://[::1]:9000/":             true,
		"http://169.254.170.2/v2/creds":  true,
		"http://169.254.170.23/v1/creds": true,
		"http://[fd00:ec2::23]/v1/creds": true,
		"http://10.0.0.5/creds":          false,
		"http://creds.example.com/":      false,
		"http://169.254.169.254/latest":  false,
		"ftp://127.0.0.1/":               false,
	} {
		if err := checkContainerURL(u); (err == nil) != ok {
			t.Errorf("%s: %v", u, err)
		} else if err != nil && !strings.Contains(err.Error(), "use https") && !strings.Contains(err.Error(), "not a URL") {
			t.Errorf("%s: %v", u, err)
		}
	}
}
