package endpoint

import (
	"net/url"
	"testing"
)

func TestSecure(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://sts.eu-west-1.amazonaws.com": true,
		"https://example.com:8443/x":          true,
		"http://127.0.0.1:8080/":              true,
		"http://127.9.9.9/":                   true,
		"http://[::1]:80/":                    true,
		"http://LocalHost:1/":                 true,
		"http://example.com/":                 false,
		"http://169.254.170.2/":               false,
		"http://localhost.example.com/":       false,
		"ftp://127.0.0.1/":                    false,
		"https:///no-host":                    false,
		"file:///etc/passwd":                  false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := Secure(u); got != want {
			t.Errorf("Secure(%s) = %v, want %v", raw, got, want)
		}
	}
}
