package sso_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	awssso "github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/aws-runas/aws-runas/internal/ssotest"
	"github.com/aws-runas/aws-runas/internal/ststest"
	"github.com/aws-runas/aws-runas/internal/testtool"
	"github.com/aws-runas/aws-runas/signon/sso"
)

var accounts = []ssotest.Account{
	{ID: "111111111111", Name: "Prod Main", Email: "prod@example.com", Roles: []string{"Admin", "ReadOnly"}},
	{ID: "222222222222", Name: "dev", Email: "dev@example.com", Roles: []string{"Admin"}},
	{ID: "333333333333", Name: "audit", Email: "audit@example.com", Roles: []string{"ReadOnly", "Auditor", "Billing"}},
}

type env struct {
	t        *testing.T
	sts      *ststest.Server
	srv      *ssotest.Server
	clock    *ssotest.Clock
	dir      string
	settings sso.Settings

	mu       sync.Mutex
	notified []string
	debugLog []string
	opened   atomic.Int32
}

func newEnv(t *testing.T, pageSize int) *env {
	e := &env{t: t, sts: ststest.NewTest(t), clock: ssotest.NewClock(time.Now().UTC().Truncate(time.Second)), dir: filepath.Join(t.TempDir(), "sso", "cache")}
	e.srv = ssotest.NewTest(t, ssotest.Config{Accounts: accounts, STS: e.sts, Now: e.clock.Now, PageSize: pageSize})
	e.settings = sso.Settings{SessionName: "corp", StartURL: e.srv.StartURL(), Region: "eu-west-1", AccountID: "111111111111", RoleName: "Admin"}
	return e
}

func (e *env) notify(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notified = append(e.notified, msg)
}

func (e *env) messages() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.notified, "\n")
}

// client is a Client whose browser is the test playing the user over HTTP.
func (e *env) client() *sso.Client {
	return &sso.Client{
		CacheDir: e.dir, OIDCEndpoint: e.srv.OIDCURL, PortalEndpoint: e.srv.PortalURL,
		Now: e.clock.Now, Notify: e.notify,
		Debug: func(format string, args ...any) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.debugLog = append(e.debugLog, fmt.Sprintf(format, args...))
		},
		OpenBrowser: func(_ context.Context, u string) error {
			e.opened.Add(1)
			go func() {
				if _, err := ssotest.Authorize(context.Background(), nil, u, true); err != nil {
					e.t.Errorf("authorize: %v", err)
				}
			}()
			return nil
		},
		Sleep: func(ctx context.Context, d time.Duration) error { e.clock.Advance(d); return nil },
	}
}

func (e *env) tokenFile() string {
	p, err := sso.TokenFile(e.dir, e.settings)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// caller is GetCallerIdentity's ARN for the credentials, from the STS server.
func (e *env) caller(c aws.Credentials) string {
	e.t.Helper()
	out, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.sts.URL), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)}).
		GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	return *out.Arn
}

// noSecrets fails if what the user or the debug log saw holds a token, a
// client secret, or a secret of the credentials.
func (e *env) noSecrets(creds aws.Credentials, errs ...error) {
	e.t.Helper()
	e.mu.Lock()
	seen := strings.Join(e.notified, "\n") + strings.Join(e.debugLog, "\n")
	e.mu.Unlock()
	for _, err := range errs {
		if err != nil {
			seen += err.Error()
		}
	}
	if len(e.debugLog) == 0 {
		e.t.Fatal("no debug output to check")
	}
	data, _ := os.ReadFile(e.tokenFile())
	var m map[string]string
	_ = json.Unmarshal(data, &m)
	for _, v := range []string{m["accessToken"], m["refreshToken"], m["clientSecret"], creds.SecretAccessKey, creds.SessionToken} {
		if v != "" && strings.Contains(seen, v) {
			e.t.Fatalf("a secret was shown or logged: %q", seen)
		}
	}
}

func wantRole(t *testing.T, e *env, c aws.Credentials, account, role string) {
	t.Helper()
	arn := e.caller(c)
	if !strings.HasPrefix(arn, "arn:aws:sts::"+account+":assumed-role/AWSReservedSSO_"+role+"_") || !strings.HasSuffix(arn, "/alice@example.com") {
		t.Fatalf("caller %s, want role %s of %s", arn, role, account)
	}
	if !c.CanExpire || c.Expires.Sub(time.Now()) < 59*time.Minute {
		t.Fatalf("credentials expire %v (%v)", c.Expires, c.CanExpire)
	}
}

