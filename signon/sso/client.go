package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/gofrs/flock"
)

// LoginNeededError is returned when the session has no valid token and
// none can be had without the user: under nonInteractive, or when the
// session ended while another run held the login.
type LoginNeededError struct {
	Session string // the sso-session name, or the start URL of a legacy profile
}

func (e *LoginNeededError) Error() string {
	return fmt.Sprintf("IAM Identity Center session %s has expired or was never signed in: run aws-runas sso login", quote(e.Session))
}

// Client signs on with Identity Center. The zero value works with the
// defaults described on each field; a Client is safe for concurrent use
// once set up.
type Client struct {
	// CacheDir holds the token files; "" is ~/.aws/sso/cache.
	CacheDir string
	// OIDCEndpoint and PortalEndpoint replace the regional endpoints of
	// the SSO OIDC service (and its /authorize page) and of the portal:
	// $AWS_ENDPOINT_URL_SSO_OIDC and $AWS_ENDPOINT_URL_SSO, as the caller
	// resolves them.
	OIDCEndpoint, PortalEndpoint string
	HTTPClient                   *http.Client // nil: the SDK's

	// Notify shows the user what a login needs them to do (the URL to
	// open, the code to check). It must go to the terminal or stderr,
	// never stdout. nil: a login cannot be done.
	Notify func(msg string)
	// OpenBrowser opens a URL in the user's browser. nil, or an error,
	// means there is no browser: the device flow is used.
	OpenBrowser func(ctx context.Context, url string) error
	// UseDeviceCode asks for the device authorization grant instead of
	// the authorization code flow.
	UseDeviceCode bool
	// ClientName is the name registered with RegisterClient: "aws-runas".
	ClientName string
	// LoginTimeout bounds a login, from RegisterClient to the token:
	// 10 minutes, as long as a device code lives.
	LoginTimeout time.Duration
	// LockTimeout bounds the wait for another run's login: LoginTimeout
	// plus a minute.
	LockTimeout time.Duration

	// Debug, when set, is told what happens; never a secret.
	Debug func(format string, args ...any)
	// Now and Sleep are the clock (tests inject theirs): time.Now, and a
	// wait that ends early when ctx does.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// refreshWindow: an access token with less left than this is renewed
// before use, so that it does not expire between the check and the call.
const refreshWindow = 5 * time.Minute

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) debug(format string, args ...any) {
	if c.Debug != nil {
		c.Debug(format, args...)
	}
}

func (c *Client) loginTimeout() time.Duration {
	if c.LoginTimeout > 0 {
		return c.LoginTimeout
	}
	return 10 * time.Minute
}

func (c *Client) lockTimeout() time.Duration {
	if c.LockTimeout > 0 {
		return c.LockTimeout
	}
	return c.loginTimeout() + time.Minute
}

func (c *Client) clientName() string {
	if c.ClientName != "" {
		return c.ClientName
	}
	return "aws-runas"
}

func (c *Client) oidc(s Settings) *ssooidc.Client {
	o := ssooidc.Options{Region: s.Region}
	if c.OIDCEndpoint != "" {
		o.BaseEndpoint = aws.String(c.OIDCEndpoint)
	}
	if c.HTTPClient != nil {
		o.HTTPClient = c.HTTPClient
	}
	return ssooidc.New(o)
}

func (c *Client) portal(s Settings) *sso.Client {
	o := sso.Options{Region: s.Region}
	if c.PortalEndpoint != "" {
		o.BaseEndpoint = aws.String(c.PortalEndpoint)
	}
	if c.HTTPClient != nil {
		o.HTTPClient = c.HTTPClient
	}
	return sso.New(o)
}

// oidcBase is where the /authorize page is: the OIDC endpoint.
func (c *Client) oidcBase(s Settings) string {
	if c.OIDCEndpoint != "" {
		return c.OIDCEndpoint
	}
	return "https://oidc." + s.Region + ".amazonaws.com"
}

