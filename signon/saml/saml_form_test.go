package saml

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/signon"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Sign-in pages of the kinds the form provider meets, cut down to their
// forms.
func TestFormKinds(t *testing.T) {
	base := mustURL(t, "https://idp.example.com/realms/corp/protocol/saml/clients/aws?x=1")
	for _, tc := range []struct {
		name, page string
		kind       formKind
		user, pass string // names of the fields found
		code       string
		action     string
	}{
		{"keycloak login", `<form id="kc-form-login" action="/realms/corp/login-actions/authenticate?session_code=abc&amp;execution=e1" method="post">
			<input tabindex="1" id="username" name="username" value="" type="text" autofocus autocomplete="off">
			<input tabindex="2" id="password" name="password" type="password" autocomplete="off">
			<input type="hidden" id="id-hidden-input" name="credentialId">
			<input tabindex="4" name="login" id="kc-login" type="submit" value="Sign In"></form>`,
			formLogin, "username", "password", "", "https://idp.example.com/realms/corp/login-actions/authenticate?session_code=abc&execution=e1"},
		{"keycloak otp", `<form id="kc-otp-login-form" action="/otp" method="post"><input id="otp" name="otp" autocomplete="off" type="text" autofocus><input name="login" type="submit" value="Sign In"></form>`,
			formCode, "", "", "otp", "https://idp.example.com/otp"},
		{"adfs", `<form method="post" id="loginForm" autocomplete="off" action="/adfs/ls/idpinitiatedsignon.aspx?client-request-id=1">
			<input id="userNameInput" name="UserName" type="email" value="" autocomplete="off">
			<input id="passwordInput" name="Password" type="password" autocomplete="off">
			<input id="kmsiInput" type="checkbox" name="Kmsi" value="true">
			<input id="optionForms" type="hidden" name="AuthMethod" value="FormsAuthentication"></form>`,
			formLogin, "UserName", "Password", "", "https://idp.example.com/adfs/ls/idpinitiatedsignon.aspx?client-request-id=1"},
		{"username first", `<form method="post"><input type="email" name="loginfmt" autocomplete="username"><input type="submit" value="Next"></form>`,
			formUsername, "loginfmt", "", "", base.String()},
		{"shibboleth noscript", `<body onload="document.forms[0].submit()"><noscript><p>Press Continue</p></noscript>
			<form action="https://signin.aws.amazon.com/saml" method="post"><input type="hidden" name="RelayState" value="">
			<input type="hidden" name="SAMLResponse" value="UEhO"><noscript><input type="submit" value="Continue"></noscript></form></body>`,
			formSAMLResponse, "", "", "", "https://signin.aws.amazon.com/saml"},
		{"saml request", `<form method="post" action="https://upstream.example.org/sso"><input type="hidden" name="SAMLRequest" value="abc"><input type="hidden" name="RelayState" value="x"></form>`,
			formAuto, "", "", "", "https://upstream.example.org/sso"},
		{"search box", `<form action="/search"><input type="text" name="q"></form>`, formNone, "", "", "", ""},
		{"totp in a password field", `<form method="post"><input type="password" name="totp_code"></form>`, formCode, "", "", "totp_code", base.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forms, _ := parseHTMLForms(base, []byte(tc.page))
			f, kind := pickForm(forms)
			if kind != tc.kind {
				t.Fatalf("kind %d, want %d", kind, tc.kind)
			}
			if f == nil {
				return
			}
			user, pass, code := f.roles()
			name := func(x *formField) string {
				if x == nil {
					return ""
				}
				return x.name
			}
			if kind != formSAMLResponse && kind != formAuto && (name(user) != tc.user || name(pass) != tc.pass || name(code) != tc.code) {
				t.Fatalf("fields %q %q %q", name(user), name(pass), name(code))
			}
			if f.action.String() != tc.action {
				t.Fatalf("action %s", f.action)
			}
		})
	}
}

func TestFormValues(t *testing.T) {
	base := mustURL(t, "https://idp.example.com/login")
	forms, msg := parseHTMLForms(base, []byte(`<div class="alert alert-error"><span>Invalid   username
		or password.</span></div><form method="POST">
		<input name="user"><input type="password" name="pw">
		<input type="hidden" name="csrf" value="t&amp;1">
		<input type="checkbox" name="remember-me"><input type="checkbox" name="newsletter">
		<input type="checkbox" name="terms" checked value="yes">
		<select name="domain"><option value="a">A</option><option value="b" selected>B</option></select>
		<input type="text" name="off" disabled value="no">
		<button type="submit" name="action" value="login">Sign in</button><button type="submit" name="action" value="cancel">Cancel</button>
		</form>`))
	if msg != "Invalid username or password." {
		t.Fatalf("message %q", msg)
	}
	f := forms[0]
	user, pass, _ := f.roles()
	v := f.values(map[*formField]string{user: "alice", pass: "s3cret"})
	want := url.Values{"user": {"alice"}, "pw": {"s3cret"}, "csrf": {"t&1"}, "remember-me": {"on"}, "terms": {"yes"}, "domain": {"b"}, "action": {"login"}}
	if v.Encode() != want.Encode() {
		t.Fatalf("values %s\nwant   %s", v.Encode(), want.Encode())
	}
	if f.method != http.MethodPost {
		t.Fatalf("method %s", f.method)
	}
}

