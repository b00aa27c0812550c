package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/aws-runas/aws-runas/internal/termtext"
)

const (
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	// callbackPath is the AWS CLI's redirect path.
	callbackPath = "/oauth/callback"
)

// registration is a client registration (RegisterClient).
type registration struct {
	id, secret string
	expires    time.Time
}

// login signs the user in: the authorization code flow with PKCE, or the
// device flow when asked for or when no browser can be opened. old is the
// token file as it was, whose registration the device flow reuses.
func (c *Client) login(ctx context.Context, s Settings, old *token) (*token, error) {
	ctx, cancel := context.WithTimeout(ctx, c.loginTimeout())
	defer cancel()
	oc := c.oidc(s)
	var (
		out *ssooidc.CreateTokenOutput
		reg registration
		err error
	)
	if !c.UseDeviceCode && c.OpenBrowser != nil {
		out, reg, err = c.loginPKCE(ctx, s, oc)
		if errors.Is(err, errNoBrowser) {
			c.debug("SSO login: no browser (%v); using the device flow", err)
			out, reg, err = c.loginDevice(ctx, s, oc, reg, reg.id != "", false)
		}
	} else {
		cachedReg, cached := c.cachedRegistration(old, s)
		out, reg, err = c.loginDevice(ctx, s, oc, cachedReg, cached, c.OpenBrowser != nil)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, fmt.Errorf("IAM Identity Center login to %s: not completed within %s", s.where(), c.loginTimeout())
		}
		return nil, fmt.Errorf("IAM Identity Center login to %s: %w", s.where(), err)
	}
	t := &token{
		StartURL: s.StartURL, Region: s.Region,
		AccessToken:           aws.ToString(out.AccessToken),
		ExpiresAt:             formatTime(c.now().Add(time.Duration(out.ExpiresIn) * time.Second)),
		ClientID:              reg.id,
		ClientSecret:          reg.secret,
		RegistrationExpiresAt: formatTime(reg.expires),
		RefreshToken:          aws.ToString(out.RefreshToken),
	}
	if t.AccessToken == "" || out.ExpiresIn <= 0 {
		return nil, fmt.Errorf("IAM Identity Center login to %s: CreateToken answered no token", s.where())
	}
	c.debug("SSO login to %s: done; token expires %s, refresh token %t", s.where(), t.ExpiresAt, t.RefreshToken != "")
	return t, nil
}

func (c *Client) register(ctx context.Context, s Settings, oc *ssooidc.Client, pkce bool) (registration, error) {
	in := &ssooidc.RegisterClientInput{
		ClientName: aws.String(c.clientName()), ClientType: aws.String("public"), Scopes: s.scopes(),
	}
	if pkce {
		// The device grant too, so that the registration serves a later
		// device login.
		in.GrantTypes = []string{grantAuthorizationCode, grantRefreshToken, grantDeviceCode}
		in.RedirectUris = []string{"http://127.0.0.1" + callbackPath}
		in.IssuerUrl = aws.String(s.StartURL)
	}
	out, err := oc.RegisterClient(ctx, in)
	if err != nil {
		return registration{}, fmt.Errorf("RegisterClient: %w", err)
	}
	if aws.ToString(out.ClientId) == "" || aws.ToString(out.ClientSecret) == "" {
		return registration{}, errors.New("RegisterClient answered no client")
	}
	c.debug("SSO login: registered client %s", aws.ToString(out.ClientId))
	return registration{id: *out.ClientId, secret: *out.ClientSecret, expires: time.Unix(out.ClientSecretExpiresAt, 0)}, nil
}

// cachedRegistration is the registration of the token file, while it has a
// day left at least.
func (c *Client) cachedRegistration(old *token, s Settings) (registration, bool) {
	if old == nil || old.ClientID == "" || old.ClientSecret == "" || (old.StartURL != "" && old.StartURL != s.StartURL) {
		return registration{}, false
	}
	exp := old.registrationExpires()
	if exp.Sub(c.now()) < 24*time.Hour {
		return registration{}, false
	}
	return registration{id: old.ClientID, secret: old.ClientSecret, expires: exp}, true
}

