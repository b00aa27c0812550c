//go:build unix

package e2e

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/chromedp/chromedp"

	"github.com/aws-runas/aws-runas/internal/ssotest"
	"github.com/aws-runas/aws-runas/internal/testtool"
)

// The Identity Center tests run the binary against internal/ssotest (the
// SSO OIDC and portal APIs, and the sign-in pages), whose role credentials
// the world's STS server accepts.

const (
	ssoAccount      = "111122223333"
	ssoOtherAccount = "444455556666"
)

const ssoConfig = `
[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = ` + ssoAccount + `
sso_role_name = Admin
region = eu-west-1

[profile dev-ro]
sso_session = corp
sso_account_id = ` + ssoAccount + `
sso_role_name = ReadOnly

[profile on-sso]
role_arn = ` + RolePrefix + `admin
source_profile = dev
`

type ssoWorld struct {
	*testWorld
	sso *ssotest.Server
	// The world's clock is the system's plus offset: Identity Center's,
	// STS's, and (in the -tags testclock build, through the file clock)
	// the binary's.
	offset atomic.Int64
	clock  string
}

func newSSOWorld(t *testing.T) *ssoWorld {
	t.Helper()
	w := newWorld(t)
	sw := &ssoWorld{testWorld: w, clock: filepath.Join(w.dir, "clock")}
	if err := os.WriteFile(sw.clock, []byte("0"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := ssotest.NewTest(t, ssotest.Config{STS: w.srv, Now: sw.now, Accounts: []ssotest.Account{
		{ID: ssoAccount, Name: "Dev Account", Email: "dev@example.com", Roles: []string{"Admin", "ReadOnly"}},
		{ID: ssoOtherAccount, Name: "prod", Email: "prod@example.com", Roles: []string{"Admin"}},
	}})
	f, err := os.OpenFile(filepath.Join(w.home, ".aws", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(ssoConfig); err != nil {
		t.Fatal(err)
	}
	f.Close()
	w.env = append(w.env, "AWS_ENDPOINT_URL_SSO_OIDC="+srv.OIDCURL, "AWS_ENDPOINT_URL_SSO="+srv.PortalURL, "AWS_RUNAS_TEST_CLOCK="+sw.clock)
	sw.sso = srv
	return sw
}

func (w *ssoWorld) now() time.Time { return time.Now().Add(time.Duration(w.offset.Load())) }

// advance moves the world's clock on by d: Identity Center's, STS's, and
// that of the testclock binary.
func (w *ssoWorld) advance(d time.Duration) {
	w.t.Helper()
	off := time.Duration(w.offset.Add(int64(d)))
	w.srv.Advance(d)
	if err := os.WriteFile(w.clock, []byte(strconv.Itoa(int(off/time.Second))), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// tokenFile is the AWS CLI v2's token file of a session.
func (w *ssoWorld) tokenFile(session string) string {
	sum := sha1.Sum([]byte(session))
	return filepath.Join(w.home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
}

type cliToken struct {
	StartURL, Region, AccessToken, ExpiresAt, ClientID, ClientSecret, RegistrationExpiresAt, RefreshToken string
}

func (w *ssoWorld) readToken(session string) cliToken {
	w.t.Helper()
	path := w.tokenFile(session)
	st, err := os.Stat(path)
	if err != nil {
		w.t.Fatalf("no token file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		w.t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	var tok cliToken
	if err := json.Unmarshal([]byte(readFile(w.t, path)), &tok); err != nil {
		w.t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339, tok.ExpiresAt); err != nil || tok.AccessToken == "" || tok.StartURL != w.sso.StartURL() || tok.Region != "eu-west-1" {
		w.t.Fatalf("token file is not the CLI's format: %+v", tok)
	}
	return tok
}

// deviceLogin runs `aws-runas sso login --use-device-code` and approves
// the code it shows, over HTTP, as the user would in a browser.
func (w *ssoWorld) deviceLogin(args ...string) runResult {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	argv := append([]string{"sso", "login", "--use-device-code"}, args...)
	cmd := w.command(ctx, nil, argv...)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	var stderr strings.Builder
	urlRE := regexp.MustCompile(`^  (http://\S+)$`)
	var verify, code string
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		line := sc.Text()
		stderr.WriteString(line + "\n")
		if m := urlRE.FindStringSubmatch(line); m != nil && verify == "" {
			verify = m[1]
		} else if verify != "" && code == "" && strings.HasPrefix(line, "  ") {
			code = strings.TrimSpace(line)
			if err := ssotest.ApproveDevice(ctx, nil, verify, code, true); err != nil {
				w.t.Errorf("approving the device code: %v", err)
			}
		}
	}
	err = cmd.Wait()
	r := runResult{args: argv, stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	if code == "" {
		w.t.Fatalf("no verification URL and code shown:\n%s", r)
	}
	return r
}

// ssoSecrets are the world's secrets and the session's tokens.
func (w *ssoWorld) ssoSecrets() []string {
	tok := w.readToken("corp")
	return w.secrets(tok.AccessToken, tok.RefreshToken, tok.ClientSecret)
}

func TestSSODeviceLogin(t *testing.T) {
	w := newSSOWorld(t)
	r := w.deviceLogin("--sso-session", "corp")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "signed in to IAM Identity Center (sso-session corp)") {
		t.Fatalf("want exit 0, nothing on stdout:\n%s", r)
	}
	tok := w.readToken("corp")
	if tok.RefreshToken == "" || tok.ClientID == "" {
		t.Errorf("no refresh token or registration in the token file: %+v", tok)
	}
	// The SDKs' reader of the CLI's cache takes the file as it is.
	if bt, err := ssocreds.NewSSOTokenProvider(nil, w.tokenFile("corp")).RetrieveBearerToken(context.Background()); err != nil || bt.Value != tok.AccessToken {
		t.Errorf("ssocreds cannot read the token file: %v", err)
	}
	if n := w.sso.TokenCalls("urn:ietf:params:oauth:grant-type:device_code"); n < 1 {
		t.Errorf("CreateToken device_code calls = %d", n)
	}
	// The login serves a run: role credentials that STS knows as the role.
	who := w.mustRun(nil, "-v", "-w", "dev")
	var id struct{ Account, Arn string }
	if err := json.Unmarshal([]byte(who.stdout), &id); err != nil || id.Account != ssoAccount ||
		!strings.Contains(id.Arn, ":assumed-role/AWSReservedSSO_Admin_") {
		t.Fatalf("whoami: %v\n%s", err, who)
	}
	noSecrets(t, "stderr of the login", r.stderr, w.ssoSecrets())
	noSecrets(t, "stderr of -v", who.stderr, w.ssoSecrets())
	if w.sso.RoleCredentialCalls(ssoAccount, "Admin") != 1 {
		t.Errorf("GetRoleCredentials calls = %d", w.sso.RoleCredentialCalls(ssoAccount, "Admin"))
	}
	// Print mode: the role's ARN and session from Identity Center.
	out := w.mustRun(nil, "-O", "sh", "dev")
	if !strings.Contains(out.stdout, "AWS_RUNAS_ASSUMED_ROLE_ARN='"+ssotest.RoleARN(ssoAccount, "Admin")+"'") ||
		!strings.Contains(out.stdout, "AWS_ROLE_SESSION_NAME='alice@example.com'") {
		t.Errorf("print mode:\n%s", out)
	}
	if w.sso.RoleCredentialCalls(ssoAccount, "Admin") != 1 {
		t.Errorf("cached role credentials not used: %d calls", w.sso.RoleCredentialCalls(ssoAccount, "Admin"))
	}

	// Logout ends the session and drops the cached role credentials.
	lo := w.mustRun(nil, "sso", "logout", "--sso-session", "corp")
	if _, err := os.Stat(w.tokenFile("corp")); !os.IsNotExist(err) {
		t.Errorf("token file still there after logout: %v\n%s", err, lo)
	}
	if w.sso.Count("Logout", "", "", "") != 1 {
		t.Errorf("portal Logout not called:\n%s", lo)
	}
	r3 := w.run(nil, "--non-interactive", "-O", "json", "dev")
	if r3.code != 3 || r3.stdout != "" {
		t.Errorf("after logout, want exit 3 (cached role credentials gone):\n%s", r3)
	}
}

func TestSSONotSignedIn(t *testing.T) {
	w := newSSOWorld(t)
	for _, args := range [][]string{
		{"--non-interactive", "-O", "json", "dev"},
		{"-O", "json", "dev"}, // no terminal to show a login on
		{"--non-interactive", "sso", "list"},
	} {
		r := w.run(nil, args...)
		if r.code != 3 || r.stdout != "" || !strings.Contains(r.stderr, "run aws-runas sso login --sso-session corp") {
			t.Errorf("want exit 3 with the hint, stdout empty:\n%s", r)
		}
	}
	if n := len(w.sso.Calls()); n != 0 {
		t.Errorf("the Identity Center was called %d times", n)
	}
}

func TestSSOPKCEChromium(t *testing.T) {
	testtool.Require(t, "chromium")
	w := newSSOWorld(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	browser := filepath.Join(bin, browserName)
	if err := os.Symlink(self, browser); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "browser.log")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, []string{"BROWSER=" + browser, "OIDC_BROWSER=sso-chromium", "OIDC_BROWSER_LOG=" + logPath}, "sso", "login", "dev")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sso login: %v\nstderr: %s\nbrowser: %s", err, stderr.String(), readFile(t, logPath))
	}
	// The browser is not waited for: it may still be reading the page
	// (bounded beyond the browser's own 20 s wait for it).
	var log string
	for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if log = readFile(t, logPath); strings.Contains(log, "landed: ") {
			break
		}
	}
	if !strings.Contains(log, "landed: aws-runas: signed in.") {
		t.Errorf("browser did not land on aws-runas's page:\n%s", log)
	}
	if w.sso.TokenCalls("authorization_code") != 1 || w.sso.Logins() != 1 {
		t.Errorf("authorization_code CreateToken = %d, logins = %d", w.sso.TokenCalls("authorization_code"), w.sso.Logins())
	}
	tok := w.readToken("corp")
	if tok.RefreshToken == "" {
		t.Errorf("no refresh token")
	}
	if stdout.String() != "" {
		t.Errorf("stdout: %q", stdout.String())
	}
	// The browser's argv and the log hold no token (they were issued after).
	noSecrets(t, "stderr", stderr.String(), w.ssoSecrets())
	noSecrets(t, "the browser's log (its argv)", log, w.ssoSecrets())
	parseJSONCreds(t, w.mustRun(nil, "-O", "json", "dev"))
}

// ssoChromium approves the /authorize page in headless Chromium, and
// reports the page aws-runas's redirect listener answers.
func ssoChromium(start string, logf func(string, ...any)) error {
	profile, err := os.MkdirTemp("", "aws-runas-chromium")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"), chromedp.UserDataDir(profile),
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			opts = append(opts, chromedp.ExecPath(p))
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	logf("sso-chromium: open %s", strings.SplitN(start, "?", 2)[0])
	if err := chromedp.Do(tab,
		chromedp.Navigate(start),
		chromedp.WaitVisible(chromedp.CSS(`#allow`)),
		chromedp.Click(chromedp.CSS(`#allow`))); err != nil {
		return err
	}
	// The redirect lands on aws-runas's listener, whose page says so.
	var text string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		text, err = chromedp.Run(tab, chromedp.Text(chromedp.CSS("body")))
		if err == nil && strings.Contains(text, "aws-runas:") {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no aws-runas page after Allow: %q %v", text, err)
		}
	}
	logf("landed: %s", strings.Join(strings.Fields(text), " "))
	return nil
}

func TestSSOParallelOneCallPerRole(t *testing.T) {
	w := newSSOWorld(t)
	if r := w.deviceLogin("dev"); r.code != 0 {
		t.Fatalf("login:\n%s", r)
	}
	before := len(w.sso.Calls())
	var wg sync.WaitGroup
	results := make([]runResult, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.run(nil, "-O", "json", []string{"dev", "dev-ro"}[i%2])
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.code != 0 {
			t.Fatalf("parallel run:\n%s", r)
		}
		parseJSONCreds(t, r)
	}
	if a, ro := w.sso.RoleCredentialCalls(ssoAccount, "Admin"), w.sso.RoleCredentialCalls(ssoAccount, "ReadOnly"); a != 1 || ro != 1 {
		t.Errorf("GetRoleCredentials: Admin %d, ReadOnly %d; want 1 each", a, ro)
	}
	if n := len(w.sso.Calls()) - before; n != 2 {
		t.Errorf("%d Identity Center calls for 20 runs, want 2: %+v", n, w.sso.Calls()[before:])
	}
}

func TestSSOConfigListAndChaining(t *testing.T) {
	w := newSSOWorld(t)
	if r := w.deviceLogin(); r.code != 0 {
		t.Fatalf("login:\n%s", r)
	}
	list := w.mustRun(nil, "sso", "list", "corp")
	want := ssoAccount + "\tDev Account\tAdmin\n" + ssoAccount + "\tDev Account\tReadOnly\n" + ssoOtherAccount + "\tprod\tAdmin\n"
	if list.stdout != want {
		t.Errorf("sso list:\n%s\nwant %q", list, want)
	}
	cfg := w.mustRun(nil, "sso", "config", "--region", "us-east-2")
	for _, p := range []string{"[profile Dev-Account.Admin]", "[profile Dev-Account.ReadOnly]", "[profile prod.Admin]"} {
		if !strings.Contains(cfg.stdout, p) {
			t.Errorf("sso config lacks %s:\n%s", p, cfg.stdout)
		}
	}
	f, err := os.OpenFile(filepath.Join(w.home, ".aws", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, "\n"+cfg.stdout)
	f.Close()
	for prof, acct := range map[string]string{"Dev-Account.Admin": ssoAccount, "Dev-Account.ReadOnly": ssoAccount, "prod.Admin": ssoOtherAccount} {
		who := w.mustRun(nil, "-w", prof)
		if !strings.Contains(who.stdout, `"Account": "`+acct+`"`) {
			t.Errorf("%s: %s", prof, who)
		}
	}
	// An Identity Center profile as source_profile: its role assumes another.
	who := w.mustRun(nil, "-v", "-w", "on-sso")
	if !strings.Contains(who.stdout, "assumed-role/admin/") {
		t.Errorf("on-sso:\n%s", who)
	}
	if !strings.Contains(who.stderr, "AssumeRole "+RolePrefix+"admin") {
		t.Errorf("no AssumeRole in -v:\n%s", who)
	}
	noSecrets(t, "stderr of -v", who.stderr, w.ssoSecrets())
}
