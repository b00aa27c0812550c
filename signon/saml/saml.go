// Package saml signs in at a SAML identity provider (saml_auth_url):
// aws-runas gets a SAML response from the profile's identity provider,
// finds the profile's role_arn among the roles it grants, and trades it
// for role credentials with AssumeRoleWithSAML. Three providers get the response:
//
//   - browser: a Chromium-family browser that aws-runas drives; the user
//     signs in as usual, with any second factor, and aws-runas takes the
//     response the IdP posts to AWS's sign-in endpoint (saml_browser.go);
//   - form: plain HTTP for IdPs that sign in with HTML forms: user name,
//     password, an optional one-time code (saml_form.go);
//   - okta: Okta's authentication API (saml_okta.go).
//
// form and okta keep the IdP's session cookies in a private file beside
// the cache (saml_session.go), so that later sign-ins, and those of the
// shell hook, need no password while the IdP's session lasts.
package saml

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/awssts"
	"github.com/aws-runas/aws-runas/internal/endpoint"
	"github.com/aws-runas/aws-runas/prompt"
	"github.com/aws-runas/aws-runas/signon"
)

// The providers.
const (
	samlBrowser = "browser"
	samlForm    = "form"
	samlOkta    = "okta"
)

// AWS's SAML attributes.
const (
	samlAttrRole            = "https://aws.amazon.com/SAML/Attributes/Role"
	samlAttrRoleSessionName = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	samlAttrSessionDuration = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
)

// Environment variables of SAML sign-in besides those of creds/federation.go.
const (
	// samlPasswordEnv holds the password, for scripts; never a flag, as a
	// process's arguments are visible to other users.
	samlPasswordEnv = "SAML_PASSWORD"
	// samlACSEnv replaces AWS's sign-in endpoints as the address of the
	// response aws-runas takes: for other partitions' endpoints, and tests.
	samlACSEnv = "SAML_ACS_URL"
)

const samlKind cache.Kind = "saml" // IdP sessions, and their locks

// samlStderr is where sign-in messages go.
var samlStderr io.Writer = os.Stderr

// samlConfig is a profile's SAML settings, checked.
type samlConfig struct {
	profile  string
	authURL  *url.URL
	username string
	provider string
	acs      []*url.URL // SAML_ACS_URL; nil: AWS's endpoints
}

func (j *job) samlConfig(prof *config.Profile) (*samlConfig, error) {
	c := &samlConfig{profile: prof.Name, username: prof.SAMLUsername}
	u, err := url.Parse(prof.SAMLAuthURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("profile %q: saml_auth_url %q is not an http(s) URL", prof.Name, prof.SAMLAuthURL)
	}
	if u.Scheme == "http" && !endpoint.IsLoopback(u.Hostname()) {
		// The password would cross the network in the clear.
		return nil, fmt.Errorf("profile %q: saml_auth_url must be https (http only for a sign-in on this machine)", prof.Name)
	}
	c.authURL = u
	c.provider = strings.ToLower(strings.TrimSpace(prof.SAMLProvider))
	switch c.provider {
	case "":
		// Okta's own domains are known; any other IdP works in a browser.
		c.provider = samlBrowser
		if oktaHost(u.Hostname()) {
			c.provider = samlOkta
		}
	case samlBrowser, samlForm, samlOkta:
	default:
		return nil, fmt.Errorf("profile %q: saml_provider %q: want browser, form or okta", prof.Name, prof.SAMLProvider)
	}
	if v := j.env.Getenv(samlACSEnv); v != "" {
		for _, s := range strings.Fields(strings.ReplaceAll(v, ",", " ")) {
			a, err := url.Parse(s)
			if err != nil || a.Host == "" || (a.Scheme != "https" && a.Scheme != "http") {
				return nil, fmt.Errorf("%s: %q is not an http(s) URL", samlACSEnv, s)
			}
			c.acs = append(c.acs, a)
		}
	}
	return c, nil
}