func TestSAMLJar(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	j := newSAMLJar(clock)
	u := mustURL(t, "https://idp.example.com/login")
	j.SetCookies(u, []*http.Cookie{
		{Name: "session", Value: "s1", Path: "/"},
		{Name: "keep", Value: "k1", Path: "/", Expires: now.Add(time.Hour)},
		{Name: "short", Value: "x", Path: "/", MaxAge: 60},
		{Name: "wide", Value: "w", Domain: ".example.com", Path: "/"},
	})
	j.SetCookies(u, []*http.Cookie{{Name: "session", Value: "s2", Path: "/"}, {Name: "gone", Value: "g", Path: "/"}})
	j.SetCookies(u, []*http.Cookie{{Name: "gone", Value: "", Path: "/", MaxAge: -1}})
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	if err := j.save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", fi.Mode(), err)
	}

	now = now.Add(2 * time.Minute) // "short" has expired
	k := newSAMLJar(clock)
	k.load(path, t.Logf)
	got := map[string]string{}
	for _, c := range k.Cookies(mustURL(t, "https://idp.example.com/x")) {
		got[c.Name] = c.Value
	}
	if len(got) != 3 || got["session"] != "s2" || got["keep"] != "k1" || got["wide"] != "w" {
		t.Fatalf("cookies %v", got)
	}
	if cs := k.Cookies(mustURL(t, "https://other.example.com/")); len(cs) != 1 || cs[0].Name != "wide" {
		t.Fatalf("domain cookie: %v", cs)
	}
	if cs := k.Cookies(mustURL(t, "https://evil.example.net/")); len(cs) != 0 {
		t.Fatalf("cookies sent elsewhere: %v", cs)
	}

	if runtime.GOOS != "windows" {
		// Not private: not trusted.
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		l := newSAMLJar(clock)
		l.load(path, t.Logf)
		if !l.empty() {
			t.Fatal("a file others can read was trusted")
		}
	}
	os.WriteFile(path, []byte("garbage"), 0o600)
	l := newSAMLJar(clock)
	l.load(path, t.Logf)
	if !l.empty() {
		t.Fatal("a corrupt file was read")
	}
}

