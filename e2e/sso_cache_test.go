//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/aws-runas/aws-runas/internal/ssotest"
)

// cliLogin signs in to the corp session as `aws sso login` of the AWS CLI
// v2 does (RegisterClient, StartDeviceAuthorization, the user's approval,
// CreateToken), over the SDK, and writes the token file as the CLI does;
// it returns the file's bytes and the client secret.
func (w *ssoWorld) cliLogin() (file []byte, tok cliToken) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	oc := ssooidc.New(ssooidc.Options{Region: "eu-west-1", BaseEndpoint: aws.String(w.sso.OIDCURL), Retryer: aws.NopRetryer{}})
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-corp"),
		ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		w.t.Fatal(err)
	}
	dev, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId,
		ClientSecret: reg.ClientSecret, StartUrl: aws.String(w.sso.StartURL())})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := ssotest.ApproveDevice(ctx, nil, aws.ToString(dev.VerificationUriComplete), "", true); err != nil {
		w.t.Fatal(err)
	}
	out, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(ssotest.GrantDeviceCode), DeviceCode: dev.DeviceCode})
	if err != nil {
		w.t.Fatal(err)
	}
	utc := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	tok = cliToken{StartURL: w.sso.StartURL(), Region: "eu-west-1", AccessToken: aws.ToString(out.AccessToken),
		ExpiresAt: utc(w.now().Add(time.Duration(out.ExpiresIn) * time.Second)), ClientID: aws.ToString(reg.ClientId),
		ClientSecret: aws.ToString(reg.ClientSecret), RegistrationExpiresAt: utc(time.Unix(reg.ClientSecretExpiresAt, 0)),
		RefreshToken: aws.ToString(out.RefreshToken)}
	if tok.RefreshToken == "" {
		w.t.Fatal("no refresh token issued")
	}
	// botocore's SSOTokenFetcher builds the token in this order, and its
	// JSONFileCache writes json.dumps of it: ", " and ": " between items,
	// no newline, mode 0600, in a directory made with the umask's mode.
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range [][2]string{{"startUrl", tok.StartURL}, {"region", tok.Region}, {"accessToken", tok.AccessToken},
		{"expiresAt", tok.ExpiresAt}, {"clientId", tok.ClientID}, {"clientSecret", tok.ClientSecret},
		{"registrationExpiresAt", tok.RegistrationExpiresAt}, {"refreshToken", tok.RefreshToken}} {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(kv[0]) + ": " + strconv.Quote(kv[1]))
	}
	b.WriteByte('}')
	path := w.tokenFile("corp")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		w.t.Fatal(err)
	}
	// The SDK's reader of the CLI's cache takes it, as the CLI would.
	if bt, err := ssocreds.NewSSOTokenProvider(nil, path).RetrieveBearerToken(ctx); err != nil || bt.Value != tok.AccessToken {
		w.t.Fatalf("ssocreds cannot read the token file written as the CLI does: %v", err)
	}
	return b.Bytes(), tok
}

// identityCenterCalls lists the calls answered since call number from, as
// "Op(grant)!Error".
func (w *ssoWorld) identityCenterCalls(from int) []string {
	var out []string
	for _, c := range w.sso.Calls()[from:] {
		s := c.Op
		if c.Grant != "" {
			s += "(" + c.Grant + ")"
		}
		if c.Err != "" {
			s += "!" + c.Err
		}
		out = append(out, s)
	}
	return out
}

