package saml

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/aws-runas/aws-runas/internal/endpoint"
	"github.com/aws-runas/aws-runas/signon"
)

// The form provider signs in the way a browser without scripts would: it
// follows redirects, fills in the sign-in forms it recognises (user name
// and password, on one page or two; a one-time code), submits the forms
// that a page would submit by itself (SAML requests and responses between
// IdPs), and stops at the form that posts the SAML response to AWS, which
// it never submits.

// maxFormSteps bounds the pages of one sign-in.
const maxFormSteps = 25

// htmlForm is one form of a page, as a browser would submit it.
type htmlForm struct {
	action *url.URL
	method string
	fields []*formField
}

type formField struct {
	tag, typ, name, value string
	id, autocomplete      string
	checked, disabled     bool
}

// The kinds of form the form provider knows.
type formKind int

const (
	formNone formKind = iota
	formSAMLResponse
	formLogin    // a password field, and maybe the user name
	formUsername // the user name alone, the password on the next page
	formCode     // a one-time code
	formAuto     // nothing to fill: a page that submits itself
)

// The patterns that recognise form fields are compiled on first use, not at
// start-up: every run of aws-runas would pay for them otherwise (see the
// Performance section of README.md), and only form sign-ins use them.
var (
	userFieldRE = lazyRegexp(`(?i)user|login|e-?mail|identifier|loginfmt|principal|account|^uid$`)
	codeFieldRE = lazyRegexp(`(?i)otp|totp|code|token|passcode|one-time|mfa|2fa|verif|^pin$`)
	rememberRE  = lazyRegexp(`(?i)remember|keep|persist|stay`)
	// Elements whose text is the IdP's message after a failed step.
	messageRE = lazyRegexp(`(?i)error|alert|warning|invalid|feedback|message`)
)

func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

func textLike(typ string) bool {
	switch typ {
	case "text", "email", "tel", "number", "search", "url":
		return true
	}
	return false
}

func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// parseHTMLForms returns the forms of a page, and the first message that
// looks like an error.
func parseHTMLForms(base *url.URL, body []byte) (forms []*htmlForm, message string) {
	// Without scripting, as a browser with scripts off: forms inside
	// <noscript> are forms.
	doc, err := html.ParseWithOptions(bytes.NewReader(body), html.ParseOptionEnableScripting(false))
	if err != nil {
		return nil, ""
	}
	var walk func(n *html.Node, f *htmlForm)
	walk = func(n *html.Node, f *htmlForm) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Form:
				nf := &htmlForm{method: strings.ToUpper(strings.TrimSpace(htmlAttr(n, "method"))), action: base}
				if nf.method != http.MethodPost {
					nf.method = http.MethodGet
				}
				if a := strings.TrimSpace(htmlAttr(n, "action")); a != "" {
					if u, err := base.Parse(a); err == nil {
						nf.action = u
					}
				}
				forms = append(forms, nf)
				f = nf
			case atom.Input, atom.Button, atom.Select, atom.Textarea:
				if f != nil {
					f.fields = append(f.fields, newFormField(n))
				}
			case atom.Script, atom.Style, atom.Template:
				return
			}
			if message == "" && n.DataAtom != atom.Form && n.DataAtom != atom.Input && (messageRE().MatchString(htmlAttr(n, "class")) || messageRE().MatchString(htmlAttr(n, "id")) || htmlAttr(n, "role") == "alert") {
				message = nodeText(n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, f)
		}
	}
	walk(doc, nil)
	return forms, signon.Clean(message)
}

