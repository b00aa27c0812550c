package oidc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/signon"
)

// $BROWSER is honoured (%s placed, else last), and the browser gets a
// private file that redirects to the URL, never the URL on its command
// line (the start URL carries the sign-in's one-time state), nor a secret
// in its environment.
func TestOpenBrowserHonoursBROWSER(t *testing.T) {
	if os.PathSeparator != '/' {
		t.Skip("a shell script browser")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nfor a; do case $a in *.html) cat \"$a\" > "+out+".page;; esac; done\nenv > "+out+".env\nprintf '%s|' \"$@\" > "+out+".tmp && mv "+out+".tmp "+out+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	const u = "http://127.0.0.1:1/a?state=one-time-state&d=e"
	t.Setenv("SAML_PASSWORD", "pw-secret")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "key-secret")
	t.Setenv("__AWS_RUNAS_EVAL_FILE", "/tmp/eval-file")
	for _, tc := range []struct{ browser, want string }{
		{script, `^/.+/signin\.html\|$`},
		{script + " --new-window %s --flag:other-browser", `^--new-window\|/.+/signin\.html\|--flag\|$`},
	} {
		os.Remove(out)
		getenv := func(k string) string { return map[string]string{"BROWSER": tc.browser}[k] }
		if err := openBrowser(context.Background(), getenv, u); err != nil {
			t.Fatal(err)
		}
		var got []byte
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got, _ = os.ReadFile(out); len(got) > 0 {
				break
			}
		}
		if !regexp.MustCompile(tc.want).Match(got) || strings.Contains(string(got), "one-time-state") {
			t.Errorf("BROWSER=%q: argv %q, want %s", tc.browser, got, tc.want)
		}
		if page, _ := os.ReadFile(out + ".page"); !strings.Contains(string(page), `url=http://127.0.0.1:1/a?state=one-time-state&amp;d=e"`) {
			t.Errorf("the page: %s", page)
		}
		env, _ := os.ReadFile(out + ".env")
		for _, secret := range []string{"pw-secret", "key-secret", "eval-file"} {
			if strings.Contains(string(env), secret) {
				t.Errorf("the browser's environment holds %s", secret)
			}
		}
	}
}

// oidcDiscovery serves an OpenID configuration whose token endpoint is tok.
func oidcDiscovery(t *testing.T, tok string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect/.well-known/openid-configuration" {
			http.Redirect(rw, r, "http://example.invalid/.well-known/openid-configuration?x=1", http.StatusFound)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.Write([]byte(`{"issuer":"` + srv.URL + `","authorization_endpoint":"` + srv.URL + `/auth","token_endpoint":"` + tok +
			`","jwks_uri":"` + srv.URL + `/jwks","device_authorization_endpoint":"` + srv.URL + `/device"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Every endpoint of the discovery document must be https (or on this
// machine), and discovery follows no redirect into the clear.
func TestOIDCEndpointsMustBeHTTPS(t *testing.T) {
	p := &signon.Env{Getenv: func(string) string { return "" }, Debug: t.Logf, Now: time.Now}
	srv := oidcDiscovery(t, "http://idp.example.com/token?q=1")
	c, err := newOIDCClient(p, &config.Profile{Name: "x", WebIdentityAuthURL: srv.URL, WebIdentityClientID: "aws-runas"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.provider(context.Background()); err == nil || !strings.Contains(err.Error(), "token_endpoint that is not https (http://idp.example.com/token)") {
		t.Fatalf("err %v", err)
	}
	c, err = newOIDCClient(p, &config.Profile{Name: "x", WebIdentityAuthURL: srv.URL + "/redirect", WebIdentityClientID: "aws-runas"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.provider(context.Background()); err == nil || !strings.Contains(err.Error(), "redirected to http://example.invalid, not https; refused") {
		t.Fatalf("err %v", err)
	}
	// Loopback endpoints are fine.
	srv = oidcDiscovery(t, "http://127.0.0.1:1/token")
	c, _ = newOIDCClient(p, &config.Profile{Name: "x", WebIdentityAuthURL: srv.URL, WebIdentityClientID: "aws-runas"})
	if _, err := c.provider(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Only web addresses reach the browser command: the device flow's
// verification_uri is the identity provider's to choose.
func TestOpenBrowserRefusesNonWebURLs(t *testing.T) {
	if os.PathSeparator != '/' {
		t.Skip("a shell script browser")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\" >> "+out+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"BROWSER": script}[k] }
	for _, u := range []string{"file:///etc/passwd", "smb://host/share", "-new-window", "--user-data-dir=/tmp/x", "http://idp.example.com/device", "javascript:alert(1)", "https:///nohost"} {
		if err := openBrowser(context.Background(), getenv, u); err == nil {
			t.Errorf("%q: opened", u)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if b, err := os.ReadFile(out); err == nil {
		t.Fatalf("the browser ran: %q", b)
	}
}
