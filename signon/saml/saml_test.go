package saml_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/credtest"
	"github.com/aws-runas/aws-runas/internal/idptest"
	"github.com/aws-runas/aws-runas/internal/prompttest"
	"github.com/aws-runas/aws-runas/internal/ststest"
	"github.com/aws-runas/aws-runas/internal/testtool"
	"github.com/aws-runas/aws-runas/prompt"
	"github.com/aws-runas/aws-runas/signon/saml"
)

const (
	samlRolePrefix   = "arn:aws:iam::123456789012:role/"
	samlIdPProvider  = "arn:aws:iam::123456789012:saml-provider/idptest"
	samlOktaProvider = "arn:aws:iam::123456789012:saml-provider/okta"
)

// samlWorld is an STS server, a SAML IdP with a sign-in form, an Okta org,
// profiles for them, and a provider whose prompts are counted.
type samlWorld struct {
	t     *testing.T
	srv   *ststest.Server
	idp   *idptest.SAML
	okta  *idptest.Okta
	files config.Files
	env   map[string]string

	mu                        sync.Mutex
	password, code            string
	choice                    int
	passwords, codes, choices atomic.Int32
	lastChoices               []string
	stderr                    bytes.Buffer
	interactive               bool
}

func pair(role, provider string) string { return samlRolePrefix + role + "," + provider }

func newSAMLWorld(t *testing.T) *samlWorld {
	t.Helper()
	w := &samlWorld{t: t, srv: ststest.NewTest(t), idp: idptest.NewSAML(t), okta: idptest.NewOkta(t), env: map[string]string{}, interactive: true}
	for _, r := range []ststest.Role{{ARN: samlRolePrefix + "admin", MaxSessionDuration: 12 * time.Hour}, {ARN: samlRolePrefix + "readonly"}, {ARN: samlRolePrefix + "deploy"}} {
		w.srv.AddRole(r)
	}
	w.srv.AddSAMLProvider(samlIdPProvider, w.idp.CertPEM)
	w.srv.AddSAMLProvider(samlOktaProvider, w.okta.CertPEM)
	both := []string{pair("admin", samlIdPProvider), samlIdPProvider + "," + samlRolePrefix + "readonly"}
	w.idp.AddUser(idptest.User{Name: "alice", Password: "alice-pw", Roles: both, RoleSessionName: "alice@example.com"})
	w.idp.AddUser(idptest.User{Name: "carol", Password: "carol-pw", OTP: "654321", Roles: both})
	w.idp.AddUser(idptest.User{Name: "dave", Password: "dave-pw", Roles: both, SessionDuration: 2 * time.Hour})
	w.idp.AddUser(idptest.User{Name: "eve", Password: "eve-pw", Roles: both, Expired: true})
	w.idp.AddUser(idptest.User{Name: "mallory", Password: "mallory-pw", Roles: []string{pair("readonly", samlIdPProvider)}, Tamper: func(x []byte) []byte {
		return bytes.ReplaceAll(x, []byte("role/readonly"), []byte("role/admin"))
	}})
	oktaRoles := []string{pair("admin", samlOktaProvider)}
	w.okta.AddUser(idptest.User{Name: "olivia", Password: "olivia-pw", OTP: "112233", Roles: oktaRoles})
	w.okta.AddUser(idptest.User{Name: "pat", Password: "pat-pw", Push: idptest.PushApprove, PushPolls: 2, Roles: oktaRoles})
	w.okta.AddUser(idptest.User{Name: "rex", Password: "rex-pw", Push: idptest.PushReject, Roles: oktaRoles})
	w.okta.AddUser(idptest.User{Name: "tim", Password: "tim-pw", Push: idptest.PushTimeout, Roles: oktaRoles})
	w.okta.AddUser(idptest.User{Name: "uma", Password: "uma-pw", OTP: "445566", Push: idptest.PushApprove, Roles: oktaRoles})
	w.okta.AddUser(idptest.User{Name: "vic", Password: "vic-pw", Roles: oktaRoles})

	form := func(name, role, user, extra string) string {
		return "[profile " + name + "]\nrole_arn = " + samlRolePrefix + role + "\nsaml_auth_url = " + w.idp.SignInURL() +
			"\nsaml_provider = form\nsaml_username = " + user + "\n" + extra
	}
	okta := func(name, user string) string {
		return "[profile " + name + "]\nrole_arn = " + samlRolePrefix + "admin\nsaml_auth_url = " + w.okta.AppURL() +
			"\nsaml_provider = okta\nsaml_username = " + user + "\n"
	}
	cfg := form("form-admin", "admin", "alice", "region = eu-west-1\n") + form("form-ro", "readonly", "alice", "") +
		form("form-deploy", "deploy", "alice", "") + form("form-otp", "admin", "carol", "") +
		form("form-dur", "admin", "dave", "") + form("form-dur-profile", "admin", "dave", "duration_seconds = 1800\n") +
		form("form-expired", "admin", "eve", "") + form("form-tamper", "admin", "mallory", "") +
		form("form-nouser", "admin", "", "") +
		"[profile chained]\nrole_arn = " + samlRolePrefix + "deploy\nsource_profile = form-admin\n" +
		okta("okta-totp", "olivia") + okta("okta-push", "pat") + okta("okta-reject", "rex") + okta("okta-timeout", "tim") +
		okta("okta-both", "uma") + okta("okta-plain", "vic")
	c, cr := credtest.WriteFiles(t, cfg, "")
	w.files = config.Files{Config: c, Credentials: cr}
	w.password = "alice-pw"
	old, oldPoll := *saml.Stderr, *saml.OktaPollInterval
	*saml.Stderr, *saml.OktaPollInterval = &syncWriter{w: &w.stderr, mu: &w.mu}, 10*time.Millisecond
	t.Cleanup(func() { *saml.Stderr, *saml.OktaPollInterval = old, oldPoll })
	return w
}

type syncWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (w *samlWorld) provider() *creds.Provider {
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
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.env[k]
		},
	}
	if w.interactive {
		p.Prompter = &prompttest.Answers{PasswordFunc: func(ctx context.Context, q prompt.Password) (string, error) {
			w.passwords.Add(1)
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.password, nil
		}, CodeFunc: func(ctx context.Context, q prompt.Code) (string, error) {
			w.codes.Add(1)
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.code, nil
		}, ChooseFunc: func(ctx context.Context, q prompt.Choice) (int, error) {
			w.choices.Add(1)
			w.mu.Lock()
			defer w.mu.Unlock()
			w.lastChoices = q.Options
			return w.choice, nil
		}}
	}
	return p
}

func (w *samlWorld) get(req creds.Request) *creds.Result {
	w.t.Helper()
	res, err := w.provider().Get(context.Background(), req)
	if err != nil {
		w.t.Fatalf("Get(%s): %v", req.Profile, err)
	}
	return res
}

// fail gets req, wants an error with every part of want in it, and wants
// no credentials cached. (The IdP's session may be kept or dropped: it is
// the IdP's, not credentials.)
func (w *samlWorld) fail(req creds.Request, want ...string) error {
	w.t.Helper()
	before := w.cached()
	_, err := w.provider().Get(context.Background(), req)
	if err == nil {
		w.t.Fatalf("Get(%s) succeeded", req.Profile)
	}
	for _, s := range want {
		if !strings.Contains(err.Error(), s) {
			w.t.Fatalf("Get(%s): error %q does not say %q", req.Profile, err, s)
		}
	}
	for _, s := range []string{"alice-pw", "carol-pw", "olivia-pw", "654321"} {
		if strings.Contains(err.Error(), s) {
			w.t.Fatalf("error %q shows a secret", err)
		}
	}
	if after := w.cached(); after != before {
		w.t.Fatalf("credentials cached on failure:\n%s\n->\n%s", before, after)
	}
	return err
}

// cached is the content of every credentials file of the cache.
func (w *samlWorld) cached() string {
	var b strings.Builder
	m, _ := filepath.Glob(filepath.Join(w.files.CacheDir(), ".aws-runas.*.json"))
	for _, f := range m {
		if strings.Contains(filepath.Base(f), ".saml.") {
			continue
		}
		data, _ := os.ReadFile(f)
		b.WriteString(filepath.Base(f) + " " + string(data) + "\n")
	}
	return b.String()
}