// checkCLIFormat asserts the token file is what the AWS CLI v2 writes.
func checkCLIFormat(t *testing.T, e *env, path string) map[string]string {
	t.Helper()
	sdkPath, err := ssocreds.StandardCachedTokenFilepath(e.settings.SessionName)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != filepath.Base(sdkPath) {
		t.Fatalf("token file %s, the SDK's name is %s", filepath.Base(path), filepath.Base(sdkPath))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	di, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("file %v, directory %v; want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("token file: %v", err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := "accessToken clientId clientSecret expiresAt refreshToken region registrationExpiresAt startUrl"; strings.Join(keys, " ") != want {
		t.Fatalf("fields %v, want %s", keys, want)
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	if !stamp.MatchString(m["expiresAt"]) || !stamp.MatchString(m["registrationExpiresAt"]) || m["startUrl"] != e.settings.StartURL || m["region"] != "eu-west-1" {
		t.Fatalf("token file fields: %s", data)
	}
	// The SDK reads it as it reads the CLI's.
	oc := ssooidc.New(ssooidc.Options{Region: "eu-west-1", BaseEndpoint: aws.String(e.srv.OIDCURL)})
	tok, err := ssocreds.NewSSOTokenProvider(oc, path).RetrieveBearerToken(context.Background())
	if err != nil || tok.Value != m["accessToken"] {
		t.Fatalf("SDK reading the file: %v", err)
	}
	return m
}

func TestDeviceLogin(t *testing.T) {
	e := newEnv(t, 20)
	c := e.client()
	c.UseDeviceCode = true
	c.OpenBrowser = nil
	approved := false
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		if !approved { // the user, at the verification page, after the first poll
			m := regexp.MustCompile(`(?s)open this URL in a browser:\s+(\S+).*shows the code:\s+(\S+)`).FindStringSubmatch(e.messages())
			if m == nil {
				t.Fatalf("no URL and code shown: %q", e.messages())
			}
			u, _, _ := strings.Cut(m[1], "?")
			if err := ssotest.ApproveDevice(ctx, nil, u, m[2], true); err != nil {
				t.Fatal(err)
			}
			approved = true
		}
		e.clock.Advance(d)
		return nil
	}
	creds, err := c.RoleCredentials(context.Background(), e.settings, false)
	if err != nil {
		t.Fatal(err)
	}
	wantRole(t, e, creds, "111111111111", "Admin")
	if e.srv.Logins() != 1 || e.srv.TokenCalls(ssotest.GrantDeviceCode) != 2 || e.srv.Count("RegisterClient", "", "", "") != 1 {
		t.Fatalf("logins %d, device polls %d, registrations %d", e.srv.Logins(), e.srv.TokenCalls(ssotest.GrantDeviceCode), e.srv.Count("RegisterClient", "", "", ""))
	}
	checkCLIFormat(t, e, e.tokenFile())

	// A second login (sso login) reuses the registration from the file.
	approved = false
	if err := c.Login(context.Background(), e.settings); err != nil {
		t.Fatal(err)
	}
	if e.srv.Logins() != 2 || e.srv.Count("RegisterClient", "", "", "") != 1 {
		t.Fatalf("second login: logins %d, registrations %d", e.srv.Logins(), e.srv.Count("RegisterClient", "", "", ""))
	}
}

func TestPKCELogin(t *testing.T) {
	e := newEnv(t, 20)
	c := e.client()
	creds, err := c.RoleCredentials(context.Background(), e.settings, false)
	if err != nil {
		t.Fatal(err)
	}
	wantRole(t, e, creds, "111111111111", "Admin")
	if e.opened.Load() != 1 || e.srv.Logins() != 1 || e.srv.TokenCalls("authorization_code") != 1 {
		t.Fatalf("opened %d, logins %d, code grants %d", e.opened.Load(), e.srv.Logins(), e.srv.TokenCalls("authorization_code"))
	}
	if !strings.Contains(e.messages(), e.srv.OIDCURL+"/authorize?") {
		t.Fatalf("authorize URL not shown: %q", e.messages())
	}
	checkCLIFormat(t, e, e.tokenFile())
	e.noSecrets(creds)

	// Another role of the session: the cached token, nothing else.
	s := e.settings
	s.AccountID, s.RoleName = "333333333333", "Auditor"
	creds, err = c.RoleCredentials(context.Background(), s, true)
	if err != nil {
		t.Fatal(err)
	}
	wantRole(t, e, creds, "333333333333", "Auditor")
	if e.opened.Load() != 1 || e.srv.Count("CreateToken", "", "", "") != 1 {
		t.Fatalf("second role: opened %d, CreateToken %d", e.opened.Load(), e.srv.Count("CreateToken", "", "", ""))
	}
}

// A browser that cannot be opened means the device flow.
func TestNoBrowserFallsBackToDevice(t *testing.T) {
	e := newEnv(t, 20)
	c := e.client()
	c.OpenBrowser = func(context.Context, string) error { return errors.New("no display") }
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		m := regexp.MustCompile(`open this URL in a browser:\s+(\S+)`).FindStringSubmatch(e.messages())
		if m == nil {
			t.Fatalf("no verification URL shown: %q", e.messages())
		}
		e.clock.Advance(d)
		return ssotest.ApproveDevice(ctx, nil, m[1], "", true)
	}
	if err := c.Login(context.Background(), e.settings); err != nil {
		t.Fatal(err)
	}
	if e.srv.TokenCalls(ssotest.GrantDeviceCode) != 2 || e.srv.TokenCalls("authorization_code") != 0 || e.srv.Count("RegisterClient", "", "", "") != 1 {
		t.Fatalf("device polls %d, code grants %d, registrations %d", e.srv.TokenCalls(ssotest.GrantDeviceCode),
			e.srv.TokenCalls("authorization_code"), e.srv.Count("RegisterClient", "", "", ""))
	}
}

