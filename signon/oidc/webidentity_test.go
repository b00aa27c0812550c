package oidc_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/credtest"
	"github.com/aws-runas/aws-runas/internal/prompttest"
	"github.com/aws-runas/aws-runas/internal/ststest"
	"github.com/aws-runas/aws-runas/prompt"
	"github.com/aws-runas/aws-runas/signon/oidc"
)

// oidcWorld is an STS server that trusts a fake OpenID provider, profiles
// that sign in there, and a "browser" that does what the test says.
type oidcWorld struct {
	t       *testing.T
	srv     *ststest.Server
	iss     *ststest.OIDCIssuer
	files   config.Files
	env     map[string]string
	stderr  *oidcSyncBuffer
	browser func(u string) // nil: the browser never signs in
	opened  []string       // what aws-runas gave the browser
	authz   []string       // the authorization URLs it was redirected to
	mu      sync.Mutex
}

type oidcSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *oidcSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *oidcSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const oidcRole = "arn:aws:iam::123456789012:role/"

func newOIDCWorld(t *testing.T, b ststest.OIDCBehavior) *oidcWorld {
	t.Helper()
	w := &oidcWorld{t: t, srv: ststest.NewTest(t), iss: ststest.NewOIDCIssuer(t), stderr: &oidcSyncBuffer{}, env: map[string]string{}}
	for _, r := range []string{"admin", "readonly"} {
		w.srv.AddRole(ststest.Role{ARN: oidcRole + r, MaxSessionDuration: 12 * time.Hour})
	}
	w.srv.AddOIDCProvider(ststest.OIDCProvider{IssuerURL: w.iss.URL, ClientIDs: []string{"aws-runas"}, Keys: w.iss.PublicKeys()})
	if len(b.ClientIDs) == 0 {
		b.ClientIDs = []string{"aws-runas", "other-app"}
	}
	w.iss.Behave(b)
	sso := "web_identity_auth_url = " + w.iss.URL + "\n"
	w.files = writeFiles(t, `[profile sso-admin]
role_arn = `+oidcRole+`admin
`+sso+`web_identity_client_id = aws-runas
[profile sso-readonly]
role_arn = `+oidcRole+`readonly
`+sso+`web_identity_client_id = aws-runas
[profile sso-device]
role_arn = `+oidcRole+`admin
`+sso+`web_identity_client_id = aws-runas
web_identity_provider = device
[profile sso-other]
role_arn = `+oidcRole+`admin
`+sso+`web_identity_client_id = other-app
[profile sso-named]
role_arn = `+oidcRole+`admin
`+sso+`web_identity_client_id = aws-runas
role_session_name = deploy-bot
[profile tokenfile]
role_arn = `+oidcRole+`admin
web_identity_token_file = `+filepath.Join(t.TempDir(), "token")+`
`, "")
	w.browser = w.follow
	oldOpen, oldStderr := *oidc.OpenBrowser, *oidc.Stderr
	*oidc.OpenBrowser = func(_ context.Context, _ func(string) string, u string) error {
		w.mu.Lock()
		w.opened = append(w.opened, u)
		browser := w.browser
		w.mu.Unlock()
		if browser != nil {
			go browser(u)
		}
		return nil
	}
	*oidc.Stderr = w.stderr
	t.Cleanup(func() { *oidc.OpenBrowser, *oidc.Stderr = oldOpen, oldStderr })
	return w
}