// usable: a token of this session that is good for a while yet.
func (c *Client) usable(t *token, s Settings) bool {
	return t != nil && t.AccessToken != "" && (t.StartURL == "" || t.StartURL == s.StartURL) &&
		t.expires().Sub(c.now()) > refreshWindow
}

// AccessToken returns a valid access token for the session: the cached
// one, else one renewed with the refresh token, else (unless
// nonInteractive) one from a login. reject is an access token the portal
// refused, which is not to be returned again ("" for none). A login
// happens once for any number of concurrent callers: under the lock of
// the token file, after reading the file again.
func (c *Client) accessToken(ctx context.Context, s Settings, nonInteractive bool, reject string) (string, error) {
	path, err := TokenFile(c.CacheDir, s)
	if err != nil {
		return "", err
	}
	ok := func(t *token) bool { return c.usable(t, s) && t.AccessToken != reject }
	if t, _ := readToken(path, c.debug); ok(t) {
		c.debug("SSO token of %s: cached, expires %s", s.where(), t.ExpiresAt)
		return t.AccessToken, nil
	}
	unlock, err := c.lock(ctx, path)
	if err != nil {
		return "", err
	}
	defer unlock()
	t, _ := readToken(path, c.debug)
	if ok(t) {
		c.debug("SSO token of %s: written by another run", s.where())
		return t.AccessToken, nil
	}
	if t != nil && (t.StartURL == "" || t.StartURL == s.StartURL) && t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" {
		nt, err := c.refresh(ctx, s, t)
		if err == nil {
			if err := writeToken(path, nt); err != nil {
				return "", fmt.Errorf("writing the SSO token file: %w", err)
			}
			return nt.AccessToken, nil
		}
		if !sessionOver(err) {
			return "", fmt.Errorf("renewing the IAM Identity Center token of %s: %w", s.where(), err)
		}
		c.debug("SSO refresh token of %s: refused (%s), a login is needed", s.where(), errorCode(err))
	}
	if nonInteractive || c.Notify == nil {
		return "", &LoginNeededError{Session: s.CacheKey()}
	}
	nt, err := c.login(ctx, s, t)
	if err != nil {
		return "", err
	}
	if err := writeToken(path, nt); err != nil {
		return "", fmt.Errorf("writing the SSO token file: %w", err)
	}
	return nt.AccessToken, nil
}

// lock takes the lock beside the token file, waiting at most LockTimeout
// (and no longer than ctx). The kernel drops the lock when its holder dies.
func (c *Client) lock(ctx context.Context, path string) (func(), error) {
	if err := mkdirPrivate(path); err != nil {
		return nil, err
	}
	l := flock.New(path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, c.lockTimeout())
	defer cancel()
	if ok, err := l.TryLockContext(ctx, 25*time.Millisecond); !ok {
		if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("another aws-runas is signing in to IAM Identity Center (lock %s): gave up waiting", path+".lock")
		}
		return nil, fmt.Errorf("locking %s: %w", path+".lock", err)
	}
	return func() { _ = l.Unlock() }, nil
}

// refresh renews the access token with the refresh token (the grant the
// SDK's ssocreds.SSOTokenProvider uses), keeping the other fields.
func (c *Client) refresh(ctx context.Context, s Settings, t *token) (*token, error) {
	out, err := c.oidc(s).CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String(t.ClientID), ClientSecret: aws.String(t.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(t.RefreshToken),
	})
	if err != nil {
		return nil, err
	}
	nt := *t
	nt.AccessToken = aws.ToString(out.AccessToken)
	nt.ExpiresAt = formatTime(c.now().Add(time.Duration(out.ExpiresIn) * time.Second))
	if out.RefreshToken != nil {
		nt.RefreshToken = *out.RefreshToken
	}
	if nt.StartURL == "" {
		nt.StartURL, nt.Region = s.StartURL, s.Region
	}
	c.debug("SSO token of %s: renewed with the refresh token, expires %s", s.where(), nt.ExpiresAt)
	return &nt, nil
}