func oktaHost(host string) bool {
	host = strings.ToLower(host)
	for _, d := range []string{"okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com"} {
		if strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// sessionKey names the IdP session (and the lock) of a sign-in: one per
// IdP host and user, whatever the profile.
func (c *samlConfig) sessionKey() string {
	return c.provider + "_" + c.username + "@" + strings.ToLower(c.authURL.Host)
}

// where is the IdP as messages name it.
func (c *samlConfig) where() string { return c.authURL.Host }

// isACS says whether u is where the IdP posts the SAML response for AWS:
// SAML_ACS_URL's URLs, else AWS's sign-in endpoints.
func (c *samlConfig) isACS(u *url.URL) bool {
	if c.acs == nil {
		return awsSignIn(u)
	}
	for _, a := range c.acs {
		if strings.EqualFold(a.Scheme, u.Scheme) && strings.EqualFold(a.Host, u.Host) && strings.TrimSuffix(a.Path, "/") == strings.TrimSuffix(u.Path, "/") {
			return true
		}
	}
	return false
}

// awsSignIn says whether u is one of AWS's SAML sign-in endpoints, in any
// partition and region: https://[REGION.]signin.aws.amazon.com/saml...
func awsSignIn(u *url.URL) bool {
	if u.Scheme != "https" || !(strings.HasPrefix(u.Path, "/saml") || strings.HasPrefix(u.Path, "/static/saml")) {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range awsSignInHosts {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// awsSignInHosts are the sign-in hosts of AWS's partitions.
var awsSignInHosts = []string{"signin.aws.amazon.com", "signin.amazonaws-us-gov.com", "signin.amazonaws.cn"}

// SignOn signs in at a SAML identity provider: saml_auth_url,
// saml_username, saml_provider.
type SignOn struct{}

// RoleCredentials gets the credentials of req's role from its SAML
// identity provider.
func (SignOn) RoleCredentials(ctx context.Context, req signon.Request, env *signon.Env) (*signon.Role, error) {
	return (&job{env: env, req: req}).saml(ctx)
}

// job is one SAML sign-in: what the flows lent it, and what they ask.
type job struct {
	env *signon.Env
	req signon.Request
}

func (j *job) saml(ctx context.Context) (*signon.Role, error) {
	prof, duration := j.req.Profile, j.req.Duration
	c, err := j.samlConfig(prof)
	if err != nil {
		return nil, err
	}
	j.env.Debug("SAML: signing in at %s://%s%s (%s, user %s)", c.authURL.Scheme, c.authURL.Host, c.authURL.Path, c.provider, cmp.Or(c.username, "none"))
	var response string
	switch c.provider {
	case samlBrowser:
		response, err = j.samlBrowser(ctx, c)
	default:
		response, err = j.samlHTTP(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	info, err := parseSAMLResponse(response)
	if err != nil {
		return nil, fmt.Errorf("profile %q: the response of %s: %w", prof.Name, c.where(), err)
	}
	providerARN, err := info.provider(prof, c)
	if err != nil {
		return nil, err
	}

	// -a, else duration_seconds, else the IdP's SessionDuration, else 1h.
	fromIdP := false
	switch {
	case j.req.DurationSet:
	case info.sessionDuration >= awssts.RoleBounds[0] && info.sessionDuration <= awssts.RoleBounds[1]:
		duration, fromIdP = info.sessionDuration, true
	case info.sessionDuration != 0:
		j.env.Debug("SAML: SessionDuration %s is outside %s to %s, ignored", info.sessionDuration, awssts.RoleBounds[0], awssts.RoleBounds[1])
	}

	in := &sts.AssumeRoleWithSAMLInput{
		RoleArn:         aws.String(prof.RoleARN),
		PrincipalArn:    aws.String(providerARN),
		SAMLAssertion:   aws.String(response),
		DurationSeconds: awssts.Seconds(duration),
	}
	j.env.Debug("AssumeRoleWithSAML %s for %q (provider %s, %s)", prof.RoleARN, prof.Name, providerARN, duration)
	// The assertion is the proof: the call is not signed.
	client := j.env.STS
	out, err := awssts.Call(ctx, j.env.Timeout, func(ctx context.Context) (*sts.AssumeRoleWithSAMLOutput, error) {
		return client.AssumeRoleWithSAML(ctx, in, func(o *sts.Options) { o.Credentials = aws.AnonymousCredentials{} })
	})
	if err != nil {
		return nil, samlSTSError(prof, c, fromIdP, err)
	}
	e := &signon.Role{Credentials: awssts.Credentials(out.Credentials), SessionName: info.sessionName}
	if out.AssumedRoleUser != nil {
		// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: STS's word wins.
		if arn := aws.ToString(out.AssumedRoleUser.Arn); strings.Count(arn, "/") >= 2 {
			e.SessionName = arn[strings.LastIndexByte(arn, '/')+1:]
		}
	}
	return e, nil
}

// samlSTSError explains STS's refusals of an assertion.
func samlSTSError(prof *config.Profile, c *samlConfig, fromIdP bool, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return awssts.Error("AssumeRoleWithSAML "+prof.RoleARN, prof.Name, err)
	}
	hint := ""
	switch ae.ErrorCode() {
	case "ExpiredTokenException", "ExpiredToken":
		hint = "the assertion of " + c.where() + " has expired or is not valid yet: check this machine's clock, and sign in again"
	case "InvalidIdentityToken":
		hint = "STS does not accept the assertion of " + c.where() + ": is its signing certificate the one in the IAM SAML provider, and was the response altered on the way?"
	case "IDPRejectedClaim":
		hint = c.where() + " reported that the sign-in failed"
	case "AccessDenied":
		hint = "the role's trust policy must allow sts:AssumeRoleWithSAML for the SAML provider"
	case "ValidationError":
		if fromIdP {
			hint = "the duration came from the SessionDuration attribute of " + c.where() + "; set duration_seconds or use -a to ask for another"
		}
	}
	msg := fmt.Sprintf("profile %q: AssumeRoleWithSAML %s: %s: %s", prof.Name, prof.RoleARN, ae.ErrorCode(), signon.Clean(ae.ErrorMessage()))
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return errors.New(msg)
}

// samlRole is one value of the Role attribute.
type samlRole struct{ role, provider string }

// samlInfo is what aws-runas reads from a SAML response. It is not
// verified here: STS checks the signature, and refuses what it does not
// trust.
type samlInfo struct {
	roles           []samlRole
	sessionName     string
	sessionDuration time.Duration
	encrypted       bool
	status          string // the response's status code, if not Success
}

const samlStatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"

// parseSAMLResponse reads the AWS attributes of a base64 SAMLResponse.
func parseSAMLResponse(response string) (*samlInfo, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(response), ""))
	if err != nil {
		return nil, errors.New("the SAMLResponse is not base64")
	}
	info := &samlInfo{}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	var attr string
	var inValue, inStatus, sawResponse bool
	var value strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the SAMLResponse is not XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "Response":
				sawResponse = true
			case "EncryptedAssertion":
				info.encrypted = true
			case "Status":
				inStatus = true
			case "StatusCode":
				if inStatus && info.status == "" {
					info.status = attrValue(t, "Value")
				}
			case "Attribute":
				attr = attrValue(t, "Name")
			case "AttributeValue":
				inValue = true
				value.Reset()
			}
		case xml.CharData:
			if inValue {
				value.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "Status":
				inStatus = false
			case "Attribute":
				attr = ""
			case "AttributeValue":
				inValue = false
				info.addAttribute(attr, strings.TrimSpace(value.String()))
			}
		}
	}
	switch {
	case !sawResponse:
		return nil, errors.New("the SAMLResponse is not a SAML response")
	case info.status != "" && info.status != samlStatusSuccess:
		return nil, fmt.Errorf("the sign-in failed: status %s", signon.Clean(strings.TrimPrefix(info.status, "urn:oasis:names:tc:SAML:2.0:status:")))
	}
	return info, nil
}

func attrValue(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (info *samlInfo) addAttribute(name, v string) {
	switch name {
	case samlAttrRole:
		a, b, ok := strings.Cut(v, ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if !ok {
			return
		}
		if strings.Contains(a, ":saml-provider/") {
			a, b = b, a
		}
		if strings.Contains(a, ":role/") && strings.Contains(b, ":saml-provider/") {
			info.roles = append(info.roles, samlRole{role: a, provider: b})
		}
	case samlAttrRoleSessionName:
		info.sessionName = v
	case samlAttrSessionDuration:
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			info.sessionDuration = time.Duration(n) * time.Second
		}
	}
}

// provider finds the SAML provider the assertion pairs with the profile's
// role, or says which roles it grants.
func (info *samlInfo) provider(prof *config.Profile, c *samlConfig) (string, error) {
	for _, r := range info.roles {
		if r.role == prof.RoleARN {
			return r.provider, nil
		}
	}
	for _, r := range info.roles {
		// IAM role names are case-insensitive.
		if strings.EqualFold(r.role, prof.RoleARN) {
			return r.provider, nil
		}
	}
	who := ""
	if c.username != "" {
		who = " to " + signon.Clean(c.username)
	}
	switch {
	case info.encrypted:
		return "", fmt.Errorf("profile %q: the assertion of %s is encrypted, so aws-runas cannot read its roles; turn off assertion encryption for AWS at the IdP", prof.Name, c.where())
	case len(info.roles) == 0:
		return "", fmt.Errorf("profile %q: %s grants no AWS roles%s (its assertion has no %s attribute)", prof.Name, c.where(), who, samlAttrRole)
	}
	var roles []string
	for _, r := range info.roles {
		roles = append(roles, signon.Clean(r.role))
	}
	slices.Sort(roles)
	roles = slices.Compact(roles)
	return "", fmt.Errorf("profile %q: role %s is not among the roles %s grants%s: %s; set role_arn to one of them", prof.Name, prof.RoleARN, c.where(), who, strings.Join(roles, ", "))
}

// samlPassword is SAML_PASSWORD, else one asked for without echo.
//
// to is where the password will be posted (the form's action, after every
// redirect): the prompt names that host, and where it differs from
// saml_auth_url's, both.
func (j *job) samlPassword(ctx context.Context, c *samlConfig, to *url.URL) (string, error) {
	if pw := j.env.Getenv(samlPasswordEnv); pw != "" {
		return pw, nil
	}
	if !j.env.CanAsk() {
		return "", &signon.InputNeededError{What: fmt.Sprintf("profile %q: signing in at %s needs the password of %s: set %s, or run without --non-interactive", c.profile, c.where(), signon.Clean(c.username), samlPasswordEnv)}
	}
	host := c.where()
	if to != nil && to.Host != "" && to.Host != host {
		host = signon.Clean(to.Host) + " (redirected from " + c.where() + ")"
	}
	pw, err := j.env.Prompter.Password(ctx, prompt.Password{Profile: signon.PromptProfile(j.req.Profile), For: c.username, Host: host})
	if err != nil {
		return "", err
	}
	if pw == "" {
		return "", fmt.Errorf("profile %q: no password entered", c.profile)
	}
	return pw, nil
}

// isSAMLCode: an IdP's one-time code is 6 to 8 digits.
func isSAMLCode(s string) bool {
	return len(s) >= 6 && len(s) <= 8 && strings.Trim(s, "0123456789") == ""
}

// samlCode is -o's code, else one asked for at the terminal.
func (j *job) samlCode(ctx context.Context, c *samlConfig) (string, error) {
	if j.req.OTP != "" {
		if !isSAMLCode(j.req.OTP) {
			return "", errors.New("the one-time code given with -o must be 6 to 8 digits")
		}
		return j.req.OTP, nil
	}
	needed := &signon.InputNeededError{What: fmt.Sprintf("profile %q: %s asks for a one-time code for %s: give it with -o CODE", c.profile, c.where(), signon.Clean(c.username))}
	if j.env.Prompter == nil {
		return "", needed
	}
	// Under --non-interactive an mfa_process may still answer.
	code, err := j.env.Prompter.Code(ctx, prompt.Code{Profile: signon.PromptProfile(j.req.Profile), Device: c.username + " at " + c.where(), MinDigits: 6, MaxDigits: 8})
	if errors.Is(err, prompt.ErrNoOneToAsk) && !j.env.Prompter.Interactive() {
		return "", needed
	}
	return code, err
}

// errNeedUsername is the error of a sign-in that needs saml_username.
func (c *samlConfig) errNeedUsername() error {
	return fmt.Errorf("profile %q: %s asks for a user name: set saml_username (or --saml-username, SAML_USERNAME)", c.profile, c.where())
}