// follow is a browser that signs in at once: it follows the identity
// provider's redirects to aws-runas's listener.
func (w *oidcWorld) follow(u string) {
	client := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) == 1 {
			w.mu.Lock()
			w.authz = append(w.authz, req.URL.String())
			w.mu.Unlock()
		}
		return nil
	}}
	resp, err := client.Get(u)
	if err != nil {
		w.t.Errorf("browser: %v", err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func (w *oidcWorld) provider(interactive bool) *creds.Provider {
	cfg, err := config.Load(w.files)
	if err != nil {
		w.t.Fatal(err)
	}
	p := &creds.Provider{
		Config: cfg,
		Cache:  &cache.Cache{Dir: w.files.CacheDir()},
		Getenv: func(k string) string {
			if k == "AWS_ENDPOINT_URL_STS" {
				return w.srv.URL
			}
			return w.env[k]
		},
		Debug: func(format string, args ...any) { w.t.Logf(format, args...) },
	}
	if interactive {
		p.Prompter = &prompttest.Answers{CodeFunc: func(context.Context, prompt.Code) (string, error) {
			w.t.Error("the MFA prompt was used")
			return "", errors.New("no")
		}}
	}
	return p
}

func (w *oidcWorld) get(profile string) *creds.Result {
	w.t.Helper()
	res, err := w.provider(true).Get(context.Background(), creds.Request{Profile: profile})
	if err != nil {
		w.t.Fatalf("Get(%s): %v\nstderr:\n%s", profile, err, w.stderr)
	}
	return res
}

func (w *oidcWorld) fail(profile string, interactive bool, want ...string) error {
	w.t.Helper()
	_, err := w.provider(interactive).Get(context.Background(), creds.Request{Profile: profile})
	if err == nil {
		w.t.Fatalf("Get(%s) succeeded", profile)
	}
	for _, s := range want {
		if !strings.Contains(err.Error(), s) {
			w.t.Fatalf("Get(%s): %v\nwant %q in it", profile, err, s)
		}
	}
	return err
}

// cached lists the cache files, by kind.
func (w *oidcWorld) cached() map[string]int {
	w.t.Helper()
	out := map[string]int{}
	m, _ := filepath.Glob(filepath.Join(w.files.CacheDir(), ".aws-runas.*.json"))
	for _, f := range m {
		kind := strings.SplitN(filepath.Base(f), ".", 4)[2]
		out[kind]++
		if fi, err := os.Stat(f); err == nil && fi.Mode().Perm() != 0o600 && os.PathSeparator == '/' {
			w.t.Errorf("%s: mode %v", f, fi.Mode().Perm())
		}
	}
	return out
}

func (w *oidcWorld) wantCached(oidc, role int) {
	w.t.Helper()
	c := w.cached()
	if c["oidc"] != oidc || c["role"] != role {
		w.t.Fatalf("cached %v, want %d oidc and %d role", c, oidc, role)
	}
}

func TestOIDCBrowserSignInServesManyRoles(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{Email: "alice@example.com"})
	res := w.get("sso-admin")
	if res.RoleARN != oidcRole+"admin" || res.RoleSessionName != "alice@example.com" || res.Credentials.AccessKeyID == "" {
		t.Fatalf("result %+v", res)
	}
	if w.iss.Count("authorize") != 1 || w.iss.Count("token:authorization_code") != 1 {
		t.Fatalf("authorize %d, code %d", w.iss.Count("authorize"), w.iss.Count("token:authorization_code"))
	}
	calls := w.srv.Calls()
	if len(calls) != 1 || calls[0].Action != "AssumeRoleWithWebIdentity" || calls[0].AccessKeyID != "" ||
		calls[0].Params.Get("RoleSessionName") != "alice@example.com" || calls[0].Params.Get("DurationSeconds") != "3600" {
		t.Fatalf("calls %+v", calls)
	}
	out := w.stderr.String()
	if !strings.Contains(out, "Sign in at "+w.iss.URL+" in your browser") || !strings.Contains(out, "\n    "+w.opened[0]+"\n") ||
		!strings.Contains(out, "Signed in at "+w.iss.URL+" as alice@example.com.") {
		t.Fatalf("stderr:\n%s", out)
	}
	// State, nonce and PKCE challenge are not on the browser's command
	// line (which any user can read) nor on the terminal: the browser is
	// sent to a one-shot address of aws-runas's listener, which redirects.
	if start, err := url.Parse(w.opened[0]); err != nil || start.Scheme != "http" || start.Hostname() != "127.0.0.1" ||
		!strings.HasPrefix(start.Path, "/start/") || len(start.Path) < 30 || start.RawQuery != "" || strings.Contains(out, "state=") {
		t.Fatalf("opened %s", w.opened[0])
	}
	u, err := url.Parse(w.authz[0])
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	red := q.Get("redirect_uri")
	if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || len(q.Get("state")) < 20 ||
		!strings.HasPrefix(red, "http://127.0.0.1:") || !strings.HasSuffix(red, "/") || q.Get("scope") != "openid email offline_access" {
		t.Fatalf("authorization URL %s", w.authz[0])
	}
	w.wantCached(1, 1)

	// Another role: the same sign-in. The first role: its cache.
	if res := w.get("sso-readonly"); res.RoleARN != oidcRole+"readonly" {
		t.Fatalf("result %+v", res)
	}
	w.get("sso-admin")
	if n := w.iss.Count("authorize"); n != 1 {
		t.Fatalf("%d sign-ins", n)
	}
	if n := w.srv.CallCount("AssumeRoleWithWebIdentity"); n != 2 {
		t.Fatalf("%d AssumeRoleWithWebIdentity calls", n)
	}
	// -r gets new role credentials with the same sign-in.
	if _, err := w.provider(false).Get(context.Background(), creds.Request{Profile: "sso-admin", Refresh: true}); err != nil {
		t.Fatal(err)
	}
	if w.iss.Count("authorize") != 1 || w.srv.CallCount("AssumeRoleWithWebIdentity") != 3 {
		t.Fatal("-r signed in again")
	}
	// role_session_name wins over the token's email.
	if res := w.get("sso-named"); res.RoleSessionName != "deploy-bot" {
		t.Fatalf("session %q", res.RoleSessionName)
	}
}

func TestOIDCRefreshWithoutTheUser(t *testing.T) {
	// A token this short is refreshed at its next use.
	w := newOIDCWorld(t, ststest.OIDCBehavior{IDTokenTTL: 30 * time.Second})
	w.get("sso-admin")
	// Non-interactive: a refresh asks nothing.
	if _, err := w.provider(false).Get(context.Background(), creds.Request{Profile: "sso-readonly"}); err != nil {
		t.Fatal(err)
	}
	if w.iss.Count("authorize") != 1 || w.iss.Count("token:refresh_token") != 1 {
		t.Fatalf("authorize %d, refresh %d", w.iss.Count("authorize"), w.iss.Count("token:refresh_token"))
	}
	if res := w.get("sso-readonly"); res.RoleSessionName != "alice" {
		t.Fatalf("session name %q (from sub)", res.RoleSessionName)
	}
	// When the provider no longer refreshes, a non-interactive run needs
	// input; an interactive one signs in again.
	w.iss.Behave(ststest.OIDCBehavior{ClientIDs: []string{"aws-runas"}, IDTokenTTL: 30 * time.Second, RefreshFails: true})
	_, err := w.provider(false).Get(context.Background(), creds.Request{Profile: "sso-admin", Refresh: true})
	var in *creds.InputNeededError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), "signing in at "+w.iss.URL+" is needed") {
		t.Fatalf("%T %v", err, err)
	}
	if _, err := w.provider(true).Get(context.Background(), creds.Request{Profile: "sso-admin", Refresh: true}); err != nil {
		t.Fatal(err)
	}
	if w.iss.Count("authorize") != 2 {
		t.Fatalf("%d sign-ins", w.iss.Count("authorize"))
	}
}

