package saml

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws-runas/aws-runas/prompt"
	"github.com/aws-runas/aws-runas/signon"
)

// The okta provider signs in with Okta's Classic authentication API, as
// developer.okta.com documents it: POST /api/v1/authn with the user name
// and password; for MFA_REQUIRED, a factor's verify link with a TOTP code,
// or an Okta Verify push polled until it is answered; then the sessionToken
// is traded for the session cookie at /login/sessionCookieRedirect, which
// redirects to the app's embed link (saml_auth_url), whose page holds the
// SAML response.

// oktaPollInterval is the wait between two polls of a push.
var oktaPollInterval = 2 * time.Second

// oktaPushTimeout bounds the wait for a push to be answered; Okta times
// pushes out itself after about five minutes.
const oktaPushTimeout = 6 * time.Minute

// oktaTx is a transaction of the authentication API.
type oktaTx struct {
	Status       string `json:"status"`
	StateToken   string `json:"stateToken"`
	SessionToken string `json:"sessionToken"`
	FactorResult string `json:"factorResult"`
	Embedded     struct {
		Factors []oktaFactor `json:"factors"`
		Factor  *struct {
			Embedded struct {
				Challenge struct {
					CorrectAnswer *int `json:"correctAnswer"`
				} `json:"challenge"`
			} `json:"_embedded"`
		} `json:"factor"`
	} `json:"_embedded"`
	Links map[string]json.RawMessage `json:"_links"`
}

type oktaFactor struct {
	ID         string                     `json:"id"`
	FactorType string                     `json:"factorType"`
	Provider   string                     `json:"provider"`
	Links      map[string]json.RawMessage `json:"_links"`
}

type oktaAPIError struct {
	status      int
	Code        string `json:"errorCode"`
	Summary     string `json:"errorSummary"`
	ErrorCauses []struct {
		Summary string `json:"errorSummary"`
	} `json:"errorCauses"`
}

func (e *oktaAPIError) Error() string {
	msg := signon.Clean(e.Summary)
	for _, c := range e.ErrorCauses {
		if c.Summary != "" {
			msg += ": " + signon.Clean(c.Summary)
		}
	}
	if e.Code != "" {
		msg += " (" + signon.Clean(e.Code) + ")"
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", e.status)
	}
	return msg
}

// link is the href of a _links entry (an object; some entries are lists).
func oktaLink(links map[string]json.RawMessage, name string) string {
	var l struct {
		Href string `json:"href"`
	}
	if raw, ok := links[name]; ok && json.Unmarshal(raw, &l) == nil {
		return l.Href
	}
	return ""
}

// oktaSession is one sign-in at an Okta org.
type oktaSession struct {
	j    *job
	c    *samlConfig
	hc   *samlHTTPClient
	base *url.URL // the org: scheme://host
}

func (j *job) oktaSignIn(ctx context.Context, c *samlConfig, hc *samlHTTPClient) (string, error) {
	o := &oktaSession{j: j, c: c, hc: hc, base: &url.URL{Scheme: c.authURL.Scheme, Host: c.authURL.Host}}
	// The session of an earlier sign-in first: the embed link answers with
	// the SAML response at once while it lasts.
	if !hc.jar.empty() {
		page, err := hc.get(ctx, c.authURL)
		if err == nil {
			if r, ok := o.response(page); ok {
				j.env.Debug("Okta: signed in with the session of an earlier sign-in")
				return r, nil
			}
		} else {
			j.env.Debug("Okta: %v", err)
		}
		// Okta ignores a sessionToken while a session cookie is set.
		hc.jar.reset()
	}
	if c.username == "" {
		return "", c.errNeedUsername()
	}
	pw, err := j.samlPassword(ctx, c, nil)
	if err != nil {
		return "", err
	}
	tx, err := o.post(ctx, o.base.JoinPath("/api/v1/authn").String(), map[string]any{
		"username": c.username, "password": pw,
		"options": map[string]bool{"multiOptionalFactorEnroll": false, "warnBeforePasswordExpired": false},
	})
	if err != nil {
		return "", o.fail(err)
	}
	for step := 0; ; step++ {
		if step > 10 {
			return "", o.fail(errors.New("the sign-in did not finish"))
		}
		switch tx.Status {
		case "SUCCESS":
			return o.exchange(ctx, tx.SessionToken)
		case "MFA_REQUIRED":
			if tx, err = o.verify(ctx, tx); err != nil {
				return "", o.fail(err)
			}
		case "PASSWORD_WARN":
			skip := oktaLink(tx.Links, "skip")
			if skip == "" {
				return "", o.fail(errors.New("the password expires soon; change it at Okta"))
			}
			if tx, err = o.post(ctx, skip, map[string]any{"stateToken": tx.StateToken}); err != nil {
				return "", o.fail(err)
			}
		case "LOCKED_OUT":
			return "", o.fail(errors.New("the account is locked out"))
		case "PASSWORD_EXPIRED":
			return "", o.fail(errors.New("the password has expired; change it at Okta"))
		case "MFA_ENROLL", "MFA_ENROLL_ACTIVATE":
			return "", o.fail(errors.New("Okta asks to enroll a second factor; do it in a browser first"))
		default:
			return "", o.fail(fmt.Errorf("unexpected state %s; use saml_provider = browser", signon.Clean(tx.Status)))
		}
	}
}

