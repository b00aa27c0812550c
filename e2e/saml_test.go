//go:build unix

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aws-runas/aws-runas/internal/idptest"
	"github.com/aws-runas/aws-runas/internal/ststest"
)

// SAML sign-in end to end: the binary, the STS test server, a SAML IdP
// with a sign-in form (idptest.SAML) and an Okta org (idptest.Okta) on
// loopback, and for the browser provider a headless Chromium in which the
// test plays the user.
//
// The scripts are testdata/script/saml_*.txtar. TestScripts finds them too,
// without the IdPs: their first line skips them there, by a marker program
// that only this harness puts on PATH.

const (
	samlMarker       = "aws-runas-saml-harness"
	samlIdPProvider  = "arn:aws:iam::" + Account + ":saml-provider/idptest"
	samlOktaProvider = "arn:aws:iam::" + Account + ":saml-provider/okta"
)

// Users of the IdPs. Their passwords and codes are the scripts' to type.
var (
	samlUsers = []idptest.User{
		{Name: "alice", Password: "alice-pw", RoleSessionName: "alice@example.com",
			Roles: []string{RolePrefix + "admin," + samlIdPProvider, samlIdPProvider + "," + RolePrefix + "readonly"}},
		{Name: "carol", Password: "carol-pw", OTP: "654321", Roles: []string{RolePrefix + "admin," + samlIdPProvider}},
		{Name: "dave", Password: "dave-pw", SessionDuration: 2 * time.Hour, Roles: []string{RolePrefix + "admin," + samlIdPProvider}},
		{Name: "eve", Password: "eve-pw", Expired: true, Roles: []string{RolePrefix + "admin," + samlIdPProvider}},
		// Signed for readonly, rewritten to admin on the way.
		{Name: "mallory", Password: "mallory-pw", Roles: []string{RolePrefix + "readonly," + samlIdPProvider},
			Tamper: func(x []byte) []byte { return []byte(strings.ReplaceAll(string(x), "role/readonly", "role/admin")) }},
	}
	oktaUsers = []idptest.User{
		{Name: "olivia", Password: "olivia-pw", OTP: "112233", Roles: []string{RolePrefix + "admin," + samlOktaProvider}},
		{Name: "pat", Password: "pat-pw", Push: idptest.PushApprove, Roles: []string{RolePrefix + "admin," + samlOktaProvider}},
		{Name: "rex", Password: "rex-pw", Push: idptest.PushReject, Roles: []string{RolePrefix + "admin," + samlOktaProvider}},
	}
)

// samlWorld is the IdPs of one test, registered with its STS server.
type samlWorld struct {
	idp  *idptest.SAML
	okta *idptest.Okta
}

// startSAML starts the IdPs, registers them with srv, and adds their
// profiles to the config file under home.
func startSAML(home string, srv *ststest.Server) (*samlWorld, error) {
	w := &samlWorld{idp: idptest.StartSAML(), okta: idptest.StartOkta()}
	for _, u := range samlUsers {
		w.idp.AddUser(u)
	}
	for _, u := range oktaUsers {
		w.okta.AddUser(u)
	}
	srv.AddSAMLProvider(samlIdPProvider, w.idp.CertPEM)
	srv.AddSAMLProvider(samlOktaProvider, w.okta.CertPEM)
	var b strings.Builder
	profile := func(name, role, url, provider, user string) {
		fmt.Fprintf(&b, "\n[profile %s]\nrole_arn = %s%s\nsaml_auth_url = %s\nsaml_provider = %s\nsaml_username = %s\n", name, RolePrefix, role, url, provider, user)
	}
	profile("saml", "admin", w.idp.SignInURL(), "form", "alice")
	profile("saml-ro", "readonly", w.idp.SignInURL(), "form", "alice")
	profile("saml-deploy", "deploy", w.idp.SignInURL(), "form", "alice")
	profile("saml-otp", "admin", w.idp.SignInURL(), "form", "carol")
	profile("saml-dur", "admin", w.idp.SignInURL(), "form", "dave")
	profile("saml-expired", "admin", w.idp.SignInURL(), "form", "eve")
	profile("saml-tamper", "admin", w.idp.SignInURL(), "form", "mallory")
	profile("saml-browser", "admin", w.idp.SignInURL(), "browser", "carol")
	profile("saml-browser-local", "readonly", w.idp.LocalSignInURL(), "browser", "alice")
	profile("okta", "admin", w.okta.AppURL(), "okta", "olivia")
	profile("okta-push", "admin", w.okta.AppURL(), "okta", "pat")
	profile("okta-reject", "admin", w.okta.AppURL(), "okta", "rex")
	b.WriteString("\n[profile saml-chained]\nrole_arn = " + RolePrefix + "readonly\nsource_profile = saml\n")
	f, err := os.OpenFile(filepath.Join(home, ".aws", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		w.close()
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(b.String()); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *samlWorld) close() {
	w.idp.Close()
	w.okta.Close()
}

func TestSAMLScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/script/saml_*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no SAML scripts: %v", err)
	}
	testscript.Run(t, testscript.Params{
		Files:               files,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			srv, err := seed(home)
			if err != nil {
				return err
			}
			e.Defer(srv.Close)
			sw, err := startSAML(home, srv)
			if err != nil {
				return err
			}
			e.Defer(sw.close)
			e.Values["sts"] = srv
			e.Values["saml"] = sw
			// The marker that lets the scripts run (see above).
			marker := filepath.Join(e.WorkDir, ".saml-harness")
			if err := os.Mkdir(marker, 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(marker, samlMarker), []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
				return err
			}
			keep := e.Vars[:0]
			for _, kv := range e.Vars {
				name, _, _ := strings.Cut(kv, "=")
				if !strings.HasPrefix(name, "AWS_") && name != "HOME" && name != "PATH" && !strings.HasPrefix(name, "SAML_") {
					keep = append(keep, kv)
				}
			}
			e.Vars = append(keep, baseEnv(home, srv.URL)...)
			e.Setenv("PATH", marker+string(os.PathListSeparator)+e.Getenv("PATH"))
			e.Setenv("IDP_URL", sw.idp.URL)
			// A browser sign-in that never ends fails in a minute, not
			// in the 10 minutes a user gets.
			e.Setenv("AWS_RUNAS_LOGIN_TIMEOUT", "60s")
			e.Setenv("OKTA_URL", sw.okta.URL)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sts":     cmdSTS,
			"idp":     cmdIdP,
			"browser": cmdBrowser,
		},
		Condition: missing,
	})
}