func TestOIDCNonInteractiveNeedsInput(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	err := w.fail("sso-admin", false, `profile "sso-admin": signing in at `+w.iss.URL+" is needed", "without --non-interactive")
	var in *creds.InputNeededError
	if !errors.As(err, &in) {
		t.Fatalf("%T %v", err, err)
	}
	if w.iss.Count("authorize") != 0 || len(w.opened) != 0 || w.srv.CallCount("") != 0 {
		t.Fatal("something was asked")
	}
}

func TestOIDCRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		b       ststest.OIDCBehavior
		profile string
		env     string
		noOpen  bool
		want    []string
		sts     int
	}{
		{name: "IdP token for another audience", b: ststest.OIDCBehavior{Audience: "someone-else"}, profile: "sso-admin",
			want: []string{"is for another audience (someone-else), not for client \"aws-runas\""}},
		{name: "STS does not trust the client", profile: "sso-other", sts: 1,
			want: []string{"STS refused the ID token", "Incorrect token audience", "the IAM OIDC provider must list"}},
		{name: "expired token", b: ststest.OIDCBehavior{IDTokenTTL: -time.Minute}, profile: "sso-admin",
			want: []string{"expired at", "before it could be used"}},
		{name: "denied consent", b: ststest.OIDCBehavior{Deny: true}, profile: "sso-admin",
			want: []string{"sign-in at", "was denied (access_denied: End-User aborted interaction)"}},
		{name: "denied on the device", b: ststest.OIDCBehavior{Deny: true, DeviceInterval: 1}, profile: "sso-device",
			want: []string{"was denied (access_denied"}},
		{name: "browser closed", profile: "sso-admin", env: "1", noOpen: true,
			want: []string{"no sign-in at", "within 1s (was the browser closed?)", "AWS_RUNAS_LOGIN_TIMEOUT"}},
		{name: "device never used", profile: "sso-device", env: "2s", noOpen: true, b: ststest.OIDCBehavior{DeviceInterval: 1},
			want: []string{"no sign-in at", "within 2s"}},
		{name: "device code expires", profile: "sso-device", noOpen: true, b: ststest.OIDCBehavior{DeviceInterval: 1, DeviceTTL: 2 * time.Second},
			want: []string{"the code expired before sign-in"}},
		{name: "no device endpoint", profile: "sso-device", b: ststest.OIDCBehavior{NoDevice: true},
			want: []string{"offers no device sign-in", "web_identity_provider = browser"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newOIDCWorld(t, tc.b)
			if tc.noOpen {
				w.browser = nil
			}
			if tc.env != "" {
				w.env[oidc.TimeoutVar] = tc.env
			}
			w.fail(tc.profile, true, tc.want...)
			w.wantCached(0, 0)
			if n := w.srv.CallCount(""); n != tc.sts {
				t.Fatalf("%d STS calls", n)
			}
		})
	}
}

