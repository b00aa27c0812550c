package saml

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/aws-runas/aws-runas/internal/childenv"
	"github.com/aws-runas/aws-runas/signon"
)

// The browser provider opens a Chromium-family browser (Chrome, Chromium,
// Edge) that aws-runas drives through the DevTools protocol. The user signs
// in as usual, with any second factor the IdP asks for. The browser
// intercepts the IdP's POST to AWS's sign-in endpoint (SAML_ACS_URL's
// URLs instead, when set) before it leaves the machine, answers it with a
// page of its own, and aws-runas takes the SAMLResponse from its body.
//
// The browser keeps its profile (cookies, so the IdP's "stay signed in")
// in .aws-runas.browser beside the cache. Settings, for machines and
// tests where the defaults do not fit:
//
//	AWS_RUNAS_BROWSER        the browser's program (default: the first of
//	                         chromedp's list: chrome, chromium, msedge...)
//	AWS_RUNAS_BROWSER_FLAGS  more command-line flags, space-separated, such
//	                         as --user-data-dir=DIR or --headless; with
//	                         --remote-debugging-port, DevTools listens there
//	AWS_RUNAS_BROWSER_URL    the DevTools address (http://127.0.0.1:9222 or
//	                         ws://...) of a browser that runs already:
//	                         aws-runas opens its sign-in tab there, and
//	                         closes only that tab
const (
	samlBrowserEnv      = "AWS_RUNAS_BROWSER"
	samlBrowserFlagsEnv = "AWS_RUNAS_BROWSER_FLAGS"
	samlBrowserURLEnv   = "AWS_RUNAS_BROWSER_URL"
)

// browserSignInTimeout is how long the user has to sign in, unless
// $AWS_RUNAS_LOGIN_TIMEOUT says otherwise (signon.LoginTimeout).
var browserSignInTimeout = 10 * time.Minute