func TestParseSAMLResponse(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	attr := func(name string, vals ...string) string {
		s := `<saml:Attribute Name="` + name + `">`
		for _, v := range vals {
			s += `<saml:AttributeValue xsi:type="xs:string"> ` + v + ` </saml:AttributeValue>`
		}
		return s + `</saml:Attribute>`
	}
	resp := func(status, body string) string {
		return enc(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">` +
			`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:` + status + `"/></samlp:Status>` + body + `</samlp:Response>`)
	}
	info, err := parseSAMLResponse(resp("Success", `<saml:Assertion><saml:AttributeStatement>`+
		attr(samlAttrRole, "arn:aws:iam::1:role/a,arn:aws:iam::1:saml-provider/p", "arn:aws:iam::2:saml-provider/q, arn:aws:iam::2:role/b", "junk", "arn:aws:iam::3:role/c")+
		attr(samlAttrRoleSessionName, "bob@example.com")+attr(samlAttrSessionDuration, "28800")+
		`</saml:AttributeStatement></saml:Assertion>`))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.roles) != 2 || info.roles[0] != (samlRole{"arn:aws:iam::1:role/a", "arn:aws:iam::1:saml-provider/p"}) ||
		info.roles[1] != (samlRole{"arn:aws:iam::2:role/b", "arn:aws:iam::2:saml-provider/q"}) ||
		info.sessionName != "bob@example.com" || info.sessionDuration != 8*time.Hour {
		t.Fatalf("info %+v", info)
	}
	c := &samlConfig{profile: "p", authURL: mustURL(t, "https://idp.example.com/"), username: "bob"}
	if p, err := info.provider(&config.Profile{Name: "p", RoleARN: "arn:aws:iam::2:role/B"}, c); err != nil || p != "arn:aws:iam::2:saml-provider/q" {
		t.Fatalf("provider %q %v", p, err)
	}

	info, err = parseSAMLResponse(resp("Success", `<saml:EncryptedAssertion><x/></saml:EncryptedAssertion>`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := info.provider(&config.Profile{Name: "p", RoleARN: "arn:aws:iam::2:role/b"}, c); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Fatalf("encrypted: %v", err)
	}
	if _, err := parseSAMLResponse(resp("Requester", "")); err == nil || !strings.Contains(err.Error(), "status Requester") {
		t.Fatalf("status: %v", err)
	}
	for _, bad := range []string{"%%%", enc("<html>not saml</html>"), enc("<samlp:Response")} {
		if _, err := parseSAMLResponse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Redirects to http off this machine are refused, whatever the scheme
// before them; the password never goes out in the clear.
func TestSAMLNoDowngrade(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "http://example.invalid/login?token=SECRET", http.StatusFound)
	}))
	defer tlsSrv.Close()
	// A sign-in on this machine over http may not leave it in the clear either.
	plain := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "http://example.invalid/login?token=SECRET", http.StatusFound)
	}))
	defer plain.Close()
	c := newSAMLHTTPClient(newSAMLJar(time.Now), t.Logf)
	c.hc.Transport = tlsSrv.Client().Transport
	for _, u := range []string{tlsSrv.URL, plain.URL} {
		_, err := c.get(context.Background(), mustURL(t, u))
		if err == nil || !strings.Contains(err.Error(), "redirected to http://example.invalid, not https") || strings.Contains(err.Error(), "SECRET") {
			t.Fatalf("%s: err %v", u, err)
		}
	}
	f := &htmlForm{action: mustURL(t, "http://idp.example.com/login?q=SECRET"), method: http.MethodPost}
	for _, from := range []string{"https://idp.example.com/", "http://127.0.0.1/"} {
		if _, err := c.submit(context.Background(), mustURL(t, from), f, nil, ""); err == nil || !strings.Contains(err.Error(), "posts to idp.example.com in the clear") || strings.Contains(err.Error(), "SECRET") {
			t.Fatalf("from %s: err %v", from, err)
		}
	}
}

// The password and the one-time code go only to the host of the page that
// asked for them, in the body of a POST.
func TestFormSecretsStayWithTheirPage(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	c := newSAMLHTTPClient(newSAMLJar(time.Now), t.Logf)
	page := mustURL(t, srv.URL+"/login")
	other := mustURL(t, "http://localhost:"+page.Port()+"/collect?x=1")
	for _, tc := range []struct {
		name   string
		f      *htmlForm
		secret string
		want   string
	}{
		{"another host", &htmlForm{action: other, method: http.MethodPost}, "password", "the sign-in form of " + page.Host + " would send the password to localhost:" + page.Port() + "; refused"},
		{"code to another host", &htmlForm{action: other, method: http.MethodPost}, "one-time code", "would send the one-time code to localhost:"},
		{"GET", &htmlForm{action: page, method: http.MethodGet}, "password", "the sign-in form of " + page.Host + " would send the password in the URL; refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.submit(context.Background(), page, tc.f, nil, tc.secret)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "x=1") {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	if hits != 0 {
		t.Fatalf("%d requests reached the server", hits)
	}
	// Forms without a secret (SAML messages between IdPs) may cross hosts.
	if _, err := c.submit(context.Background(), page, &htmlForm{action: other, method: http.MethodPost}, nil, ""); err != nil {
		t.Fatal(err)
	}
}

// Errors never repeat a URL's query: it may carry a password or a token.
func TestSAMLErrorsHideQueries(t *testing.T) {
	c := newSAMLHTTPClient(newSAMLJar(time.Now), t.Logf)
	u := &url.URL{Scheme: "https", Host: "bad host", Path: "/x", RawQuery: "sessionToken=SECRET"}
	if _, err := c.get(context.Background(), u); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("get: %v", err)
	}
	f := &htmlForm{action: u, method: http.MethodPost}
	if _, err := c.submit(context.Background(), &url.URL{Scheme: "https", Host: "bad host", Path: "/"}, f, nil, ""); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("submit: %v", err)
	}
}

// The browser's profile holds the IdP's session: it must be private.
func TestSAMLBrowserProfileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits and symbolic links")
	}
	dir0 := t.TempDir()
	j := &job{env: &signon.Env{Cache: &cache.Cache{Dir: dir0}, Getenv: func(string) string { return "" }}}
	dir := filepath.Join(dir0, ".aws-runas.browser")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if _, err := j.browserOptions(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
	// A link to another user's directory is not followed.
	os.Remove(dir)
	if err := os.Symlink(t.TempDir(), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := j.browserOptions(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err %v", err)
	}
}