func TestOIDCDeviceFlow(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{DeviceInterval: 1, SlowDown: 1, Email: "alice@example.com"})
	start := time.Now()
	res := w.get("sso-device")
	took := time.Since(start)
	if res.RoleSessionName != "alice@example.com" {
		t.Fatalf("result %+v", res)
	}
	// A poll after 1s (the interval) is told slow_down: the next comes 5s
	// later than the interval, and gets the token.
	if n := w.iss.Count("token:device_code"); n != 2 || took < 7*time.Second {
		t.Fatalf("%d polls in %v", n, took)
	}
	out := w.stderr.String()
	if !strings.Contains(out, "To sign in at "+w.iss.URL+", open\n\n    "+w.iss.URL+"/device\n\nand enter the code  WDJB-0001\n") ||
		!strings.Contains(out, "(or open "+w.iss.URL+"/device?user_code=WDJB-0001)") || !strings.Contains(out, "The code expires in 10m") {
		t.Fatalf("stderr:\n%s", out)
	}
	w.wantCached(1, 1)
	// The device sign-in serves the browser profiles of the same client.
	w.get("sso-readonly")
	if w.iss.Count("authorize") != 0 || w.iss.Count("device") != 1 {
		t.Fatal("signed in again")
	}
}

func TestOIDCCachedTokenRefusedByStsSignsInOnceMore(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{NoRefreshToken: true})
	w.get("sso-admin")
	w.srv.Fail(ststest.Fault{Action: "AssumeRoleWithWebIdentity", Code: "InvalidIdentityToken", Message: "revoked", Times: 1})
	w.get("sso-readonly")
	if n := w.iss.Count("authorize"); n != 2 {
		t.Fatalf("%d sign-ins", n)
	}
	// STS refusing a fresh token: no loop, and the token is dropped.
	w.srv.Fail(ststest.Fault{Action: "AssumeRoleWithWebIdentity", Code: "ExpiredTokenException", Message: "Token expired"})
	if _, err := w.provider(true).Get(context.Background(), creds.Request{Profile: "sso-admin", Refresh: true}); err == nil ||
		!strings.Contains(err.Error(), "expired") {
		t.Fatalf("err %v", err)
	}
	if n := w.iss.Count("authorize"); n != 3 {
		t.Fatalf("%d sign-ins", n)
	}
	if w.cached()["oidc"] != 0 {
		t.Fatal("the refused token is still cached")
	}
}

