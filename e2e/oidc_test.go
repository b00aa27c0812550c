//go:build unix

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aws-runas/aws-runas/internal/ststest"
	"github.com/aws-runas/aws-runas/internal/testtool"
)

// The OIDC scripts (testdata/script/oidc_*.txtar) sign in at a real OpenID
// provider, tools/oidc-provider, run by node. The "browser" aws-runas opens
// ($BROWSER) is this test binary under the name browserName: it follows
// the provider's pages over HTTP as a user would, signing in at the login
// form and confirming consent, or denying it, or never coming back.
//
// In a script:
//
//	env OIDC_BROWSER=login|deny|ignore   what the browser does (login)
//	oidc mint AUD EXP_IN FILE            write a token the provider signed
//	oidc browsed REGEXP                  the browser's log says so (soon)
//
// and a file oidc.env of KEY=VALUE lines configures the provider
// (OIDC_ID_TOKEN_TTL, OIDC_DEVICE_TTL, OIDC_DEVICE_INTERVAL).

const browserName = "aws-runas-test-browser"

func init() {
	// Started by aws-runas as the browser: be it, and nothing else.
	if strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") == browserName {
		os.Exit(browserMain(os.Args[1:]))
	}
}

// oidcProviderDir is tools/oidc-provider with its node modules, or the test ends.
func oidcProviderDir(t *testing.T) (node, dir string) {
	t.Helper()
	node = testtool.Require(t, "node")
	dir, err := filepath.Abs(filepath.Join("..", "tools", "oidc-provider"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"oidc-provider", "jose"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m, "package.json")); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("tools/oidc-provider/node_modules/%s is missing under CI=true: run `npm ci --prefix tools/oidc-provider` first (%v)", m, err)
			}
			t.Skipf("tools/oidc-provider/node_modules/%s is missing: run `npm ci --prefix tools/oidc-provider` (%v)", m, err)
		}
	}
	return node, dir
}

func TestOIDC(t *testing.T) {
	node, dir := oidcProviderDir(t)
	testtool.Require(t, "sh")
	files, err := filepath.Glob(filepath.Join("testdata", "script", "oidc_*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no OIDC scripts: %v", err)
	}
	// The browser: this binary under another name, on the scripts' PATH.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	browser := filepath.Join(bin, browserName+exeSuffix())
	if err := os.Symlink(self, browser); err != nil {
		t.Fatalf("linking the browser: %v", err)
	}

	testscript.Run(t, testscript.Params{
		Files:               files,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			issuer, err := startOIDCProvider(e, node, dir)
			if err != nil {
				return err
			}
			home := filepath.Join(e.WorkDir, "home")
			if err := writeOIDCConfig(home, issuer, filepath.Join(e.WorkDir, "token")); err != nil {
				return err
			}
			srv, err := seed(home)
			if err != nil {
				return err
			}
			e.Defer(srv.Close)
			srv.AddRole(ststest.Role{ARN: RolePrefix + "deploy-ci"})
			// STS trusts the provider for client aws-runas only, and
			// fetches its keys by discovery, as AWS does.
			srv.AddOIDCProvider(ststest.OIDCProvider{IssuerURL: issuer, ClientIDs: []string{"aws-runas"}})
			e.Values["sts"] = srv
			e.Values["issuer"] = issuer
			keep := e.Vars[:0]
			for _, kv := range e.Vars {
				name, _, _ := strings.Cut(kv, "=")
				if !strings.HasPrefix(name, "AWS_") && name != "HOME" && name != "PATH" {
					keep = append(keep, kv)
				}
			}
			e.Vars = append(keep, baseEnv(home, srv.URL)...)
			e.Setenv("PATH", bin+string(os.PathListSeparator)+e.Getenv("PATH"))
			e.Setenv("BROWSER", browserName)
			e.Setenv("OIDC_ISSUER", issuer)
			// A browser sign-in that never ends fails in a minute.
			e.Setenv("AWS_RUNAS_LOGIN_TIMEOUT", "60s")
			e.Setenv("OIDC_BROWSER_LOG", filepath.Join(e.WorkDir, "browser.log"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sts":  cmdSTS,
			"oidc": cmdOIDC,
		},
		Condition: missing,
	})
}

// writeOIDCConfig writes the default profiles and those that sign in at
// issuer; seed leaves them alone.
func writeOIDCConfig(home, issuer, tokenFile string) error {
	sso := func(name, role, client, extra string) string {
		return fmt.Sprintf("\n[profile %s]\nrole_arn = %s%s\nweb_identity_auth_url = %s\nweb_identity_client_id = %s\n%s", name, RolePrefix, role, issuer, client, extra)
	}
	config := defaultConfig +
		sso("sso-admin", "admin", "aws-runas", "") +
		sso("sso-readonly", "readonly", "aws-runas", "region = us-west-2\n") +
		sso("sso-device", "admin", "aws-runas", "web_identity_provider = device\n") +
		sso("sso-other", "admin", "other-app", "") +
		fmt.Sprintf("\n[profile ci]\nrole_arn = %sdeploy-ci\nweb_identity_token_file = %s\n", RolePrefix, tokenFile)
	dir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600)
}