// A sign-in by the AWS CLI v2 serves aws-runas (issue 11): its token file
// is used as it is, with no login; when the access token has expired it
// is renewed with the refresh token, without a question, and the file
// stays the CLI's; when the session is over, --non-interactive exits 3
// with the command to run. The binary is the -tags testclock build, whose
// clock moves with Identity Center's and STS's: nothing waits.
func TestSSOTokenFileOfTheCLI(t *testing.T) {
	strace := requireProg(t, "strace")
	w := newSSOWorld(t)
	w.exe = []string{testclockBinary(t)}
	written, tok := w.cliLogin()
	secrets := func(more ...string) []string {
		return w.secrets(append([]string{tok.AccessToken, tok.RefreshToken, tok.ClientSecret}, more...)...)
	}

	// The CLI's file: used with no login, and left as it was.
	before := len(w.sso.Calls())
	r := w.run(nil, "-v", "-O", "json", "dev")
	c1 := parseJSONCreds(t, r)
	if got := w.identityCenterCalls(before); strings.Join(got, " ") != "GetRoleCredentials" {
		t.Errorf("a run with the CLI's token file: want GetRoleCredentials alone, Identity Center saw %q\n%s", got, r)
	}
	if now := readFile(t, w.tokenFile("corp")); now != string(written) {
		t.Errorf("the CLI's token file was rewritten although its token was good:\nwas %s\nnow %s", written, now)
	}
	noSecrets(t, "stderr of -v with the CLI's token", r.stderr, secrets(c1.SecretAccessKey, c1.SessionToken))

	// Two hours on: the access token (1 h) and the role credentials (1 h)
	// have expired, the session (8 h) has not. The run, under strace to
	// see every program started, renews the token with the refresh token.
	w.advance(2 * time.Hour)
	trace := filepath.Join(t.TempDir(), "execve.log")
	w.exe = []string{strace, "-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", trace, testclockBinary(t)}
	before = len(w.sso.Calls())
	r = w.run(nil, "--non-interactive", "-v", "-O", "json", "dev")
	w.exe = []string{testclockBinary(t)}
	c2 := parseJSONCreds(t, r)
	if got := w.identityCenterCalls(before); strings.Join(got, " ") != "CreateToken(refresh_token) GetRoleCredentials" {
		t.Errorf("an expired access token: want one refresh and GetRoleCredentials, Identity Center saw %q\n%s", got, r)
	}
	if c2.AccessKeyID == c1.AccessKeyID {
		t.Errorf("expired role credentials were used again: %s", c2.AccessKeyID)
	}
	if exp, err := time.Parse(time.RFC3339, c2.Expiration); err != nil || exp.Sub(w.now()) < 50*time.Minute {
		t.Errorf("renewed role credentials expire %s, at %s on the world's clock (%v)", c2.Expiration, w.now().UTC().Format(time.RFC3339), err)
	}
	nt := w.readToken("corp")
	if nt.AccessToken == tok.AccessToken || nt.RefreshToken == tok.RefreshToken || nt.RefreshToken == "" ||
		nt.ClientID != tok.ClientID || nt.ClientSecret != tok.ClientSecret || nt.RegistrationExpiresAt != tok.RegistrationExpiresAt {
		t.Errorf("the renewed token file: want new access and refresh tokens and the CLI's registration kept; was %+v, now %+v", tok, nt)
	}
	if exp, _ := time.Parse(time.RFC3339, nt.ExpiresAt); exp.Sub(w.now()) < 50*time.Minute || exp.Sub(w.now()) > time.Hour+time.Minute {
		t.Errorf("the renewed access token expires %s, at %s on the world's clock", nt.ExpiresAt, w.now().UTC().Format(time.RFC3339))
	}
	// The CLI's reader takes the renewed file (its clock is the system's,
	// two hours behind: the token is good there too).
	if bt, err := ssocreds.NewSSOTokenProvider(nil, w.tokenFile("corp")).RetrieveBearerToken(context.Background()); err != nil || bt.Value != nt.AccessToken {
		t.Errorf("ssocreds cannot read the renewed token file: %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(readFile(t, w.tokenFile("corp"))), &raw); err != nil || len(raw) != 8 {
		t.Errorf("the renewed file has other fields than the CLI's eight: %v %v", raw, err)
	}
	all := secrets(nt.AccessToken, nt.RefreshToken, c2.SecretAccessKey, c2.SessionToken)
	noSecrets(t, "stderr of the renewal", r.stderr, all)
	// Every program started is aws-runas itself: no token in any argv.
	execs := readFile(t, trace)
	if n := strings.Count(execs, "execve("); n != 1 {
		t.Errorf("the renewal started %d programs, want none:\n%s", n-1, execs)
	}
	noSecrets(t, "argv of the programs started (strace)", execs, all)
	if strings.Contains(r.stderr, w.sso.OIDCURL) || strings.Contains(r.stderr, "sign in") || strings.Contains(r.stderr, "the code") {
		t.Errorf("the renewal showed something of a login:\n%s", r.stderr)
	}

	// Run mode, for a role not fetched yet: the only programs started
	// are aws-runas and the command, with the user's argv.
	w.exe = []string{strace, "-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", trace, testclockBinary(t)}
	r = w.run(nil, "-v", "dev-ro", "--", "sh", "-c", "exit 0")
	w.exe = []string{testclockBinary(t)}
	if r.code != 0 || w.sso.RoleCredentialCalls(ssoAccount, "ReadOnly") != 1 {
		t.Errorf("run mode with dev-ro: want exit 0 and GetRoleCredentials of ReadOnly:\n%s", r)
	}
	execs = readFile(t, trace)
	if n := strings.Count(execs, "execve("); n != 2 || !strings.Contains(execs, `["sh", "-c", "exit 0"]`) {
		t.Errorf("run mode started other programs than the command:\n%s", execs)
	}
	all = w.secrets(append(all, w.ssoSecrets()...)...)
	noSecrets(t, "argv of the programs run mode started (strace)", execs, all)
	noSecrets(t, "stderr of run mode", r.stderr, all)

	// Eight hours more: the session is over; the refresh token is refused.
	// Under --non-interactive: exit 3, the command to run, nothing on stdout.
	w.advance(8 * time.Hour)
	before = len(w.sso.Calls())
	r = w.run(nil, "--non-interactive", "-v", "-O", "json", "dev")
	if r.code != 3 || r.stdout != "" || !strings.Contains(r.stderr, "run aws-runas sso login --sso-session corp") {
		t.Errorf("an ended session under --non-interactive: want exit 3 with the login command, nothing on stdout:\n%s", r)
	}
	if got := w.identityCenterCalls(before); strings.Join(got, " ") != "CreateToken(refresh_token)!InvalidGrantException" {
		t.Errorf("an ended session: want one refused refresh, Identity Center saw %q", got)
	}
	noSecrets(t, "stderr of the ended session", r.stderr, all)
	if w.sso.Logins() != 1 {
		t.Errorf("logins = %d, want the CLI's one", w.sso.Logins())
	}
}

// The refresh hook renews an Identity Center role in real interactive
// shells (issue 11): the shell's credentials a minute from expiry and the
// cached ones gone, the next prompt has new ones from GetRoleCredentials,
// with the token the CLI left, asking nothing and showing nothing. Two
// hours later, the access token expired too, the hook renews it with the
// refresh token first. The shells run the -tags testclock build.
func TestSSORefreshHook(t *testing.T) {
	forEachInitShell(t, func(t *testing.T, sh initShell) {
		w := newSSOWorld(t)
		_, tok := w.cliLogin()
		bin := t.TempDir()
		if err := os.Symlink(testclockBinary(t), filepath.Join(bin, "aws-runas")); err != nil {
			t.Fatal(err)
		}
		for i, kv := range w.env {
			if path, ok := strings.CutPrefix(kv, "PATH="); ok {
				w.env[i] = "PATH=" + bin + string(os.PathListSeparator) + path
			}
		}
		tm := startInitShell(t, w.testWorld, sh, 1)

		initDo(tm, "aws-runas dev")
		initCheckPrompt(t, tm, "aws-runas dev", "(AWS:dev) e2e$", "(AWS:dev)", 33)
		initDo(tm, `echo "key1=$AWS_ACCESS_KEY_ID role1=$AWS_RUNAS_ASSUMED_ROLE_ARN"`)
		m := tm.waitLine(`key1=(ASIA[A-Z0-9]+) role1=(\S*)`)
		key1, role := m[1], m[2]
		if role != ssotest.RoleARN(ssoAccount, "Admin") {
			t.Errorf("AWS_RUNAS_ASSUMED_ROLE_ARN=%s, want the permission set's role", role)
		}

		removeRoleCache(t, filepath.Join(w.home, ".aws"))
		before := len(w.sso.Calls())
		initDo(tm, sh.setExpiry("near", 60))
		initDo(tm, `echo "key2=$AWS_ACCESS_KEY_ID exp2=$AWS_SESSION_EXPIRATION_UNIX role2=$AWS_RUNAS_ASSUMED_ROLE_ARN"`)
		m = tm.waitLine(`key2=(\S*) exp2=([0-9]+) role2=(\S*)`)
		exp, _ := strconv.ParseInt(m[2], 10, 64)
		if m[1] == key1 || exp-time.Now().Unix() < 1800 || m[3] != role {
			t.Errorf("after the prompt: key %s (was %s), expiry %d s ahead, role %s (was %s): not renewed", m[1], key1, exp-time.Now().Unix(), m[3], role)
		}
		if got := w.identityCenterCalls(before); strings.Join(got, " ") != "GetRoleCredentials" {
			t.Errorf("the refresh hook: want one GetRoleCredentials, Identity Center saw %q", got)
		}
		initCheckPrompt(t, tm, "the refresh", "(AWS:dev) e2e$", "(AWS:dev)", 33)

		// Two hours on, for aws-runas and the servers: the access token and
		// the cached role credentials have expired; the session has not.
		// STS, two hours ahead of the SDK's signing clock, now refuses
		// GetCallerIdentity, as it does for a user whose clock is off (the
		// portal does not mind): the role's ARN is kept from the cache.
		w.advance(2 * time.Hour)
		before = len(w.sso.Calls())
		initDo(tm, sh.setExpiry("near-again", 61))
		initDo(tm, `echo "key3=$AWS_ACCESS_KEY_ID exp3=$AWS_SESSION_EXPIRATION_UNIX role3=$AWS_RUNAS_ASSUMED_ROLE_ARN"`)
		m = tm.waitLine(`key3=(\S*) exp3=([0-9]+) role3=(\S*)`)
		exp, _ = strconv.ParseInt(m[2], 10, 64)
		if m[1] == key1 || exp-w.now().Unix() < 1800 || m[3] != role {
			t.Errorf("after the prompt, two hours on: key %s, expiry %d s ahead on the world's clock, role %q: not renewed", m[1], exp-w.now().Unix(), m[3])
		}
		if got := w.identityCenterCalls(before); strings.Join(got, " ") != "CreateToken(refresh_token) GetRoleCredentials" {
			t.Errorf("the refresh hook with the access token expired: want a refresh and GetRoleCredentials, Identity Center saw %q", got)
		}
		initCheckPrompt(t, tm, "the refresh with the token expired", "(AWS:dev) e2e$", "(AWS:dev)", 33)
		nt := w.readToken("corp")

		s := tm.screen(false)
		if strings.Contains(s, "aws-runas:") || strings.Contains(s, "sign in") || strings.Contains(s, w.sso.OIDCURL) {
			t.Errorf("the refresh hook said something:\n%s", s)
		}
		noSecrets(t, "the terminal", s, w.secrets(tok.AccessToken, tok.RefreshToken, tok.ClientSecret, nt.AccessToken, nt.RefreshToken))
	})
}
