package oidc

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/aws-runas/aws-runas/internal/browser"
	"github.com/aws-runas/aws-runas/internal/endpoint"
	"github.com/aws-runas/aws-runas/signon"
)

// oidcOpenBrowser shows a URL in the user's browser (browser.Open: through
// a private redirect file, so that the URL, which carries the sign-in's
// one-time state, is on no command line). Tests replace it with a headless
// browser or an HTTP client; users can with $BROWSER.
var oidcOpenBrowser = openBrowser

func openBrowser(ctx context.Context, getenv func(string) string, u string) error {
	return browser.Open(ctx, u, getenv, os.Environ())
}

// openInBackground runs oidcOpenBrowser while the sign-in goes on; the
// returned func ends it (removing the redirect file) and waits for that.
func (c *oidcClient) openInBackground(ctx context.Context, u string) (stop func()) {
	octx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := oidcOpenBrowser(octx, c.env.Getenv, u); err != nil {
			c.env.Debug("OIDC: cannot open a browser: %v", err)
		}
	}()
	return func() { cancel(); <-done }
}

// parseLoopbackRedirect checks web_identity_redirect_uri: a loopback http
// URL (RFC 8252, 7.3). Without one, or without a port, any free port of
// 127.0.0.1 is used.
func parseLoopbackRedirect(s string) (*url.URL, error) {
	if s == "" {
		s = "http://127.0.0.1/"
	}
	u, err := url.Parse(s)
	bad := func() error {
		return fmt.Errorf("web_identity_redirect_uri %q must be a loopback http URL such as http://127.0.0.1:8400/callback (RFC 8252): aws-runas receives the sign-in on this machine", s)
	}
	if err != nil || u.Scheme != "http" || !endpoint.IsLoopback(u.Hostname()) || u.User != nil || u.Fragment != "" || u.RawQuery != "" {
		return nil, bad()
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 0 || n > 65535 || fmt.Sprint(n) != p {
			return nil, bad()
		}
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// listenLoopback listens where the redirect URI points. localhost is
// 127.0.0.1 and, where it can be had on the same port, ::1 too, for
// browsers that resolve localhost to ::1 first.
func listenLoopback(u *url.URL) ([]net.Listener, string, error) {
	host, port := u.Hostname(), cmp.Or(u.Port(), "0")
	first := host
	if strings.EqualFold(host, "localhost") {
		first = "127.0.0.1"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(first, port))
	if err != nil {
		return nil, "", err
	}
	_, actual, _ := net.SplitHostPort(l.Addr().String())
	ls := []net.Listener{l}
	if first != host {
		if l6, err := net.Listen("tcp", net.JoinHostPort("::1", actual)); err == nil {
			ls = append(ls, l6)
		}
	}
	return ls, actual, nil
}

// oidcAnswer is what the identity provider sent back to the redirect URI.
type oidcAnswer struct{ code, err, desc string }

// browserLogin is the authorization code flow with PKCE: the browser
// signs in at the identity provider, which redirects it to a listener on
// this machine with a code; the code and the PKCE verifier buy the tokens.
func (c *oidcClient) browserLogin(ctx context.Context) (*oidcTokenFile, error) {
	timeout, err := c.loginTimeout()
	if err != nil {
		return nil, err
	}
	prov, err := c.provider(ctx)
	if err != nil {
		return nil, err
	}
	red, err := parseLoopbackRedirect(c.redirectURI)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", c.profile, err)
	}
	listeners, port, err := listenLoopback(red)
	if err != nil {
		return nil, fmt.Errorf("profile %q: cannot receive the sign-in at %s: %v (is another sign-in running? another port can be set in web_identity_redirect_uri)", c.profile, red, err)
	}
	redirect := *red
	redirect.Host = net.JoinHostPort(red.Hostname(), port)
	cfg := c.config(prov, redirect.String())
	state, nonce, verifier := oidcRandom(), oidcRandom(), oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))

	// The browser is given a one-shot address of the listener, which
	// redirects to authURL: state, nonce and PKCE challenge stay off the
	// browser's command line, which other users of the machine can read.
	startHost := red.Hostname()
	if strings.EqualFold(startHost, "localhost") {
		startHost = "127.0.0.1" // always listened on (listenLoopback)
	}
	startPath := "/start/" + oidcRandom()
	startURL := "http://" + net.JoinHostPort(startHost, port) + startPath
	var started atomic.Bool

	answers := make(chan oidcAnswer, 1)
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == startPath && r.Method == http.MethodGet && started.CompareAndSwap(false, true) {
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("Referrer-Policy", "no-referrer")
				http.Redirect(w, r, authURL, http.StatusFound)
				return
			}
			if r.URL.Path != redirect.Path {
				http.NotFound(w, r)
				return
			}
			q := r.URL.Query()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			// A redirect of another sign-in (an old tab, a forged link)
			// is turned away; this one goes on waiting for its own.
			if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, oidcPage("This is not the sign-in aws-runas is waiting for", "Start the sign-in from the terminal again."))
				return
			}
			a := oidcAnswer{code: q.Get("code"), err: q.Get("error"), desc: q.Get("error_description")}
			if iss := q.Get("iss"); iss != "" && iss != c.issuer {
				// RFC 9207: an answer from another issuer is a mix-up.
				a = oidcAnswer{err: "invalid_request", desc: "the answer comes from another issuer, " + iss}
			}
			if a.code == "" && a.err == "" {
				a.err, a.desc = "invalid_request", "the redirect carries no code"
			}
			select {
			case answers <- a:
			default: // the first answer counts
			}
			if a.err != "" {
				fmt.Fprint(w, oidcPage("Sign-in failed", a.err+": "+a.desc+". Return to the terminal."))
				return
			}
			fmt.Fprint(w, oidcPage("Signed in", "You can close this window and return to the terminal."))
		}),
	}
	for _, l := range listeners {
		go func() { _ = srv.Serve(l) }()
	}
	defer func() {
		// Let the page of the answer reach the browser, then stop.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()

	fmt.Fprintf(oidcStderr, "Sign in at %s in your browser. If it does not open, open this URL:\n\n    %s\n\n", signon.Clean(c.issuer), startURL)
	c.env.Debug("OIDC: waiting for the sign-in at %s (up to %s)", redirect.String(), timeout)
	defer c.openInBackground(ctx, startURL)()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var a oidcAnswer
	select {
	case a = <-answers:
	case <-timer.C:
		return nil, fmt.Errorf("profile %q: no sign-in at %s within %s (was the browser closed?); run again to retry (%s sets the time allowed)", c.profile, c.issuer, timeout, signon.LoginTimeoutVar)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if a.err != "" {
		return nil, c.oauthError("sign-in", &oauth2.RetrieveError{ErrorCode: a.err, ErrorDescription: a.desc})
	}
	xctx, cancel := context.WithTimeout(ctx, oidcHTTPTimeout)
	defer cancel()
	tok, err := cfg.Exchange(c.ctx(xctx), a.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, c.oauthError("redeeming the sign-in code", err)
	}
	return c.verify(ctx, prov, tok, nonce)
}

// deviceLogin is the device authorization grant: the user enters a code
// at the identity provider on any device, while aws-runas polls for the
// tokens at the pace the provider asks for (interval, slow_down).
func (c *oidcClient) deviceLogin(ctx context.Context) (*oidcTokenFile, error) {
	timeout, err := c.loginTimeout()
	if err != nil {
		return nil, err
	}
	prov, err := c.provider(ctx)
	if err != nil {
		return nil, err
	}
	cfg := c.config(prov, "")
	if cfg.Endpoint.DeviceAuthURL == "" {
		return nil, fmt.Errorf("profile %q: %s offers no device sign-in (its discovery document has no device_authorization_endpoint): use web_identity_provider = %s", c.profile, c.issuer, oidcFlowBrowser)
	}
	actx, cancel := context.WithTimeout(ctx, oidcHTTPTimeout)
	da, err := cfg.DeviceAuth(c.ctx(actx))
	cancel()
	if err != nil {
		return nil, c.oauthError("starting a device sign-in", err)
	}
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return nil, fmt.Errorf("profile %q: %s answered the device sign-in without a code or a verification URL", c.profile, c.issuer)
	}

	fmt.Fprintf(oidcStderr, "To sign in at %s, open\n\n    %s\n\nand enter the code  %s\n", signon.Clean(c.issuer), signon.Clean(da.VerificationURI), signon.Clean(da.UserCode))
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(oidcStderr, "(or open %s)\n", signon.Clean(da.VerificationURIComplete))
	}
	if !da.Expiry.IsZero() {
		fmt.Fprintf(oidcStderr, "The code expires in %s.\n", time.Until(da.Expiry).Round(time.Second))
	}
	fmt.Fprintln(oidcStderr)
	// As aws sso login does: a browser on this machine, if there is one,
	// is spared the typing. Without one, the instructions above serve.
	open := cmp.Or(da.VerificationURIComplete, da.VerificationURI)
	defer c.openInBackground(ctx, open)()

	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tok, err := cfg.DeviceAccessToken(c.ctx(lctx), da)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !da.Expiry.IsZero() && !time.Now().Before(da.Expiry):
			return nil, fmt.Errorf("profile %q: the code expired before sign-in at %s was completed; run again", c.profile, c.issuer)
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("profile %q: no sign-in at %s within %s; run again to retry (%s sets the time allowed)", c.profile, c.issuer, timeout, signon.LoginTimeoutVar)
		}
		return nil, c.oauthError("device sign-in", err)
	}
	return c.verify(ctx, prov, tok, "")
}

// oidcPage is the small page the browser shows after the redirect: no
// script, no outside resources.
func oidcPage(title, text string) string {
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>aws-runas: ` + html.EscapeString(title) +
		`</title></head><body style="font-family:sans-serif;margin:3em"><h1>` + html.EscapeString(title) +
		`</h1><p>` + html.EscapeString(text) + `</p></body></html>`
}
