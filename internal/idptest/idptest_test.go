package idptest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/idptest"
)

func client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// reader reads a whole answer: reader(t)(c.Get(u)).
func reader(t *testing.T) func(*http.Response, error) string {
	return func(resp *http.Response, err error) string { return body(t, resp, err) }
}

func body(t *testing.T, resp *http.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var samlResponseRE = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)

func TestSAMLSignIn(t *testing.T) {
	idp := idptest.NewSAML(t)
	idp.AddUser(idptest.User{Name: "carol", Password: "pw", OTP: "123456", Roles: []string{"arn:aws:iam::111122223333:role/r,arn:aws:iam::111122223333:saml-provider/p"}, SessionDuration: time.Hour})
	c := client(t)
	page := reader(t)(c.Get(idp.SignInURL()))
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if !strings.Contains(page, `id="password"`) || csrf == nil {
		t.Fatalf("no login form: %s", page)
	}
	post := func(path string, v url.Values) string {
		return reader(t)(c.PostForm(idp.URL+path, v))
	}
	if p := post("/login?next=%2Fsso%2Faws", url.Values{"username": {"carol"}, "password": {"bad"}, "csrf": {csrf[1]}}); !strings.Contains(p, "Invalid username or password.") {
		t.Fatalf("wrong password: %s", p)
	}
	p := post("/login?next=%2Fsso%2Faws", url.Values{"username": {"carol"}, "password": {"pw"}, "csrf": {csrf[1]}})
	if !strings.Contains(p, `name="otp"`) {
		t.Fatalf("no OTP form: %s", p)
	}
	if p := post("/login/otp", url.Values{"otp": {"000000"}, "csrf": {csrf[1]}}); !strings.Contains(p, "Invalid authenticator code.") {
		t.Fatalf("wrong code: %s", p)
	}
	p = post("/login/otp", url.Values{"otp": {"123456"}, "csrf": {csrf[1]}})
	m := samlResponseRE.FindStringSubmatch(p)
	if m == nil || !strings.Contains(p, `action="`+idptest.AWSSignInURL+`"`) {
		t.Fatalf("no SAML response: %s", p)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(m[1], "&#43;", "+"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{idptest.AttrRole, "arn:aws:iam::111122223333:role/r,arn:aws:iam::111122223333:saml-provider/p", idptest.AttrSessionDuration, ">3600<", "urn:amazon:webservices", "ds:Signature"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("response lacks %q", want)
		}
	}
	// The session serves the next sign-in; then it ends.
	if !samlResponseRE.MatchString(reader(t)(c.Get(idp.SignInURL()))) {
		t.Fatal("the session was not kept")
	}
	idp.ExpireSessions()
	if samlResponseRE.MatchString(reader(t)(c.Get(idp.SignInURL()))) {
		t.Fatal("the session outlived ExpireSessions")
	}
	if idp.Logins() != 1 || idp.Failures() != 2 || idp.Issued() != 2 {
		t.Fatalf("logins %d failures %d issued %d", idp.Logins(), idp.Failures(), idp.Issued())
	}
}

func TestOktaAPI(t *testing.T) {
	o := idptest.NewOkta(t)
	o.AddUser(idptest.User{Name: "uma", Password: "pw", OTP: "123456", Push: idptest.PushApprove, PushPolls: 2})
	c := client(t)
	call := func(u string, in any) (int, map[string]any) {
		b, _ := json.Marshal(in)
		resp, err := c.Post(u, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if status, out := call(o.URL+"/api/v1/authn", map[string]string{"username": "uma", "password": "x"}); status != 401 || out["errorCode"] != "E0000004" {
		t.Fatalf("%d %v", status, out)
	}
	status, tx := call(o.URL+"/api/v1/authn", map[string]string{"username": "uma", "password": "pw"})
	if status != 200 || tx["status"] != "MFA_REQUIRED" {
		t.Fatalf("%d %v", status, tx)
	}
	st := tx["stateToken"].(string)
	factors := tx["_embedded"].(map[string]any)["factors"].([]any)
	verify := map[string]string{}
	for _, f := range factors {
		f := f.(map[string]any)
		verify[f["factorType"].(string)] = f["_links"].(map[string]any)["verify"].(map[string]any)["href"].(string)
	}
	if status, out := call(verify["token:software:totp"], map[string]string{"stateToken": st, "passCode": "1"}); status != 403 || out["errorCode"] != "E0000068" {
		t.Fatalf("%d %v", status, out)
	}
	for i, want := range []string{"WAITING", "WAITING", ""} {
		status, out := call(verify["push"], map[string]string{"stateToken": st})
		if status != 200 || (want != "" && out["factorResult"] != want) || (want == "" && out["status"] != "SUCCESS") {
			t.Fatalf("poll %d: %d %v", i, status, out)
		}
		tx = out
	}
	// The sessionToken buys the session cookie, once; the app then answers.
	redirect := o.URL + "/login/sessionCookieRedirect?token=" + url.QueryEscape(tx["sessionToken"].(string)) + "&redirectUrl=" + url.QueryEscape(o.AppURL())
	if !samlResponseRE.MatchString(reader(t)(c.Get(redirect))) {
		t.Fatal("no SAML response after the session cookie")
	}
	c2 := client(t)
	if samlResponseRE.MatchString(reader(t)(c2.Get(redirect))) {
		t.Fatal("the sessionToken was used twice")
	}
	if o.Authns() != 1 || o.Pushes() != 1 || o.Failures() != 2 {
		t.Fatalf("authns %d pushes %d failures %d", o.Authns(), o.Pushes(), o.Failures())
	}
}