func (w *samlWorld) setenv(k, v string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.env[k] = v
}

func TestSAMLFormSignIn(t *testing.T) {
	w := newSAMLWorld(t)
	res := w.get(creds.Request{Profile: "form-admin"})
	if res.RoleARN != samlRolePrefix+"admin" || res.RoleSessionName != "alice@example.com" || res.Region != "eu-west-1" || !strings.HasPrefix(res.Credentials.AccessKeyID, "ASIA") {
		t.Fatalf("result %+v", res)
	}
	c := w.srv.Calls()[0]
	if c.Action != "AssumeRoleWithSAML" || c.AccessKeyID != "" || c.Params.Get("PrincipalArn") != samlIdPProvider || c.Params.Get("DurationSeconds") != "3600" {
		t.Fatalf("call %+v", c)
	}
	if w.passwords.Load() != 1 || w.idp.Logins() != 1 {
		t.Fatalf("passwords %d, logins %d", w.passwords.Load(), w.idp.Logins())
	}
	// Cached: no second sign-in.
	if again := w.get(creds.Request{Profile: "form-admin"}); again.Credentials.AccessKeyID != res.Credentials.AccessKeyID {
		t.Fatal("the second run did not use the cache")
	}
	// Another role at the same IdP: the IdP's session, no password.
	w.get(creds.Request{Profile: "form-ro"})
	// -r: new credentials, from the session.
	if r := w.get(creds.Request{Profile: "form-admin", Refresh: true}); r.Credentials.AccessKeyID == res.Credentials.AccessKeyID {
		t.Fatal("-r used the cache")
	}
	if w.passwords.Load() != 1 || w.idp.Logins() != 1 || w.srv.CallCount("AssumeRoleWithSAML") != 3 {
		t.Fatalf("passwords %d, logins %d, calls %d", w.passwords.Load(), w.idp.Logins(), w.srv.CallCount("AssumeRoleWithSAML"))
	}
	// The session file is private.
	sess, _ := filepath.Glob(filepath.Join(w.files.CacheDir(), ".aws-runas.saml.*.json"))
	if len(sess) != 1 {
		t.Fatalf("session files %v", sess)
	}
	if fi, err := os.Stat(sess[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("session file %v %v", fi.Mode(), err)
	}
	data, _ := os.ReadFile(sess[0])
	if bytes.Contains(data, []byte("alice-pw")) || !bytes.Contains(data, []byte("idptest_session")) {
		t.Fatalf("session file: %s", data)
	}
}

func TestSAMLNonInteractive(t *testing.T) {
	w := newSAMLWorld(t)
	w.interactive = false
	var in *creds.InputNeededError
	if err := w.fail(creds.Request{Profile: "form-admin"}, "SAML_PASSWORD"); !errors.As(err, &in) {
		t.Fatalf("want InputNeededError, got %T %v", err, err)
	}
	// The password from the environment is not asking.
	w.setenv("SAML_PASSWORD", "alice-pw")
	w.get(creds.Request{Profile: "form-admin"})
	w.setenv("SAML_PASSWORD", "")
	// Then the IdP's session serves the refresh.
	w.get(creds.Request{Profile: "form-admin", Refresh: true})
	if w.idp.Logins() != 1 {
		t.Fatalf("logins %d", w.idp.Logins())
	}
	// Once it ends, the refresh needs the user, and leaves the cache alone.
	w.idp.ExpireSessions()
	if err := w.fail(creds.Request{Profile: "form-admin", Refresh: true}, "password"); !errors.As(err, &in) {
		t.Fatalf("want InputNeededError, got %T %v", err, err)
	}
	// The dead session file is gone, so the next try asks nothing of the IdP.
	if sess, _ := filepath.Glob(filepath.Join(w.files.CacheDir(), ".aws-runas.saml.*.json")); len(sess) != 0 {
		t.Fatalf("session files %v", sess)
	}
	// The browser always needs someone.
	err := w.fail(creds.Request{Profile: "form-admin", Refresh: true, SSO: creds.SSO{SAMLProvider: "browser"}}, "browser")
	if !errors.As(err, &in) {
		t.Fatalf("want InputNeededError, got %T %v", err, err)
	}
}

func TestSAMLFormOneTimeCode(t *testing.T) {
	w := newSAMLWorld(t)
	w.password, w.code = "carol-pw", "000000"
	w.fail(creds.Request{Profile: "form-otp"}, "one-time code was not accepted", "Invalid authenticator code")
	w.code = "654321"
	w.get(creds.Request{Profile: "form-otp"})
	if w.codes.Load() != 2 {
		t.Fatalf("codes asked %d", w.codes.Load())
	}
	// -o gives the code; no prompt.
	w.idp.ExpireSessions()
	w.code = "wrong"
	w.get(creds.Request{Profile: "form-otp", Refresh: true, OTP: "654321"})
	if w.codes.Load() != 2 {
		t.Fatalf("codes asked %d", w.codes.Load())
	}
	w.interactive = false
	w.idp.ExpireSessions()
	w.setenv("SAML_PASSWORD", "carol-pw")
	var in *creds.InputNeededError
	if err := w.fail(creds.Request{Profile: "form-otp", Refresh: true}, "-o CODE"); !errors.As(err, &in) {
		t.Fatalf("want InputNeededError, got %v", err)
	}
}

func TestSAMLRefusals(t *testing.T) {
	w := newSAMLWorld(t)
	w.password = "wrong"
	w.fail(creds.Request{Profile: "form-admin"}, "user name or password was not accepted", "Invalid username or password")
	w.password = "alice-pw"
	w.fail(creds.Request{Profile: "form-deploy"}, "role "+samlRolePrefix+"deploy is not among the roles", samlRolePrefix+"admin, "+samlRolePrefix+"readonly", "set role_arn")
	w.password = "mallory-pw"
	w.fail(creds.Request{Profile: "form-tamper"}, "InvalidIdentityToken", "signature", "altered")
	w.password = "eve-pw"
	w.fail(creds.Request{Profile: "form-expired"}, "ExpiredTokenException", "expired", "clock")
	w.fail(creds.Request{Profile: "form-nouser"}, "set saml_username")
	w.srv.Fail(ststest.Fault{Action: "AssumeRoleWithSAML", Code: "AccessDenied", Times: 1})
	w.password = "alice-pw"
	w.fail(creds.Request{Profile: "form-admin"}, "AccessDenied", "trust policy")
	if w.srv.CallCount("AssumeRoleWithSAML") != 3 {
		t.Fatalf("calls %d", w.srv.CallCount("AssumeRoleWithSAML"))
	}
}

func TestSAMLSessionDuration(t *testing.T) {
	w := newSAMLWorld(t)
	w.password = "dave-pw"
	last := func() string {
		calls := w.srv.Calls()
		return calls[len(calls)-1].Params.Get("DurationSeconds")
	}
	w.get(creds.Request{Profile: "form-dur"})
	if d := last(); d != "7200" {
		t.Fatalf("DurationSeconds %s, want the IdP's 7200", d)
	}
	w.get(creds.Request{Profile: "form-dur-profile"})
	if d := last(); d != "1800" {
		t.Fatalf("DurationSeconds %s, want duration_seconds 1800", d)
	}
	w.get(creds.Request{Profile: "form-dur", Refresh: true, RoleDuration: 45 * time.Minute})
	if d := last(); d != "2700" {
		t.Fatalf("DurationSeconds %s, want -a's 2700", d)
	}
}

func TestSAMLChainedRole(t *testing.T) {
	w := newSAMLWorld(t)
	res := w.get(creds.Request{Profile: "chained"})
	if res.RoleARN != samlRolePrefix+"deploy" {
		t.Fatalf("result %+v", res)
	}
	calls := w.srv.Calls()
	if len(calls) != 2 || calls[0].Action != "AssumeRoleWithSAML" || calls[1].Action != "AssumeRole" || calls[1].AccessKeyID == "" {
		t.Fatalf("calls %+v", calls)
	}
	// The SAML role is cached on its own, for its own profile.
	w.get(creds.Request{Profile: "form-admin"})
	if w.srv.CallCount("AssumeRoleWithSAML") != 1 {
		t.Fatal("the inner role was not cached")
	}
}

func TestSAMLParallelRunsSignInOnce(t *testing.T) {
	w := newSAMLWorld(t)
	var wg sync.WaitGroup
	for _, p := range []string{"form-admin", "form-ro", "form-admin", "form-ro"} {
		wg.Go(func() {
			if _, err := w.provider().Get(context.Background(), creds.Request{Profile: p}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if w.passwords.Load() != 1 || w.idp.Logins() != 1 {
		t.Fatalf("passwords %d, logins %d", w.passwords.Load(), w.idp.Logins())
	}
}

func TestSAMLOkta(t *testing.T) {
	w := newSAMLWorld(t)
	w.password, w.code = "olivia-pw", "999999"
	w.fail(creds.Request{Profile: "okta-totp"}, "Okta", "did not accept the one-time code")
	w.code = "112233"
	w.get(creds.Request{Profile: "okta-totp"})
	// The Okta session serves the next sign-in.
	w.get(creds.Request{Profile: "okta-totp", Refresh: true})
	if w.okta.Authns() != 2 || w.passwords.Load() != 2 || w.srv.CallCount("AssumeRoleWithSAML") != 2 {
		t.Fatalf("authns %d, passwords %d, calls %d", w.okta.Authns(), w.passwords.Load(), w.srv.CallCount("AssumeRoleWithSAML"))
	}
	w.password = "nope"
	w.fail(creds.Request{Profile: "okta-plain"}, "did not accept the user name or password")
	w.password = "vic-pw"
	w.get(creds.Request{Profile: "okta-plain"})

	w.password = "pat-pw"
	w.get(creds.Request{Profile: "okta-push"})
	if w.okta.Pushes() != 1 || !strings.Contains(w.stderr.String(), "approve the push") {
		t.Fatalf("pushes %d, stderr %q", w.okta.Pushes(), w.stderr.String())
	}
	w.password = "rex-pw"
	w.fail(creds.Request{Profile: "okta-reject"}, "push was rejected")
	w.password = "tim-pw"
	w.fail(creds.Request{Profile: "okta-timeout"}, "not answered in time")

	// Two factors: the user chooses; -o picks the code.
	w.password, w.choice = "uma-pw", 1
	w.get(creds.Request{Profile: "okta-both"})
	if w.choices.Load() != 1 || strings.Join(w.lastChoices, "|") != "Okta Verify code|Okta Verify push" {
		t.Fatalf("choices %d %q", w.choices.Load(), w.lastChoices)
	}
	w.okta.ExpireSessions()
	w.get(creds.Request{Profile: "okta-both", Refresh: true, OTP: "445566"})
	if w.choices.Load() != 1 || w.okta.Pushes() != 4 {
		t.Fatalf("choices %d pushes %d", w.choices.Load(), w.okta.Pushes())
	}

	// Without anyone to ask: a push is not sent.
	w.interactive = false
	w.okta.ExpireSessions()
	w.setenv("SAML_PASSWORD", "pat-pw")
	var in *creds.InputNeededError
	if err := w.fail(creds.Request{Profile: "okta-push", Refresh: true}, "push"); !errors.As(err, &in) {
		t.Fatalf("want InputNeededError, got %v", err)
	}
}

func TestSAMLSettings(t *testing.T) {
	w := newSAMLWorld(t)
	for _, tc := range []struct {
		sso  creds.SSO
		want string
	}{
		{creds.SSO{SAMLAuthURL: "ftp://idp.example.com/"}, "not an http(s) URL"},
		{creds.SSO{SAMLAuthURL: "http://idp.example.com/sso"}, "must be https"},
		{creds.SSO{SAMLProvider: "adfs"}, "want browser, form or okta"},
	} {
		w.fail(creds.Request{Profile: "form-admin", SSO: tc.sso}, tc.want)
	}
	w.setenv("SAML_ACS_URL", "not a url")
	w.fail(creds.Request{Profile: "form-admin"}, "SAML_ACS_URL")
	// With SAML_ACS_URL elsewhere, the response for AWS's endpoint is not
	// the one asked for: the form provider does not stop at it.
	w.setenv("SAML_ACS_URL", "https://signin.example.net/saml")
	w.fail(creds.Request{Profile: "form-admin"}, "addressed to https://signin.aws.amazon.com/saml, not to SAML_ACS_URL")
	// The local sign-in URL addresses the response to the IdP's /acs.
	w.setenv("SAML_ACS_URL", w.idp.ACSURL())
	w.get(creds.Request{Profile: "form-admin", SSO: creds.SSO{SAMLAuthURL: w.idp.LocalSignInURL()}})
	if w.idp.ACSHits() != 0 {
		t.Fatal("the response was posted")
	}

	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://signin.aws.amazon.com/saml", true},
		{"https://us-east-1.signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D558H46", true},
		{"https://signin.amazonaws-us-gov.com/saml", true},
		{"https://signin.amazonaws.cn/saml", true},
		{"https://signin.aws.amazon.com/static/saml", true},
		{"http://signin.aws.amazon.com/saml", false},
		{"https://signin.aws.amazon.com.evil.example/saml", false},
		{"https://evilsignin.aws.amazon.com/saml", false},
		{"https://signin.aws.amazon.com/console", false},
	} {
		u, _ := url.Parse(tc.url)
		if got := saml.IsACS(u); got != tc.ok || saml.AWSSignIn(u) != tc.ok {
			t.Errorf("isACS(%s) = %v", tc.url, got)
		}
	}
}

// browserFlags run the browser headless, in dir, with DevTools on a port
// so that the test can play the user in it.
func browserFlags(dir string) string {
	return "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --remote-debugging-port=0 --user-data-dir=" + dir
}

func TestSAMLBrowser(t *testing.T) {
	chromium := testtool.Require(t, "chromium")
	w := newSAMLWorld(t)
	dir := t.TempDir()
	w.setenv("AWS_RUNAS_BROWSER", chromium)
	w.setenv("AWS_RUNAS_BROWSER_FLAGS", browserFlags(dir))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	old := *saml.BrowserSignInTimeout
	*saml.BrowserSignInTimeout = 40 * time.Second
	t.Cleanup(func() { *saml.BrowserSignInTimeout = old })
	user := idptest.BrowserUser{Dir: dir}
	browser := creds.SSO{SAMLProvider: "browser"}

	done := make(chan error, 1)
	go func() { done <- user.SignIn(ctx, w.idp.URL, "carol", "carol-pw", "654321") }()
	res := w.get(creds.Request{Profile: "form-otp", SSO: browser})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if res.RoleSessionName != "carol" || w.srv.CallCount("AssumeRoleWithSAML") != 1 || w.passwords.Load() != 0 || w.codes.Load() != 0 {
		t.Fatalf("result %+v, passwords %d, codes %d", res, w.passwords.Load(), w.codes.Load())
	}
	if !strings.Contains(w.stderr.String(), "Sign in at 127.0.0.1") {
		t.Fatalf("stderr %q", w.stderr.String())
	}
	// The browser kept the IdP's session: the next sign-in needs no one.
	w.get(creds.Request{Profile: "form-otp", SSO: browser, Refresh: true})
	if w.srv.CallCount("AssumeRoleWithSAML") != 2 || w.idp.Logins() != 1 {
		t.Fatalf("calls %d, logins %d", w.srv.CallCount("AssumeRoleWithSAML"), w.idp.Logins())
	}

	// A user who closes the window: a clear error, nothing cached.
	closer := idptest.BrowserUser{Dir: t.TempDir()}
	w.setenv("AWS_RUNAS_BROWSER_FLAGS", browserFlags(closer.Dir))
	go func() { done <- closer.Close(ctx, w.idp.URL) }()
	w.fail(creds.Request{Profile: "form-admin", SSO: browser}, "browser was closed before the sign-in finished")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if w.idp.ACSHits() != 0 {
		t.Fatal("a response reached the consumer")
	}
}

// With AWS_RUNAS_BROWSER_URL, aws-runas signs in in a tab of a browser
// that runs already, and leaves the browser running.
func TestSAMLBrowserAttach(t *testing.T) {
	chromium := testtool.Require(t, "chromium")
	w := newSAMLWorld(t)
	dir, err := os.MkdirTemp("", "aws-runas-browser")
	if err != nil {
		t.Fatal(err)
	}
	args := append(strings.Fields(browserFlags(dir)), "about:blank")
	cmd := exec.Command(chromium, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// As a user quits: gracefully, then the profile goes.
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		for i := 0; i < 50 && os.RemoveAll(dir) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	user := idptest.BrowserUser{Dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var port string
	for port == "" {
		data, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		if err == nil && len(strings.Fields(string(data))) == 2 {
			port = strings.Fields(string(data))[0]
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the browser did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.setenv("AWS_RUNAS_BROWSER_URL", "http://127.0.0.1:"+port)
	done := make(chan error, 1)
	go func() { done <- user.SignIn(ctx, w.idp.URL, "alice", "alice-pw", "") }()
	res := w.get(creds.Request{Profile: "form-admin", SSO: creds.SSO{SAMLProvider: "browser"}})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if res.RoleSessionName != "alice@example.com" {
		t.Fatalf("result %+v", res)
	}
	// Only its own tab is gone.
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		tabs := tabURLs(t, port)
		if !strings.Contains(tabs, w.idp.URL) {
			if !strings.Contains(tabs, "about:blank") {
				t.Fatalf("tabs left: %s", tabs)
			}
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the sign-in tab is still open: %s", tabs)
		}
	}
}

func tabURLs(t *testing.T, port string) string {
	t.Helper()
	resp, err := http.Get("http://127.0.0.1:" + port + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// The time allowed for a browser sign-in includes the wait for another
// run's: a run that waited it out does not start a browser afterwards.
func TestSAMLBrowserTimeoutCoversLockWait(t *testing.T) {
	w := newSAMLWorld(t)
	w.setenv("AWS_RUNAS_BROWSER", filepath.Join(t.TempDir(), "no-such-browser"))
	old := *saml.BrowserSignInTimeout
	*saml.BrowserSignInTimeout = 300 * time.Millisecond
	t.Cleanup(func() { *saml.BrowserSignInTimeout = old })
	p := w.provider()
	unlock := p.Cache.Lock(saml.Kind, "browser")
	go func() { time.Sleep(700 * time.Millisecond); unlock() }()
	_, err := p.Get(context.Background(), creds.Request{Profile: "form-admin", SSO: creds.SSO{SAMLProvider: "browser"}})
	if err == nil || !strings.Contains(err.Error(), "no sign-in within 300ms") {
		t.Fatalf("err %v", err)
	}
}

// A sign-in that times out still closes the browser gracefully, so that
// it writes its profile (the IdP's cookies).
func TestSAMLBrowserTimeoutClosesGracefully(t *testing.T) {
	chromium := testtool.Require(t, "chromium")
	w := newSAMLWorld(t)
	w.setenv("AWS_RUNAS_BROWSER", chromium)
	w.setenv("AWS_RUNAS_BROWSER_FLAGS", browserFlags(t.TempDir()))
	old := *saml.BrowserSignInTimeout
	*saml.BrowserSignInTimeout = 5 * time.Second
	t.Cleanup(func() { *saml.BrowserSignInTimeout = old })
	p := w.provider()
	var mu sync.Mutex
	var log []string
	p.Debug = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, fmt.Sprintf(format, args...))
	}
	_, err := p.Get(context.Background(), creds.Request{Profile: "form-admin", SSO: creds.SSO{SAMLProvider: "browser"}})
	if err == nil || !strings.Contains(err.Error(), "no sign-in within 5s") {
		t.Fatalf("err %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range log {
		if strings.HasPrefix(l, "browser: closing:") {
			t.Fatalf("not closed gracefully: %s", l)
		}
	}
}

// An IdP that asks for the user name on one page and the password on the
// next, and sets its cookies along the way.
func TestFormTwoPageSignIn(t *testing.T) {
	w := newSAMLWorld(t)
	response, err := w.idp.Response("alice")
	if err != nil {
		t.Fatal(err)
	}
	var posts []url.Values
	mux := http.NewServeMux()
	mux.HandleFunc("GET /start", func(rw http.ResponseWriter, r *http.Request) {
		http.SetCookie(rw, &http.Cookie{Name: "flow", Value: "1", Path: "/"})
		http.Redirect(rw, r, "/u", http.StatusFound)
	})
	mux.HandleFunc("GET /u", func(rw http.ResponseWriter, r *http.Request) {
		rw.Write([]byte(`<form method="post" action="/p"><input type="email" name="identifier"><button>Next</button></form>`))
	})
	mux.HandleFunc("POST /p", func(rw http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		posts = append(posts, r.PostForm)
		if c, err := r.Cookie("flow"); err != nil || c.Value != "1" {
			http.Error(rw, "no flow cookie", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("password") == "" {
			rw.Write([]byte(`<form method="post" action="/p"><input type="hidden" name="identifier" value="` + html.EscapeString(r.PostForm.Get("identifier")) + `"><input type="password" name="password"></form>`))
			return
		}
		rw.Write([]byte(`<form method="post" action="https://signin.aws.amazon.com/saml"><input type="hidden" name="SAMLResponse" value="` + response + `"></form>`))
	})
	idp := httptest.NewServer(mux)
	defer idp.Close()
	res := w.get(creds.Request{Profile: "form-admin", SSO: creds.SSO{SAMLAuthURL: idp.URL + "/start"}})
	if res.RoleSessionName != "alice@example.com" || len(posts) != 2 || posts[1].Get("identifier") != "alice" || posts[1].Get("password") != "alice-pw" {
		t.Fatalf("result %+v, posts %v", res, posts)
	}
}

// The whole sign-in refuses a login form that posts elsewhere, before
// anything is sent there.
func TestFormSignInRefusesForeignLoginForm(t *testing.T) {
	w := newSAMLWorld(t)
	thief := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		t.Errorf("the password went to %s", r.URL)
	}))
	defer thief.Close()
	idp := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Write([]byte(`<form method="post" action="` + thief.URL + `/steal?a=b"><input name="username"><input type="password" name="password"></form>`))
	}))
	defer idp.Close()
	w.fail(creds.Request{Profile: "form-admin", SSO: creds.SSO{SAMLAuthURL: idp.URL + "/start"}}, "would send the password to "+strings.TrimPrefix(thief.URL, "http://")+"; refused")
}

// The password prompt names the host the password is posted to: after a
// redirect from saml_auth_url's host to another, both.
func TestSAMLPasswordPromptNamesReceivingHost(t *testing.T) {
	w := newSAMLWorld(t)
	redirector := httptest.NewServer(http.RedirectHandler(w.idp.SignInURL(), http.StatusFound))
	t.Cleanup(redirector.Close)
	c, cr := credtest.WriteFiles(t, "[profile moved]\nrole_arn = "+samlRolePrefix+"admin\nsaml_auth_url = "+redirector.URL+
		"/start\nsaml_provider = form\nsaml_username = alice\n", "")
	w.files = config.Files{Config: c, Credentials: cr}
	p := w.provider()
	var asked prompt.Password
	p.Prompter = &prompttest.Answers{PasswordFunc: func(ctx context.Context, q prompt.Password) (string, error) { asked = q; return "alice-pw", nil }}
	if _, err := p.Get(context.Background(), creds.Request{Profile: "moved"}); err != nil {
		t.Fatal(err)
	}
	idpHost, redirHost := strings.TrimPrefix(w.idp.URL, "http://"), strings.TrimPrefix(redirector.URL, "http://")
	if want := idpHost + " (redirected from " + redirHost + ")"; asked.For != "alice" || asked.Host != want {
		t.Errorf("asked for the password of %q at %q, want alice at %q", asked.For, asked.Host, want)
	}
}