// browserDonePage answers the intercepted POST in the browser.
const browserDonePage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>aws-runas</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>Signed in</h1><p>aws-runas has the sign-in it needs. This window closes by itself.</p></body></html>
`

// errBrowserClosed is the sign-in that the user ended.
var errBrowserClosed = errors.New("the browser was closed before the sign-in finished")

func (j *job) samlBrowser(ctx context.Context, c *samlConfig) (string, error) {
	if !j.env.CanAsk() {
		return "", &signon.InputNeededError{What: fmt.Sprintf("profile %q: signing in at %s needs you in a browser: run without --non-interactive", c.profile, c.where())}
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("profile %q: signing in at %s in a browser: %s", c.profile, c.where(), fmt.Sprintf(format, args...))
	}
	timeout, err := signon.LoginTimeout(j.env.Getenv, browserSignInTimeout)
	if err != nil {
		return "", err
	}
	// The time allowed starts now: waiting for another run's browser
	// sign-in is part of it.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// One browser profile, so one browser sign-in at a time.
	unlock := j.env.Cache.Lock(samlKind, "browser")
	defer unlock()
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fail("no sign-in within %s (another sign-in held the browser)", timeout)
		}
		return "", err
	}

	// The browser lives until the deferred close below, not until ctx
	// ends: a browser killed by the timeout or an interrupt would not
	// write its cookies (the IdP's session) to the profile.
	bctx := context.WithoutCancel(ctx)
	var allocCtx context.Context
	var allocCancel context.CancelFunc
	started := false // by aws-runas, not attached to
	if addr := j.env.Getenv(samlBrowserURLEnv); addr != "" {
		j.env.Debug("browser: attaching to %s", addr)
		allocCtx, allocCancel = remote.NewAllocator(bctx, addr)
	} else {
		opts, err := j.browserOptions()
		if err != nil {
			return "", fail("%v", err)
		}
		allocCtx, allocCancel = chromedp.NewExecAllocator(bctx, opts...)
		started = true
	}
	defer allocCancel()
	tabCtx, tabCancel := chromedp.NewContext(allocCtx)
	defer func() {
		// Close the browser gracefully, so that it writes its cookies
		// (the IdP's session) to the profile; a browser that aws-runas
		// attached to keeps running, without the sign-in tab. The close
		// gets time of its own, whatever ended the sign-in; WithoutCancel
		// keeps only the tab that chromedp.Cancel closes.
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(tabCtx), 10*time.Second)
		if err := chromedp.Cancel(cctx); err != nil {
			j.env.Debug("browser: closing: %v", err)
		}
		ccancel()
		tabCancel()
		if c := chromedp.FromContext(tabCtx); started && c != nil && c.Browser != nil {
			// The browser aws-runas started never outlives it.
			if p := c.Browser.Process(); p != nil {
				_ = p.Kill()
			}
		}
	}()

	// Starts the browser, opens the tab, and holds every request to the
	// consumer before it is sent.
	if _, err := chromedp.Call(tabCtx, fetch.Enable, fetch.EnableParams{Patterns: c.browserPatterns()}); err != nil {
		return "", fail("%v", browserStartError(err))
	}
	evCtx, evCancel := context.WithCancel(tabCtx)
	defer evCancel()
	paused := make(chan fetch.EventRequestPaused)
	events := chromedp.Events(evCtx, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			select {
			case paused <- ev:
			case <-evCtx.Done():
				return
			}
		}
	}()
	detached, err := chromedp.Detached(tabCtx)
	if err != nil {
		return "", fail("%v", err)
	}

	closed := watchTab(evCtx, tabCtx, detached)

	fmt.Fprintf(samlStderr, "Sign in at %s in the browser window aws-runas opened (waiting up to %s).\n", c.where(), timeout)
	navigated := make(chan error, 1)
	go func() { navigated <- chromedp.Do(tabCtx, chromedp.Navigate(c.authURL.String())) }()
	for {
		select {
		case ev := <-paused:
			response, err := j.browserRequest(tabCtx, c, &ev)
			if err != nil {
				return "", fail("%v", err)
			}
			if response != "" {
				return response, nil
			}
		case err := <-navigated:
			navigated = nil
			var le *chromedp.LoadError
			if err == nil || !errors.As(err, &le) || strings.Contains(err.Error(), "ERR_ABORTED") {
				// Loaded, or left for another page (or the window was
				// closed, which the next round tells).
				continue
			}
			select {
			case <-closed:
				return "", fail("%v", errBrowserClosed)
			default:
			}
			return "", fail("cannot open %s: %v", signon.SafeURL(c.authURL), signon.Clean(err.Error()))
		case <-closed:
			return "", fail("%v", errBrowserClosed)
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", fail("no sign-in within %s (%s sets the time allowed)", timeout, signon.LoginTimeoutVar)
			}
			return "", ctx.Err()
		case <-tabCtx.Done():
			return "", fail("%v", errBrowserClosed)
		}
	}
}

// watchTab returns a channel that closes when the sign-in tab is gone: the
// user closed it, or the whole browser. The detach event alone is not
// enough: a tab closed while the browser is busy (a loaded machine) has
// been seen to give none, and aws-runas then waited out its whole sign-in
// time. So the browser's list of targets is also read once a second.
func watchTab(ctx, tabCtx context.Context, detached <-chan struct{}) <-chan struct{} {
	closed := make(chan struct{})
	var id target.ID
	if c := chromedp.FromContext(tabCtx); c != nil && c.Target != nil {
		id = c.Target.TargetID
	}
	go func() {
		defer close(closed)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-detached:
				return
			case <-tabCtx.Done():
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			targets, err := chromedp.Targets(tabCtx)
			if err != nil {
				continue // the connection's end shows as tabCtx.Done
			}
			if !slices.ContainsFunc(targets, func(t *target.Info) bool { return t.TargetID == id }) {
				return
			}
		}
	}()
	return closed
}

// browserRequest handles a request held on its way to the consumer: the
// POST with the SAML response is answered with browserDonePage and its
// response returned; anything else is not let through.
func (j *job) browserRequest(ctx context.Context, c *samlConfig, ev *fetch.EventRequestPaused) (string, error) {
	req := ev.Request
	u, err := url.Parse(req.URL)
	if err == nil && req.Method == "POST" && c.isACS(u) {
		var body []byte
		for _, e := range req.PostDataEntries {
			body = append(body, e.Bytes...)
		}
		if len(body) == 0 && req.HasPostData && ev.NetworkID != "" {
			// Too large for the event: ask for it.
			res, err := chromedp.Call(ctx, network.GetRequestPostData, network.GetRequestPostDataParams{RequestID: ev.NetworkID})
			if err != nil {
				return "", fmt.Errorf("reading the SAML response: %v", err)
			}
			body = res.PostData
		}
		vals, _ := url.ParseQuery(string(body))
		if response := vals.Get("SAMLResponse"); response != "" {
			j.env.Debug("browser: SAML response for %s", signon.SafeURL(u))
			_, err := chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID:       ev.RequestID,
				ResponseCode:    200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}, {Name: "Cache-Control", Value: "no-store"}},
				Body:            []byte(browserDonePage),
			})
			if err != nil {
				j.env.Debug("browser: answering the POST: %v", err)
			}
			return response, nil
		}
	}
	j.env.Debug("browser: held back %s %s", req.Method, signon.SafeURLString(req.URL))
	if _, err := chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient}); err != nil {
		j.env.Debug("browser: %v", err)
	}
	return "", nil
}

// browserPatterns are the URLs the browser holds: the consumers of isACS,
// with whatever follows.
func (c *samlConfig) browserPatterns() []*fetch.RequestPattern {
	var ps []*fetch.RequestPattern
	add := func(p string) {
		ps = append(ps, &fetch.RequestPattern{URLPattern: p, RequestStage: fetch.RequestStageRequest})
	}
	if c.acs != nil {
		for _, a := range c.acs {
			add(fetchEscape(a.Scheme+"://"+a.Host+a.Path) + "*")
		}
		return ps
	}
	for _, h := range awsSignInHosts {
		add("https://" + h + "/*")
		add("https://*." + h + "/*")
	}
	return ps
}

// fetchEscape escapes the wildcards of a Fetch URL pattern.
func fetchEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s)
}

// browserOptions are the exec allocator's: a visible window unless the
// flags ask for a headless browser, the profile beside the cache.
func (j *job) browserOptions() ([]chromedp.ExecAllocatorOption, error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// A profile for signing in, not for browsing: no account sync.
		chromedp.Flag("disable-sync", true),
		// The browser gets no secret: not the IdP password, nor keys.
		chromedp.NoInheritEnv,
		chromedp.Env(childenv.WithoutSecrets(os.Environ())...),
	}
	if p := j.env.Getenv(samlBrowserEnv); p != "" {
		opts = append(opts, chromedp.ExecPath(p))
	}
	if j.env.Cache != nil {
		dir := filepath.Join(j.env.Cache.Dir, ".aws-runas.browser")
		if err := privateDir(dir); err != nil {
			return nil, err
		}
		opts = append(opts, chromedp.UserDataDir(dir))
	}
	headless, port := false, false
	for _, f := range strings.Fields(j.env.Getenv(samlBrowserFlagsEnv)) {
		name, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if name == "" || !strings.HasPrefix(f, "--") {
			return nil, fmt.Errorf("%s: %q is not a --flag", samlBrowserFlagsEnv, f)
		}
		switch name {
		case "headless":
			headless = true
		case "remote-debugging-port", "remote-debugging-address":
			port = true
		}
		if hasValue {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	if !headless {
		opts = append(opts, chromedp.VisibleWindow)
	}
	if port {
		// DevTools on a port needs the websocket transport.
		opts = append(opts, remote.WebSocket)
	}
	return opts, nil
}

// privateDir makes dir, the browser's profile, or checks it: it holds the
// IdP's session cookies, which sign in as the user. A symbolic link could
// send them where another user reads them (or swap the profile for one
// that user prepared), so it is refused; a directory that others can open
// is made private.
func privateDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return err
	}
	fi, err := os.Lstat(dir)
	switch {
	case err != nil:
		return err
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("the browser profile %s is a symbolic link; refused (remove it)", dir)
	case !fi.IsDir():
		return fmt.Errorf("the browser profile %s is not a directory", dir)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0:
		// Windows has no mode bits: the profile there is as private as
		// the cache directory's ACL.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("the browser profile %s is open to other users and cannot be made private: %v", dir, err)
		}
	}
	return nil
}

// browserStartError explains a browser that did not start.
func browserStartError(err error) error {
	switch {
	case errors.Is(err, chromedp.ErrNoDisplay):
		return fmt.Errorf("no display for a browser window (DISPLAY and WAYLAND_DISPLAY are unset): use saml_provider = form or okta, or set %s to the DevTools address of a browser", samlBrowserURLEnv)
	case errors.Is(err, os.ErrNotExist) || strings.Contains(err.Error(), "executable file not found"):
		return fmt.Errorf("cannot start a browser (%v): install Chrome or Chromium, or set %s to its program", err, samlBrowserEnv)
	}
	return fmt.Errorf("cannot start the browser: %v", err)
}