// loginDevice is the device authorization grant (RFC 8628): the user
// opens the verification URL anywhere, checks the code, and approves
// while this polls CreateToken.
// reg is a registration to try first when cached.
func (c *Client) loginDevice(ctx context.Context, s Settings, oc *ssooidc.Client, reg registration, cached, openBrowser bool) (*ssooidc.CreateTokenOutput, registration, error) {
	var dev *ssooidc.StartDeviceAuthorizationOutput
	for {
		var err error
		if !cached {
			if reg, err = c.register(ctx, s, oc, false); err != nil {
				return nil, reg, err
			}
		}
		dev, err = oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: aws.String(reg.id), ClientSecret: aws.String(reg.secret), StartUrl: aws.String(s.StartURL),
		})
		if err != nil && cached && sessionOver(err) {
			c.debug("SSO login: cached client registration refused (%s); registering again", errorCode(err))
			cached = false
			continue
		}
		if err != nil {
			return nil, reg, fmt.Errorf("StartDeviceAuthorization: %w", err)
		}
		break
	}
	verify := aws.ToString(dev.VerificationUriComplete)
	if verify == "" {
		verify = aws.ToString(dev.VerificationUri)
	}
	c.Notify(fmt.Sprintf("To sign in to IAM Identity Center (%s), open this URL in a browser:\n\n  %s\n\nand check that it shows the code:\n\n  %s\n",
		quote(s.StartURL), cleanURL(verify), cleanText(aws.ToString(dev.UserCode))))
	if openBrowser {
		// In the background: the polling starts at once, whether or not a
		// browser ever opens the page; the page goes when the login ends.
		bctx, cancel := context.WithCancel(ctx)
		opened := make(chan struct{})
		go func() {
			defer close(opened)
			if err := c.OpenBrowser(bctx, verify); err != nil {
				c.debug("SSO login: no browser opened: %v", err)
			}
		}()
		defer func() { cancel(); <-opened }()
	}
	interval := time.Duration(dev.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	deadline := c.now().Add(time.Duration(dev.ExpiresIn) * time.Second)
	for {
		out, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: aws.String(reg.id), ClientSecret: aws.String(reg.secret),
			GrantType: aws.String(grantDeviceCode), DeviceCode: dev.DeviceCode,
		})
		var pending *oidctypes.AuthorizationPendingException
		var slow *oidctypes.SlowDownException
		switch {
		case err == nil:
			return out, reg, nil
		case errors.As(err, &slow):
			interval += 5 * time.Second // RFC 8628, 3.5
		case !errors.As(err, &pending):
			var ad *oidctypes.AccessDeniedException
			var et *oidctypes.ExpiredTokenException
			if errors.As(err, &ad) {
				return nil, reg, errors.New("the request was denied in the browser")
			}
			if errors.As(err, &et) {
				return nil, reg, errors.New("the code expired before it was approved")
			}
			return nil, reg, fmt.Errorf("CreateToken: %w", err)
		}
		if dev.ExpiresIn > 0 && !c.now().Before(deadline) {
			return nil, reg, errors.New("the code expired before it was approved")
		}
		if err := c.sleep(ctx, interval); err != nil {
			return nil, reg, err
		}
	}
}

var errNoBrowser = errors.New("no browser")

// loginPKCE is the authorization code flow with PKCE (RFC 7636) and a
// loopback redirect (RFC 8252), as the AWS CLI v2 does by default.
func (c *Client) loginPKCE(ctx context.Context, s Settings, oc *ssooidc.Client) (*ssooidc.CreateTokenOutput, registration, error) {
	// A new registration each time: one from the token file may be the
	// CLI's device-only client, which would fail only in the browser.
	reg, err := c.register(ctx, s, oc, true)
	if err != nil {
		return nil, reg, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, reg, fmt.Errorf("%w: cannot listen for the redirect: %v", errNoBrowser, err)
	}
	defer l.Close()
	redirect := "http://" + l.Addr().String() + callbackPath
	verifier := randomString(64)
	state := randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {reg.id},
		"redirect_uri":          {redirect},
		"state":                 {state},
		"code_challenge_method": {"S256"},
		"scopes":                {strings.Join(s.scopes(), " ")},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
	}
	authorize := strings.TrimRight(c.oidcBase(s), "/") + "/authorize?" + q.Encode()

	type result struct{ code, err string }
	got := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		qs := r.URL.Query()
		if r.URL.Path != callbackPath || subtle.ConstantTimeCompare([]byte(qs.Get("state")), []byte(state)) != 1 {
			// Not our redirect (another tab, a stale one, a guess).
			http.Error(w, "This is not the sign-in this aws-runas is waiting for.", http.StatusBadRequest)
			return
		}
		res := result{code: qs.Get("code"), err: qs.Get("error")}
		if res.code == "" && res.err == "" {
			res.err = "no code"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if res.err != "" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte("<!DOCTYPE html><title>aws-runas</title><p>aws-runas: the sign-in was not completed. You may close this tab.</p>\n"))
		} else {
			_, _ = w.Write([]byte("<!DOCTYPE html><title>aws-runas</title><p>aws-runas: signed in. You may close this tab.</p>\n"))
		}
		select {
		case got <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	c.Notify(fmt.Sprintf("Opening your browser to sign in to IAM Identity Center (%s).\nIf it does not open, open this URL on this machine:\n\n  %s\n",
		quote(s.StartURL), cleanURL(authorize)))
	if err := c.OpenBrowser(ctx, authorize); err != nil {
		return nil, reg, fmt.Errorf("%w: %v", errNoBrowser, err)
	}
	var res result
	select {
	case res = <-got:
	case <-ctx.Done():
		return nil, reg, ctx.Err()
	}
	if res.err != "" {
		return nil, reg, fmt.Errorf("the browser answered %s", quote(res.err))
	}
	out, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String(reg.id), ClientSecret: aws.String(reg.secret),
		GrantType: aws.String(grantAuthorizationCode), Code: aws.String(res.code),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
	})
	if err != nil {
		return nil, reg, fmt.Errorf("CreateToken: %w", err)
	}
	return out, reg, nil
}

// randomString is n random bytes, base64url: a PKCE verifier (43 to 128
// characters) or a state.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cleanURL shows a URL from a server on a terminal: control characters
// escaped, nothing else changed.
func cleanURL(s string) string { return cleanText(s) }

func cleanText(s string) string { return termtext.Escape(s) }

func mkdirPrivate(path string) error {
	return os.MkdirAll(filepath.Dir(path), 0o700)
}