// sessionOver: the OIDC service will not renew; only a login helps.
func sessionOver(err error) bool {
	var ig *oidctypes.InvalidGrantException
	var ic *oidctypes.InvalidClientException
	var et *oidctypes.ExpiredTokenException
	var uc *oidctypes.UnauthorizedClientException
	var ad *oidctypes.AccessDeniedException
	return errors.As(err, &ig) || errors.As(err, &ic) || errors.As(err, &et) || errors.As(err, &uc) || errors.As(err, &ad)
}

func errorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "error"
}

// RoleCredentials returns the credentials of the settings' account and
// role (GetRoleCredentials), with their expiry. The access token comes
// from the cache, renewed with the refresh token when it has expired; with
// neither, a login happens, or with nonInteractive a *LoginNeededError is
// returned.
func (c *Client) RoleCredentials(ctx context.Context, s Settings, nonInteractive bool) (aws.Credentials, error) {
	if err := s.validateRole(); err != nil {
		return aws.Credentials{}, err
	}
	var out *sso.GetRoleCredentialsOutput
	err := c.withToken(ctx, s, nonInteractive, func(tok string) (err error) {
		out, err = c.portal(s).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
			AccessToken: aws.String(tok), AccountId: aws.String(s.AccountID), RoleName: aws.String(s.RoleName),
		})
		return err
	})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("IAM Identity Center: role %s in account %s: %w", quote(s.RoleName), s.AccountID, err)
	}
	rc := out.RoleCredentials
	if rc == nil || aws.ToString(rc.AccessKeyId) == "" || aws.ToString(rc.SecretAccessKey) == "" || aws.ToString(rc.SessionToken) == "" || rc.Expiration == 0 {
		return aws.Credentials{}, fmt.Errorf("IAM Identity Center: GetRoleCredentials answered no credentials for role %s in account %s", quote(s.RoleName), s.AccountID)
	}
	exp := time.UnixMilli(rc.Expiration).UTC()
	c.debug("SSO role %s in %s: credentials %s, expire %s", s.RoleName, s.AccountID, aws.ToString(rc.AccessKeyId), exp.Format(time.RFC3339))
	return aws.Credentials{
		AccessKeyID: *rc.AccessKeyId, SecretAccessKey: *rc.SecretAccessKey, SessionToken: *rc.SessionToken,
		Source: "aws-runas SSO", CanExpire: true, Expires: exp, AccountID: s.AccountID,
	}, nil
}

// withToken calls fn with an access token; when the portal refuses it
// (revoked, say by a logout elsewhere), once more with a renewed one.
func (c *Client) withToken(ctx context.Context, s Settings, nonInteractive bool, fn func(tok string) error) error {
	tok, err := c.accessToken(ctx, s, nonInteractive, "")
	if err != nil {
		return err
	}
	err = fn(tok)
	var ue *ssotypes.UnauthorizedException
	if !errors.As(err, &ue) {
		return err
	}
	c.debug("SSO token of %s: refused by the portal, renewing", s.where())
	if tok, err = c.accessToken(ctx, s, nonInteractive, tok); err != nil {
		return err
	}
	return fn(tok)
}

// Login signs in anew, whatever the cache holds (aws-runas sso login),
// and writes the token file.
func (c *Client) Login(ctx context.Context, s Settings) error {
	if err := s.validateSession(); err != nil {
		return err
	}
	if c.Notify == nil {
		return errors.New("IAM Identity Center login needs a terminal to show its instructions on")
	}
	path, err := TokenFile(c.CacheDir, s)
	if err != nil {
		return err
	}
	unlock, err := c.lock(ctx, path)
	if err != nil {
		return err
	}
	defer unlock()
	old, _ := readToken(path, c.debug)
	t, err := c.login(ctx, s, old)
	if err != nil {
		return err
	}
	return writeToken(path, t)
}