// startOIDCProvider starts tools/oidc-provider for one script and returns
// its issuer URL. It ends with the script: its stdin closes.
func startOIDCProvider(e *testscript.Env, node, dir string) (string, error) {
	cmd := exec.Command(node, filepath.Join(dir, "server.js"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT=0")
	if b, err := os.ReadFile(filepath.Join(e.WorkDir, "oidc.env")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				cmd.Env = append(cmd.Env, line)
			}
		}
	}
	logf, err := os.Create(filepath.Join(e.WorkDir, "oidc-provider.log"))
	if err != nil {
		return "", err
	}
	cmd.Stderr = logf
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	e.Defer(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		var hello struct{ Issuer string }
		if !ok || json.Unmarshal([]byte(l), &hello) != nil || hello.Issuer == "" {
			log, _ := os.ReadFile(logf.Name())
			return "", fmt.Errorf("tools/oidc-provider did not start (%q):\n%s", l, log)
		}
		return hello.Issuer, nil
	case <-time.After(30 * time.Second):
		return "", fmt.Errorf("tools/oidc-provider did not start within 30s")
	}
}

// cmdOIDC talks to the script's provider:
//
//	oidc mint AUD EXP_IN FILE   a token for audience AUD, expiring in
//	                            EXP_IN seconds (negative: expired), to FILE
//	oidc browsed REGEXP         the browser's log matches, within waitTimeout
//	                            (the browser may finish after aws-runas)
func cmdOIDC(ts *testscript.TestScript, neg bool, args []string) {
	if !neg && len(args) == 2 && args[0] == "browsed" {
		re, err := regexp.Compile(args[1])
		ts.Check(err)
		var log []byte
		for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if log, _ = os.ReadFile(ts.MkAbs("browser.log")); re.Match(log) {
				return
			}
		}
		ts.Fatalf("browser.log does not match %s:\n%s", args[1], log)
	}
	if neg || len(args) != 4 || args[0] != "mint" {
		ts.Fatalf("usage: oidc mint AUD EXP_IN FILE | oidc browsed REGEXP")
	}
	issuer := ts.Value("issuer").(string)
	resp, err := http.Get(issuer + "/test/mint?" + url.Values{"aud": {args[1]}, "exp_in": {args[2]}}.Encode())
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("mint: %s: %s", resp.Status, b)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), b, 0o600))
}

// browserMain is the browser: it goes through the provider's pages over
// HTTP, with cookies, as a user clicking through them would; or, with
// OIDC_BROWSER=chromium (-deny, -close), it drives headless Chromium
// through them, typing and clicking.
func browserMain(args []string) int {
	logw := io.Discard
	if p := os.Getenv("OIDC_BROWSER_LOG"); p != "" {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			defer f.Close()
			logw = f
		}
	}
	logf := func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) }
	if len(args) != 1 {
		logf("usage: %s URL", browserName)
		return 2
	}
	action := os.Getenv("OIDC_BROWSER")
	logf("argv %s", args[0])
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_SE") || name == "AWS_ACCESS_KEY_ID" || name == "SAML_PASSWORD" || strings.HasPrefix(name, "__AWS_RUNAS_") {
			logf("env has %s", name)
		}
	}
	if !strings.Contains(args[0], "://") {
		// aws-runas hands the browser a file that redirects.
		page, err := os.ReadFile(args[0])
		i := strings.Index(string(page), "url=")
		if err != nil || i < 0 {
			logf("error: the file %s: %v %q", args[0], err, page)
			return 1
		}
		rest := string(page[i+4:])
		args[0] = html.UnescapeString(rest[:strings.IndexByte(rest, '"')])
	}
	logf("open %s (%s)", args[0], oidcOr(action, "login"))
	var err error
	switch action {
	case "ignore":
		return 0 // the user closed the browser, or never looked
	case "chromium", "chromium-deny", "chromium-close":
		err = oidcChromium(args[0], strings.TrimPrefix(action, "chromium"), logf)
	case "sso-chromium":
		err = ssoChromium(args[0], logf)
	default:
		err = oidcBrowse(args[0], action == "deny", logf)
	}
	if err != nil {
		logf("error: %v", err)
		return 1
	}
	return 0
}

func oidcOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var (
	oidcFormRE  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	oidcInputRE = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	oidcAttrRE  = regexp.MustCompile(`(?is)\b([a-z-]+)="([^"]*)"`)
	oidcAbortRE = regexp.MustCompile(`(?is)<a\b[^>]*href="([^"]*/abort)"`)
)

func oidcAttrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range oidcAttrRE.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