// A cached ID token that STS refuses is replaced with the refresh token
// first: the user signs in again only when that fails.
func TestOIDCCachedTokenRefusedByStsIsRefreshed(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	w.get("sso-admin")
	w.srv.Fail(ststest.Fault{Action: "AssumeRoleWithWebIdentity", Code: "InvalidIdentityToken", Message: "revoked", Times: 1})
	// Without a prompt: a sign-in would fail.
	if _, err := w.provider(false).Get(context.Background(), creds.Request{Profile: "sso-readonly"}); err != nil {
		t.Fatal(err)
	}
	if w.iss.Count("authorize") != 1 || w.iss.Count("token:refresh_token") != 1 {
		t.Fatalf("authorize %d, refresh %d", w.iss.Count("authorize"), w.iss.Count("token:refresh_token"))
	}
	w.wantCached(1, 2)

	// The refresh token fails too: the file goes, then a sign-in.
	w.iss.Behave(ststest.OIDCBehavior{RefreshFails: true})
	w.srv.Fail(ststest.Fault{Action: "AssumeRoleWithWebIdentity", Code: "InvalidIdentityToken", Message: "revoked", Times: 1})
	var in *creds.InputNeededError
	if _, err := w.provider(false).Get(context.Background(), creds.Request{Profile: "sso-admin", Refresh: true}); !errors.As(err, &in) {
		t.Fatalf("err %v", err)
	}
	if w.cached()["oidc"] != 0 || w.iss.Count("token:refresh_token") != 2 {
		t.Fatalf("cached %v, refresh %d", w.cached(), w.iss.Count("token:refresh_token"))
	}
}

func TestOIDCTrustPolicyRefusalKeepsTheSignIn(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	w.srv.Fail(ststest.Fault{Action: "AssumeRoleWithWebIdentity", Code: "AccessDenied", Message: "Not authorized to perform sts:AssumeRoleWithWebIdentity", Times: 1})
	w.fail("sso-admin", true, "the role's trust policy must allow sts:AssumeRoleWithWebIdentity")
	w.wantCached(1, 0)
	w.get("sso-readonly")
	if n := w.iss.Count("authorize"); n != 1 {
		t.Fatalf("%d sign-ins", n)
	}
}

func TestOIDCWrongStateIsTurnedAway(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	w.browser = func(u string) {
		// The start address is on the listener of the redirect URI.
		red, _ := url.Parse(u)
		red.Path = "/"
		red.RawQuery = url.Values{"code": {"stolen"}, "state": {"forged"}}.Encode()
		resp, err := http.Get(red.String())
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged redirect: %v %v", err, resp)
		} else {
			resp.Body.Close()
		}
		w.follow(u)
	}
	w.get("sso-admin")
}