func (o *oktaSession) fail(err error) error {
	var in *signon.InputNeededError
	if errors.As(err, &in) || errors.Is(err, prompt.ErrNoOneToAsk) || errors.Is(err, prompt.ErrCancelled) {
		return err
	}
	var ae *oktaAPIError
	if errors.As(err, &ae) {
		switch {
		case ae.status == http.StatusUnauthorized || ae.Code == "E0000004":
			return fmt.Errorf("profile %q: Okta (%s) did not accept the user name or password of %s", o.c.profile, o.c.where(), signon.Clean(o.c.username))
		case ae.Code == "E0000068":
			return fmt.Errorf("profile %q: Okta (%s) did not accept the one-time code", o.c.profile, o.c.where())
		case ae.status == http.StatusTooManyRequests:
			return fmt.Errorf("profile %q: Okta (%s) is limiting sign-ins; try again in a minute", o.c.profile, o.c.where())
		}
	}
	return fmt.Errorf("profile %q: signing in at Okta (%s): %w", o.c.profile, o.c.where(), err)
}

// sameOrg accepts only links of the org: the state token goes nowhere else.
func (o *oktaSession) sameOrg(href string) (*url.URL, error) {
	u, err := url.Parse(href)
	if err != nil || !strings.EqualFold(u.Scheme, o.base.Scheme) || !strings.EqualFold(u.Host, o.base.Host) {
		return nil, fmt.Errorf("Okta sent a link outside %s; refused", o.base.Host)
	}
	return u, nil
}

// post sends a JSON request of the authentication API.
func (o *oktaSession) post(ctx context.Context, href string, body any) (*oktaTx, error) {
	u, err := o.sameOrg(href)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", signon.SafeURL(u), signon.StripURLError(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	page, err := o.hc.do(req)
	if err != nil {
		return nil, err
	}
	if page.status != http.StatusOK {
		ae := &oktaAPIError{status: page.status}
		_ = json.Unmarshal(page.body, ae)
		return nil, ae
	}
	var tx oktaTx
	if err := json.Unmarshal(page.body, &tx); err != nil {
		return nil, fmt.Errorf("%s answered with no transaction: %v", signon.SafeURL(u), err)
	}
	return &tx, nil
}

// The factors aws-runas can verify.
func oktaCodeFactor(f oktaFactor) bool {
	switch f.FactorType {
	case "token:software:totp", "token:hardware", "token":
		return true
	}
	return false
}

func oktaPushFactor(f oktaFactor) bool {
	return f.FactorType == "push" && strings.EqualFold(f.Provider, "OKTA")
}

func oktaFactorLabel(f oktaFactor) string {
	switch {
	case oktaPushFactor(f):
		return "Okta Verify push"
	case f.FactorType == "token:software:totp" && strings.EqualFold(f.Provider, "GOOGLE"):
		return "Google Authenticator code"
	case f.FactorType == "token:software:totp":
		return "Okta Verify code"
	}
	return signon.Clean(strings.ToLower(f.Provider) + " " + f.FactorType + " code")
}