func oidcBrowse(start string, deny bool, logf func(string, ...any)) error {
	u0, err := url.Parse(start)
	if err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := client.Get(start)
	for step := 0; ; step++ {
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		at := resp.Request.URL
		logf("%d %s %s", resp.StatusCode, resp.Request.Method, at)
		if step == 0 {
			// aws-runas's start URL redirects once to the provider: the
			// sign-in is over when the browser leaves the provider's host.
			u0 = at
		}
		if at.Host != u0.Host {
			// Redirected to aws-runas's listener: the sign-in is over.
			logf("landed: %s", strings.Join(strings.Fields(string(body)), " "))
			return nil
		}
		if step > 20 {
			return fmt.Errorf("too many steps")
		}
		m := oidcFormRE.FindStringSubmatch(string(body))
		if m == nil {
			// The provider's last page (device sign-in done, or an error).
			logf("final page: %s", strings.Join(strings.Fields(string(body)), " "))
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s at %s", resp.Status, at)
			}
			return nil
		}
		form := oidcAttrs(m[1])
		values := url.Values{}
		for _, in := range oidcInputRE.FindAllStringSubmatch(m[2], -1) {
			a := oidcAttrs(in[1])
			if a["name"] != "" {
				values.Set(a["name"], a["value"])
			}
		}
		if _, ok := values["login"]; ok {
			values.Set("login", "alice")
			values.Set("password", "any password will do")
		}
		if deny && values.Get("prompt") == "consent" {
			a := oidcAbortRE.FindStringSubmatch(string(body))
			if a == nil {
				return fmt.Errorf("no abort link on the consent page")
			}
			abort, _ := at.Parse(html.UnescapeString(a[1]))
			logf("deny: %s", abort)
			resp, err = client.Get(abort.String())
			continue
		}
		action, err := at.Parse(oidcOr(form["action"], at.String()))
		if err != nil {
			return err
		}
		logf("submit %v to %s", oidcKeys(values), action)
		resp, err = client.PostForm(action.String(), values)
	}
}

func oidcKeys(v url.Values) []string {
	var ks []string
	for k := range v {
		ks = append(ks, k)
	}
	return ks
}

// oidcChromium signs in with headless Chromium, fresh profile and all, as a
// user would: it types the login, clicks through the device confirmation
// and the consent (or Cancel, with "-deny"), and stops when the provider
// has sent the browser back to aws-runas or shown its last page. "-close"
// opens the sign-in page and closes the browser.
func oidcChromium(start, mode string, logf func(string, ...any)) error {
	u0, err := url.Parse(start)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "aws-runas-chromium")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The provider's pages import web fonts: nothing leaves loopback.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(profile),
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			opts = append(opts, chromedp.ExecPath(p))
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.Navigate(start)); err != nil {
		return fmt.Errorf("navigate: %w", err)
	}
	if mode == "-close" {
		logf("chromium: closing at the sign-in page")
		return nil
	}
	// What page is this? Asked of one document at a time (its address,
	// kind and state), again until it changes after each click.
	const pageJS = `JSON.stringify({href: location.href, ready: document.readyState, kind: (() => {
		if (document.querySelector('input[name=login]')) return 'login';
		if (document.querySelector('input[name=prompt][value=consent]')) return 'consent';
		if (document.getElementById('op.deviceConfirmForm')) return 'confirm';
		if (document.title === 'Submitting Callback') return 'autopost';
		return 'other';
	})()})`
	state := func() (loc, kind string, err error) {
		raw, err := chromedp.Run(tab, chromedp.Evaluate[string](pageJS))
		if err != nil {
			return "", "", err
		}
		var p struct{ Href, Ready, Kind string }
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			return "", "", err
		}
		if p.Ready != "complete" {
			p.Kind = "loading"
		}
		return p.Href, p.Kind, nil
	}
	last := ""
	for step := 0; step < 20; step++ {
		// Wait for a page other than the last one acted on.
		var loc, kind string
		deadline := time.Now().Add(waitTimeout)
		for {
			loc, kind, err = state()
			if err == nil && kind != "autopost" && kind != "loading" && loc+" "+kind != last {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("stuck at %s (%s): %v", loc, kind, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		last = loc + " " + kind
		at, _ := url.Parse(loc)
		if step == 0 && at != nil {
			u0 = at // the provider's host, past aws-runas's start URL
		}
		logf("chromium: %s (%s)", loc, kind)
		var text string
		switch kind {
		case "login":
			err = chromedp.Do(tab,
				chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "alice"),
				chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password will do"),
				chromedp.Click(chromedp.CSS(`button[type=submit]`)))
		case "consent":
			if mode == "-deny" {
				err = chromedp.Do(tab, chromedp.Click(chromedp.CSS(`a[href$="/abort"]`)))
			} else {
				err = chromedp.Do(tab, chromedp.Click(chromedp.CSS(`button[type=submit]`)))
			}
		case "confirm":
			err = chromedp.Do(tab, chromedp.Click(chromedp.CSS(`button[autofocus]`)))
		default:
			if text, err = chromedp.Run(tab, chromedp.Text(chromedp.CSS("body"))); err != nil {
				return err
			}
			text = strings.Join(strings.Fields(text), " ")
			if at != nil && at.Host != u0.Host {
				logf("landed: %s", text)
			} else {
				logf("final page: %s", text)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s page: %w", kind, err)
		}
	}
	return fmt.Errorf("too many pages")
}