// cliToken gets a token as the AWS CLI would (device flow, through the
// SDK), and writes the file the CLI writes.
func cliToken(t *testing.T, e *env, expiresAt time.Time) {
	ctx := context.Background()
	oc := ssooidc.New(ssooidc.Options{Region: "eu-west-1", BaseEndpoint: aws.String(e.srv.OIDCURL)})
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-corp"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(e.srv.StartURL())})
	if err != nil {
		t.Fatal(err)
	}
	if err := ssotest.ApproveDevice(ctx, nil, *dev.VerificationUriComplete, "", true); err != nil {
		t.Fatal(err)
	}
	tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(ssotest.GrantDeviceCode), DeviceCode: dev.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	// As botocore writes it: json.dumps of its dict, its key order.
	data := `{"startUrl": "` + e.srv.StartURL() + `", "region": "eu-west-1", "accessToken": "` + *tok.AccessToken +
		`", "expiresAt": "` + expiresAt.UTC().Format("2006-01-02T15:04:05Z") + `", "clientId": "` + *reg.ClientId +
		`", "clientSecret": "` + *reg.ClientSecret + `", "registrationExpiresAt": "` + time.Unix(reg.ClientSecretExpiresAt, 0).UTC().Format("2006-01-02T15:04:05Z") +
		`", "refreshToken": "` + *tok.RefreshToken + `"}`
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.tokenFile(), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A token the AWS CLI v2 left is used as it is: no login, no prompt.
func TestCLITokenFileUsed(t *testing.T) {
	e := newEnv(t, 20)
	cliToken(t, e, e.clock.Now().Add(time.Hour))
	before := e.srv.Count("CreateToken", "", "", "")
	c := e.client()
	c.Notify = nil // nothing may be asked
	creds, err := c.RoleCredentials(context.Background(), e.settings, true)
	if err != nil {
		t.Fatal(err)
	}
	wantRole(t, e, creds, "111111111111", "Admin")
	if e.srv.Count("CreateToken", "", "", "") != before || e.srv.Logins() != 1 {
		t.Fatalf("CreateToken %d (was %d), logins %d", e.srv.Count("CreateToken", "", "", ""), before, e.srv.Logins())
	}
}

// An expired access token is renewed with the refresh token, silently, and
// the file keeps the CLI's format.
func TestExpiredTokenRefreshed(t *testing.T) {
	e := newEnv(t, 20)
	cliToken(t, e, e.clock.Now().Add(time.Hour))
	old, _ := os.ReadFile(e.tokenFile())
	e.clock.Advance(time.Hour + time.Minute)
	c := e.client()
	c.Notify = nil
	creds, err := c.RoleCredentials(context.Background(), e.settings, true)
	if err != nil {
		t.Fatal(err)
	}
	wantRole(t, e, creds, "111111111111", "Admin")
	if e.srv.TokenCalls("refresh_token") != 1 || e.srv.Logins() != 1 || e.opened.Load() != 0 {
		t.Fatalf("refreshes %d, logins %d, browser %d", e.srv.TokenCalls("refresh_token"), e.srv.Logins(), e.opened.Load())
	}
	m := checkCLIFormat(t, e, e.tokenFile())
	e.noSecrets(creds)
	var was map[string]string
	_ = json.Unmarshal(old, &was)
	if m["accessToken"] == was["accessToken"] || m["refreshToken"] == was["refreshToken"] || m["clientId"] != was["clientId"] ||
		m["expiresAt"] != e.clock.Now().Add(time.Hour).Format("2006-01-02T15:04:05Z") {
		t.Fatal("token file not renewed as expected")
	}
}

// When the session is over, a non-interactive run is told to log in.
func TestSessionOverNonInteractive(t *testing.T) {
	e := newEnv(t, 20)
	c := e.client()
	_, err := c.RoleCredentials(context.Background(), e.settings, true)
	var ln *sso.LoginNeededError
	if !errors.As(err, &ln) || !strings.Contains(err.Error(), "run aws-runas sso login") {
		t.Fatalf("no token: %v", err)
	}
	cliToken(t, e, e.clock.Now().Add(time.Hour))
	e.clock.Advance(9 * time.Hour)
	_, err = c.RoleCredentials(context.Background(), e.settings, true)
	if !errors.As(err, &ln) || ln.Session != "corp" {
		t.Fatalf("session over: %v", err)
	}
	if e.srv.TokenCalls("refresh_token") != 1 || e.opened.Load() != 0 || e.messages() != "" {
		t.Fatalf("refreshes %d, browser %d, shown %q", e.srv.TokenCalls("refresh_token"), e.opened.Load(), e.messages())
	}
	// Interactive, the same state means a login.
	if _, err := c.RoleCredentials(context.Background(), e.settings, false); err != nil {
		t.Fatal(err)
	}
	if e.opened.Load() != 1 {
		t.Fatalf("browser opened %d times", e.opened.Load())
	}
}

// Twenty cold runs at once: one login, one browser tab.
func TestParallelColdRunsLogInOnce(t *testing.T) {
	e := newEnv(t, 20)
	roles := [][2]string{{"111111111111", "Admin"}, {"111111111111", "ReadOnly"}, {"222222222222", "Admin"}, {"333333333333", "Billing"}}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.settings
			s.AccountID, s.RoleName = roles[i%len(roles)][0], roles[i%len(roles)][1]
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := e.client().RoleCredentials(ctx, s, false)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if e.opened.Load() != 1 || e.srv.Logins() != 1 || e.srv.Count("RegisterClient", "", "", "") != 1 || e.srv.Count("CreateToken", "", "", "") != 1 {
		t.Fatalf("browser %d, logins %d, registrations %d, CreateToken %d", e.opened.Load(), e.srv.Logins(),
			e.srv.Count("RegisterClient", "", "", ""), e.srv.Count("CreateToken", "", "", ""))
	}
	// Role credentials are not cached here (the role cache of the caller
	// does that): each run asked once for its role.
	for _, r := range roles {
		if n := e.srv.RoleCredentialCalls(r[0], r[1]); n != 5 {
			t.Errorf("GetRoleCredentials %s/%s: %d, want 5", r[0], r[1], n)
		}
	}
}

// A lock held by a stalled run is waited for only as long as allowed.
func TestLockWaitBounded(t *testing.T) {
	e := newEnv(t, 20)
	c := e.client()
	c.LockTimeout = 50 * time.Millisecond
	holder := e.client()
	started, release := make(chan struct{}), make(chan struct{})
	holder.OpenBrowser = func(context.Context, string) error { close(started); <-release; return errors.New("closed") }
	holder.Sleep = func(ctx context.Context, d time.Duration) error { return errors.New("gave up") }
	done := make(chan error, 1)
	go func() { done <- holder.Login(context.Background(), e.settings) }()
	<-started
	_, err := c.RoleCredentials(context.Background(), e.settings, false)
	if err == nil || !strings.Contains(err.Error(), "gave up waiting") {
		t.Fatalf("waiting on a held lock: %v", err)
	}
	close(release)
	<-done
}

func TestLogout(t *testing.T) {
	e := newEnv(t, 20)
	cliToken(t, e, e.clock.Now().Add(time.Hour))
	data, _ := os.ReadFile(e.tokenFile())
	var m map[string]string
	_ = json.Unmarshal(data, &m)
	res, err := e.client().Logout(context.Background(), e.settings)
	if err != nil {
		t.Fatal(err)
	}
	if !res.SignedOut || res.TokenFile != e.tokenFile() || e.srv.Count("Logout", "", "", "") != 1 {
		t.Fatalf("logout %+v, server saw %d", res, e.srv.Count("Logout", "", "", ""))
	}
	if _, err := os.Stat(e.tokenFile()); !os.IsNotExist(err) {
		t.Fatalf("token file: %v", err)
	}
	pc := awssso.New(awssso.Options{Region: "eu-west-1", BaseEndpoint: aws.String(e.srv.PortalURL)})
	if _, err := pc.ListAccounts(context.Background(), &awssso.ListAccountsInput{AccessToken: aws.String(m["accessToken"])}); err == nil {
		t.Fatal("the access token still works after Logout")
	}
	// Logging out again: nothing to do, no error.
	if res, err := e.client().Logout(context.Background(), e.settings); err != nil || res.SignedOut {
		t.Fatalf("second logout: %+v %v", res, err)
	}
}

func TestListAndConfig(t *testing.T) {
	e := newEnv(t, 1)
	cliToken(t, e, e.clock.Now().Add(time.Hour))
	c := e.client()
	as, err := c.Assignments(context.Background(), e.settings, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		got = append(got, a.AccountName+"/"+a.RoleName)
	}
	if want := "Prod Main/Admin Prod Main/ReadOnly dev/Admin audit/ReadOnly audit/Auditor audit/Billing"; strings.Join(got, " ") != want {
		t.Fatalf("assignments %v", got)
	}
	if n := e.srv.Count("ListAccounts", "", "", ""); n != 3 {
		t.Fatalf("ListAccounts pages %d, want 3", n)
	}
	if n := e.srv.Count("ListAccountRoles", "", "333333333333", ""); n != 3 {
		t.Fatalf("ListAccountRoles pages of audit %d, want 3", n)
	}

	var buf bytes.Buffer
	if err := sso.RenderConfig(&buf, as, sso.ConfigOptions{Session: e.settings}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "[profile Prod-Main.Admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n") {
		t.Fatalf("config:\n%s", buf.String())
	}
	var tb bytes.Buffer
	if err := sso.RenderConfig(&tb, as, sso.ConfigOptions{Session: e.settings, NameTemplate: "{{.AccountID}}-{{.RoleName}}", Region: "us-east-2"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.String(), "[profile 333333333333-Billing]\n") || strings.Contains(tb.String(), "eu-west-1") {
		t.Fatalf("templated config:\n%s", tb.String())
	}
	if err := sso.RenderConfig(&tb, as, sso.ConfigOptions{Session: e.settings, NameTemplate: "{{.RoleName}}"}); err == nil || !strings.Contains(err.Error(), "tells them apart") {
		t.Fatalf("clashing names: %v", err)
	}

	// The AWS CLI v2 reads the sections as profiles of the session.
	aws := awsCLIv2(t)
	cfg := filepath.Join(t.TempDir(), "config")
	file := "[sso-session corp]\nsso_start_url = " + e.srv.StartURL() + "\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n" + buf.String()
	if err := os.WriteFile(cfg, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(aws, "configure", "list-profiles")
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(t.TempDir(), "none"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	profiles := strings.Fields(string(out))
	for _, a := range as {
		if name := sso.ProfileName(a.AccountName + "." + a.RoleName); !slices.Contains(profiles, name) {
			t.Errorf("aws configure list-profiles lacks %s: %v", name, profiles)
		}
	}
	cmd = exec.Command(aws, "configure", "get", "sso_account_id", "--profile", "audit.Billing")
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE="+cfg)
	if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "333333333333" {
		t.Fatalf("aws configure get: %q %v", out, err)
	}
}

// awsCLIv2 is the AWS CLI v2: Debian's /usr/bin/aws, else the first aws
// on $PATH that is version 2 (a v1 there knows no sso-session).
func awsCLIv2(t *testing.T) string {
	p := "/usr/bin/aws"
	if _, err := os.Stat(p); err != nil {
		p = testtool.Require(t, "aws")
	}
	if out, _ := exec.Command(p, "--version").CombinedOutput(); !strings.HasPrefix(string(out), "aws-cli/2.") {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not the AWS CLI v2: %s", p, out)
		}
		t.Skipf("%s is not the AWS CLI v2: %s", p, out)
	}
	return p
}