// verify answers MFA_REQUIRED with a factor the user can use.
func (o *oktaSession) verify(ctx context.Context, tx *oktaTx) (*oktaTx, error) {
	var usable []oktaFactor
	var others []string
	for _, f := range tx.Embedded.Factors {
		if oktaCodeFactor(f) || oktaPushFactor(f) {
			usable = append(usable, f)
		} else {
			others = append(others, signon.Clean(f.FactorType))
		}
	}
	if len(usable) == 0 {
		return nil, fmt.Errorf("Okta asks for a factor aws-runas cannot verify (%s); use saml_provider = browser", strings.Join(others, ", "))
	}
	var f oktaFactor
	switch {
	case o.j.req.OTP != "":
		// -o CODE: a code factor.
		found := false
		for _, u := range usable {
			if oktaCodeFactor(u) {
				f, found = u, true
				break
			}
		}
		if !found {
			return nil, errors.New("a code was given with -o, but no code factor is enrolled at Okta")
		}
	case len(usable) == 1:
		f = usable[0]
	case o.j.env.CanAsk():
		labels := make([]string, len(usable))
		for i, u := range usable {
			labels[i] = oktaFactorLabel(u)
		}
		i, err := o.j.env.Prompter.Choose(ctx, prompt.Choice{Profile: signon.PromptProfile(o.j.req.Profile), Text: "Second factor for Okta", Options: labels})
		if err != nil {
			return nil, err
		}
		f = usable[i]
	default:
		return nil, &signon.InputNeededError{What: fmt.Sprintf("profile %q: Okta asks for a second factor: give a code with -o CODE, or run without --non-interactive", o.c.profile)}
	}
	href := oktaLink(f.Links, "verify")
	if href == "" {
		return nil, errors.New("Okta sent a factor without a verify link")
	}
	if oktaPushFactor(f) {
		return o.push(ctx, tx.StateToken, href)
	}
	code, err := o.j.samlCode(ctx, o.c)
	if err != nil {
		return nil, err
	}
	return o.post(ctx, href, map[string]any{"stateToken": tx.StateToken, "passCode": code})
}

// push sends an Okta Verify push and polls until it is answered.
func (o *oktaSession) push(ctx context.Context, stateToken, href string) (*oktaTx, error) {
	if !o.j.env.CanAsk() {
		// A push wants someone at the phone: not for the shell hook.
		return nil, &signon.InputNeededError{What: fmt.Sprintf("profile %q: Okta asks to approve a push: run without --non-interactive", o.c.profile)}
	}
	ctx, cancel := context.WithTimeout(ctx, oktaPushTimeout)
	defer cancel()
	tx, err := o.post(ctx, href, map[string]any{"stateToken": stateToken})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(samlStderr, "Okta Verify: approve the push sent to %s's device.\n", signon.Clean(o.c.username))
	shown := false
	for tx.Status == "MFA_CHALLENGE" {
		switch tx.FactorResult {
		case "WAITING":
		case "REJECTED":
			return nil, errors.New("the Okta Verify push was rejected")
		case "TIMEOUT":
			return nil, errors.New("the Okta Verify push was not answered in time")
		default:
			return nil, fmt.Errorf("the Okta Verify push ended: %s", signon.Clean(tx.FactorResult))
		}
		if f := tx.Embedded.Factor; f != nil && f.Embedded.Challenge.CorrectAnswer != nil && !shown {
			fmt.Fprintf(samlStderr, "Okta Verify: tap %d on the device.\n", *f.Embedded.Challenge.CorrectAnswer)
			shown = true
		}
		next := oktaLink(tx.Links, "next")
		if next == "" {
			next = href
		}
		t := time.NewTimer(oktaPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.New("the Okta Verify push was not answered in time")
		case <-t.C:
		}
		if tx, err = o.post(ctx, next, map[string]any{"stateToken": stateToken}); err != nil {
			return nil, err
		}
	}
	return tx, nil
}

// exchange trades the sessionToken for the session cookie, and follows the
// redirect to the app, whose page holds the SAML response.
func (o *oktaSession) exchange(ctx context.Context, sessionToken string) (string, error) {
	if sessionToken == "" {
		return "", o.fail(errors.New("Okta sent no sessionToken"))
	}
	u := o.base.JoinPath("/login/sessionCookieRedirect")
	u.RawQuery = url.Values{"token": {sessionToken}, "redirectUrl": {o.c.authURL.String()}}.Encode()
	page, err := o.hc.get(ctx, u)
	if err != nil {
		return "", o.fail(err)
	}
	if r, ok := o.response(page); ok {
		return r, nil
	}
	if page.status >= 400 {
		return "", o.fail(fmt.Errorf("%s answered HTTP %d", signon.SafeURL(page.url), page.status))
	}
	return "", o.fail(fmt.Errorf("%s sent no SAML response for AWS: is saml_auth_url the AWS app's embed link?", signon.SafeURL(page.url)))
}

// response finds the SAML response for AWS on an Okta page.
func (o *oktaSession) response(page *samlPage) (string, bool) {
	if page.status != http.StatusOK {
		return "", false
	}
	forms, _ := parseHTMLForms(page.url, page.body)
	for _, f := range forms {
		if r := f.field("SAMLResponse"); r != nil && o.c.isACS(f.action) {
			return r.value, true
		}
	}
	return "", false
}