func newFormField(n *html.Node) *formField {
	f := &formField{tag: n.Data, name: htmlAttr(n, "name"), value: htmlAttr(n, "value"), id: htmlAttr(n, "id"),
		autocomplete: strings.ToLower(htmlAttr(n, "autocomplete")), checked: hasAttr(n, "checked"), disabled: hasAttr(n, "disabled")}
	switch n.DataAtom {
	case atom.Input:
		f.typ = strings.ToLower(strings.TrimSpace(htmlAttr(n, "type")))
		if f.typ == "" {
			f.typ = "text"
		}
	case atom.Button:
		f.typ = strings.ToLower(strings.TrimSpace(htmlAttr(n, "type")))
		if f.typ == "" {
			f.typ = "submit"
		}
	case atom.Select:
		f.typ = "select"
		f.value = ""
		first := true
		var walk func(*html.Node)
		walk = func(o *html.Node) {
			if o.Type == html.ElementNode && o.DataAtom == atom.Option {
				v := htmlAttr(o, "value")
				if !hasAttr(o, "value") {
					v = nodeText(o)
				}
				if first || hasAttr(o, "selected") {
					f.value = v
					first = false
				}
			}
			for c := o.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(n)
	case atom.Textarea:
		f.typ = "textarea"
		f.value = nodeText(n)
	}
	return f
}

func (f *htmlForm) field(name string) *formField {
	for _, x := range f.fields {
		if x.name == name && !x.disabled {
			return x
		}
	}
	return nil
}

// matches says whether a field's name, id or autocomplete matches re.
func (x *formField) matches(re *regexp.Regexp) bool {
	return re.MatchString(x.name) || re.MatchString(x.id) || re.MatchString(x.autocomplete)
}

func (x *formField) isCode() bool {
	return x.autocomplete == "one-time-code" || x.matches(codeFieldRE()) && !x.matches(userFieldRE())
}

func (x *formField) isUser() bool {
	return x.autocomplete == "username" || x.autocomplete == "email" || x.matches(userFieldRE()) && !x.isCode()
}

// roles finds the fields a sign-in fills in.
func (f *htmlForm) roles() (user, password, code *formField) {
	var firstText *formField
	for _, x := range f.fields {
		if x.disabled || x.name == "" {
			continue
		}
		switch {
		case x.typ == "password" && password == nil:
			password = x
		case textLike(x.typ) && x.isCode() && code == nil:
			code = x
		case textLike(x.typ) && x.isUser() && user == nil:
			user = x
		case textLike(x.typ) && firstText == nil:
			firstText = x
		}
	}
	if password != nil && user == nil && code == nil {
		user = firstText
	}
	if password != nil && password.isCode() && user == nil && code == nil {
		// A code in a hidden-text field.
		return nil, nil, password
	}
	return user, password, code
}

// kind classifies a form; the SAML response wins over everything.
func (f *htmlForm) kind() formKind {
	if f.field("SAMLResponse") != nil {
		return formSAMLResponse
	}
	user, password, code := f.roles()
	switch {
	case password != nil:
		return formLogin
	case code != nil:
		return formCode
	case user != nil:
		return formUsername
	}
	for _, x := range f.fields {
		if x.name == "SAMLRequest" {
			return formAuto
		}
		if !x.disabled && x.name != "" && x.typ != "hidden" && x.typ != "submit" && x.typ != "button" && x.typ != "image" {
			return formNone
		}
	}
	if f.field("RelayState") != nil || len(f.fields) > 0 {
		return formAuto
	}
	return formNone
}

// pickForm chooses the form to act on: the most telling kind first.
func pickForm(forms []*htmlForm) (*htmlForm, formKind) {
	for _, want := range []formKind{formSAMLResponse, formLogin, formCode, formUsername, formAuto} {
		for _, f := range forms {
			if f.kind() == want {
				return f, want
			}
		}
	}
	return nil, formNone
}

// values are what a browser sends for the form, with fill's values in
// their fields, and the first named submit button as the one clicked.
func (f *htmlForm) values(fill map[*formField]string) url.Values {
	v := url.Values{}
	clicked := false
	for _, x := range f.fields {
		if x.name == "" || x.disabled {
			continue
		}
		if s, ok := fill[x]; ok {
			v.Add(x.name, s)
			continue
		}
		switch x.typ {
		case "checkbox", "radio":
			if x.checked || x.typ == "checkbox" && x.matches(rememberRE()) {
				// "Remember me": the longer the IdP's session, the longer
				// sign-ins need no password.
				v.Add(x.name, cmp.Or(x.value, "on"))
			}
		case "submit", "image":
			if !clicked {
				v.Add(x.name, x.value)
				clicked = true
			}
		case "button", "reset", "file":
		default:
			v.Add(x.name, x.value)
		}
	}
	return v
}

// submit sends the form as a browser would. secret names what fill
// carries that the IdP alone may see ("password", "one-time code"), or is
// "" when it carries nothing of the kind.
func (c *samlHTTPClient) submit(ctx context.Context, from *url.URL, f *htmlForm, fill map[*formField]string, secret string) (*samlPage, error) {
	a := f.action
	if a.Scheme != "https" && a.Scheme != "http" {
		return nil, fmt.Errorf("a form posts to %s:, not http(s)", a.Scheme)
	}
	if !endpoint.Secure(a) {
		// Cookies, SAML messages or a password would cross the network
		// in the clear, whatever the scheme of the page.
		return nil, fmt.Errorf("a form of %s posts to %s in the clear; refused", from.Host, a.Host)
	}
	if secret != "" {
		// A page that shows a sign-in form is not trusted to send the
		// password anywhere else: an injected or tampered form could
		// harvest it. Forms between IdPs (SAML messages) carry no secret
		// and may cross hosts.
		if !sameHost(from, a) {
			return nil, fmt.Errorf("the sign-in form of %s would send the %s to %s; refused", from.Host, secret, a.Host)
		}
		if f.method != http.MethodPost {
			// A GET form puts it in the URL: in logs, proxies, history.
			return nil, fmt.Errorf("the sign-in form of %s would send the %s in the URL; refused", from.Host, secret)
		}
	}
	vals := f.values(fill)
	var req *http.Request
	var err error
	if f.method == http.MethodPost {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, a.String(), strings.NewReader(vals.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		u := *a
		u.RawQuery = vals.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", f.method, signon.SafeURL(a), signon.StripURLError(err))
	}
	req.Header.Set("Referer", signon.SafeURL(from))
	if o := from.Scheme + "://" + from.Host; f.method == http.MethodPost {
		req.Header.Set("Origin", o)
	}
	return c.do(req)
}

// sameHost says whether a and b name the same host and port, the port
// defaulted by scheme (https://h and https://h:443 are one host).
func sameHost(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if u.Scheme == "http" {
			return "80"
		}
		return "443"
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// formSignIn signs in at an IdP with HTML forms and returns the SAML
// response for AWS.
func (j *job) formSignIn(ctx context.Context, c *samlConfig, hc *samlHTTPClient) (string, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("profile %q: signing in at %s: %s", c.profile, c.where(), fmt.Sprintf(format, args...))
	}
	said := func(msg string) string {
		if msg == "" {
			return ""
		}
		return " (it says: " + msg + ")"
	}
	page, err := hc.get(ctx, c.authURL)
	var sentPassword, sentUser, sentCode bool
	for step := 0; step < maxFormSteps; step++ {
		if err != nil {
			return "", fail("%v", err)
		}
		forms, msg := parseHTMLForms(page.url, page.body)
		f, kind := pickForm(forms)
		user, password, code := (*formField)(nil), (*formField)(nil), (*formField)(nil)
		if f != nil {
			user, password, code = f.roles()
		}
		fill := map[*formField]string{}
		secret := ""
		switch kind {
		case formSAMLResponse:
			if c.isACS(f.action) {
				j.env.Debug("IdP: SAML response for %s", signon.SafeURL(f.action))
				return f.field("SAMLResponse").value, nil
			}
			if awsSignIn(f.action) {
				// Never posted to AWS, whatever SAML_ACS_URL says.
				return "", fail("the SAML response is addressed to %s, not to %s", signon.SafeURL(f.action), samlACSEnv)
			}
			// A response for another party: an IdP that signs in at
			// another IdP. A browser would post it; so does aws-runas.
			j.env.Debug("IdP: passing a SAML response on to %s", signon.SafeURL(f.action))
		case formLogin:
			if sentPassword {
				return "", fail("the user name or password was not accepted%s", said(msg))
			}
			if user != nil {
				name := c.username
				if name == "" {
					if user.value == "" {
						return "", c.errNeedUsername()
					}
					name = user.value
				}
				fill[user] = name
			}
			pw, err := j.samlPassword(ctx, c, f.action)
			if err != nil {
				return "", err
			}
			fill[password] = pw
			sentPassword, secret = true, "password"
		case formUsername:
			if sentUser {
				return "", fail("the user name was not accepted%s", said(msg))
			}
			if c.username == "" {
				return "", c.errNeedUsername()
			}
			fill[user] = c.username
			sentUser = true
		case formCode:
			if sentCode {
				return "", fail("the one-time code was not accepted%s", said(msg))
			}
			otp, err := j.samlCode(ctx, c)
			if err != nil {
				return "", err
			}
			fill[code] = otp
			sentCode, secret = true, "one-time code"
		case formAuto:
		default:
			if page.status >= 400 {
				return "", fail("%s answered HTTP %d%s", signon.SafeURL(page.url), page.status, said(msg))
			}
			if sentPassword {
				return "", fail("the user name or password was not accepted%s", said(msg))
			}
			return "", fail("%s has no sign-in form aws-runas can fill in%s; if the IdP signs in with scripts, use saml_provider = browser", signon.SafeURL(page.url), said(msg))
		}
		page, err = hc.submit(ctx, page.url, f, fill, secret)
	}
	return "", fail("no SAML response for AWS after %d pages", maxFormSteps)
}