// cmdIdP inspects and steers the script's IdPs:
//
//	idp logins N | failures N | issued N | acs-hits N   the form IdP's counts
//	idp okta-authns N | okta-pushes N                   the Okta org's
//	idp expire-sessions                                 sign everyone out of both
func cmdIdP(ts *testscript.TestScript, neg bool, args []string) {
	sw := ts.Value("saml").(*samlWorld)
	if len(args) == 0 {
		ts.Fatalf("usage: idp logins|failures|issued|acs-hits|okta-authns|okta-pushes N | idp expire-sessions")
	}
	if args[0] == "expire-sessions" {
		sw.idp.ExpireSessions()
		sw.okta.ExpireSessions()
		return
	}
	if len(args) != 2 {
		ts.Fatalf("usage: idp %s N", args[0])
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	var got int
	switch args[0] {
	case "logins":
		got = sw.idp.Logins()
	case "failures":
		got = sw.idp.Failures()
	case "issued":
		got = sw.idp.Issued()
	case "acs-hits":
		got = sw.idp.ACSHits()
	case "okta-authns":
		got = sw.okta.Authns()
	case "okta-pushes":
		got = sw.okta.Pushes()
	default:
		ts.Fatalf("idp: unknown subcommand %s", args[0])
	}
	if (got == want) == neg {
		ts.Fatalf("idp %s: %d, want %d (negated: %v)", args[0], got, want, neg)
	}
}

// browserFlags are the flags of the browser aws-runas starts in the
// scripts: headless Chromium as CI runs it, with a fresh profile in dir and
// DevTools on a port, so that the test can play the user in it.
func browserFlags(dir string) string {
	return "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --remote-debugging-port=0 --user-data-dir=" + dir
}

// cmdBrowser plays the user in the browser aws-runas opens:
//
//	browser use DIR                      aws-runas's next browser: Chromium,
//	                                     headless, with its profile in DIR,
//	                                     its environment written to DIR.env
//	browser signin DIR USER PASSWORD [CODE]
//	                                     sign in at the IdP in it
//	browser close DIR                    close its window at the IdP's page
func cmdBrowser(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: browser use|signin|close DIR ...")
	}
	dir := ts.MkAbs(args[1])
	sw := ts.Value("saml").(*samlWorld)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	user := idptest.BrowserUser{Dir: dir}
	switch args[0] {
	case "use":
		chromium, err := exec.LookPath("chromium")
		if err != nil {
			ts.Fatalf("chromium: %v", err)
		}
		// Chromium through a script that writes its environment to
		// DIR.env, for the script to check.
		wrapper := dir + "-browser.sh"
		ts.Check(os.WriteFile(wrapper, []byte("#!/bin/sh\nenv > '"+dir+".env'\nexec '"+chromium+"' \"$@\"\n"), 0o700))
		ts.Setenv("AWS_RUNAS_BROWSER", wrapper)
		ts.Setenv("AWS_RUNAS_BROWSER_FLAGS", browserFlags(dir))
	case "signin":
		if len(args) < 4 {
			ts.Fatalf("usage: browser signin DIR USER PASSWORD [CODE]")
		}
		code := ""
		if len(args) > 4 {
			code = args[4]
		}
		ts.Check(user.SignIn(ctx, sw.idp.URL, args[2], args[3], code))
	case "close":
		ts.Check(user.Close(ctx, sw.idp.URL))
	default:
		ts.Fatalf("browser: unknown subcommand %s", args[0])
	}
}

// The IdP's password is asked on the terminal without echo, and the
// one-time code after it; inside $(...) with stderr sent away, as the
// shell functions run aws-runas.
func TestSAMLTerminalPrompts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sw, err := startSAML(w.home, w.srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sw.close)
	host := strings.TrimPrefix(sw.idp.URL, "http://")
	tm := startShell(t, w)

	tm.typeLine(`out=$(aws-runas -O json saml-otp 2> err.txt); echo "rc=$?"`)
	tm.waitText("Password for carol at "+host+": ", 1)
	tm.typeLine("carol-pw")
	tm.waitText("Enter MFA code for carol at "+host+": ", 1)
	tm.typeLine("654321")
	tm.waitLine(`rc=0`)
	if s := tm.screen(false); strings.Contains(s, "carol-pw") {
		t.Fatalf("the password was echoed:\n%s", s)
	}
	tm.do(`printf '%s' "$out" > out.txt; echo "w=$?"`)
	out := readFile(t, filepath.Join(w.dir, "out.txt"))
	if !strings.Contains(out, `"AccessKeyId":"ASIA`) {
		t.Fatalf("$out: %s", out)
	}
	noSecrets(t, "$out", out, []string{"carol-pw"}, "654321")
	noSecrets(t, "stderr", readFile(t, filepath.Join(w.dir, "err.txt")), []string{"carol-pw"}, "654321")
	if n := sw.idp.Logins(); n != 1 {
		t.Fatalf("logins %d", n)
	}
}