func TestOIDCParallelRunsSignInOnce(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	var wg sync.WaitGroup
	for _, p := range []string{"sso-admin", "sso-readonly", "sso-named"} {
		wg.Go(func() {
			if _, err := w.provider(true).Get(context.Background(), creds.Request{Profile: p}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := w.iss.Count("authorize"); n != 1 {
		t.Fatalf("%d sign-ins", n)
	}
}

func TestOIDCSettings(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	for _, tc := range []struct {
		sso  creds.SSO
		want string
	}{
		{creds.SSO{WebIdentityRedirectURI: "http://example.com:8400/cb"}, "must be a loopback http URL"},
		{creds.SSO{WebIdentityRedirectURI: "https://127.0.0.1:8400/cb"}, "must be a loopback http URL"},
		{creds.SSO{WebIdentityProvider: "okta"}, `web_identity_provider "okta" is not a sign-in flow`},
		{creds.SSO{WebIdentityAuthURL: "http://idp.example.com"}, "is not the identity provider's issuer URL"},
	} {
		_, err := w.provider(true).Get(context.Background(), creds.Request{Profile: "sso-admin", SSO: tc.sso})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc.sso, err)
		}
	}
	w.env[oidc.TimeoutVar] = "soon"
	w.fail("sso-admin", true, `AWS_RUNAS_LOGIN_TIMEOUT="soon" is not a duration`)
}

func TestOIDCFixedRedirectPort(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	redirect := "http://localhost:" + port + "/callback"
	if _, err := w.provider(true).Get(context.Background(), creds.Request{Profile: "sso-admin", SSO: creds.SSO{WebIdentityRedirectURI: redirect}}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(w.authz[0])
	if got := u.Query().Get("redirect_uri"); got != redirect {
		t.Fatalf("redirect_uri %s, want %s", got, redirect)
	}
}

func TestWebIdentityTokenFile(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	cfg, _ := config.Load(w.files)
	prof, _ := cfg.Profile("tokenfile")
	write := func(claims map[string]any) {
		if err := os.WriteFile(prof.WebIdentityTokenFile, []byte(w.iss.Mint(claims)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w.fail("tokenfile", true, "web_identity_token_file", "no such file")

	write(map[string]any{"sub": "system:serviceaccount:ci:deployer", "aud": "another-app", "exp": time.Now().Add(time.Hour)})
	w.fail("tokenfile", false, "STS refused the token in "+prof.WebIdentityTokenFile, "Incorrect token audience", "another audience")
	write(map[string]any{"sub": "system:serviceaccount:ci:deployer", "aud": "aws-runas", "exp": time.Now().Add(-time.Minute)})
	w.fail("tokenfile", false, "the token in "+prof.WebIdentityTokenFile+" expired at 20")
	w.wantCached(0, 0)

	write(map[string]any{"sub": "system:serviceaccount:ci:deployer", "aud": "aws-runas", "exp": time.Now().Add(time.Hour)})
	res, err := w.provider(false).Get(context.Background(), creds.Request{Profile: "tokenfile"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RoleSessionName != "system-serviceaccount-ci-deployer" {
		t.Fatalf("session name %q", res.RoleSessionName)
	}
	if c := w.srv.Calls(); c[len(c)-1].AccessKeyID != "" || w.iss.Count("authorize") != 0 {
		t.Fatal("signed, or signed in")
	}
	w.wantCached(0, 1)

	// AWS_WEB_IDENTITY_TOKEN_FILE completes a role ARN given on the command line.
	w.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = prof.WebIdentityTokenFile
	res, err = w.provider(false).Get(context.Background(), creds.Request{Profile: oidcRole + "readonly"})
	if err != nil || res.RoleARN != oidcRole+"readonly" {
		t.Fatalf("%+v %v", res, err)
	}
}

// The start address redirects once: a second visit (another program that
// read it off the screen) learns nothing.
func TestOIDCStartURLIsOneShot(t *testing.T) {
	w := newOIDCWorld(t, ststest.OIDCBehavior{})
	var second int
	w.browser = func(u string) {
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(u)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		again, err := noFollow.Get(u)
		if err != nil {
			t.Error(err)
			return
		}
		again.Body.Close()
		second = again.StatusCode
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), w.iss.URL+"/authorize?") {
			t.Errorf("first visit: %s, to %s", resp.Status, resp.Header.Get("Location"))
			return
		}
		w.follow(resp.Header.Get("Location"))
	}
	w.get("sso-admin")
	if second != http.StatusNotFound {
		t.Fatalf("second visit: %d", second)
	}
}

// writeFiles makes a config and a credentials file in a temp dir.
func writeFiles(t *testing.T, cfg, credentials string) config.Files {
	t.Helper()
	c, cr := credtest.WriteFiles(t, cfg, credentials)
	return config.Files{Config: c, Credentials: cr}
}
