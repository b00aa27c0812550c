package saml

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/prompt"
	"github.com/aws-runas/aws-runas/signon"
)

// An IdP session is the cookies an identity provider set at sign-in. They
// are kept in a private file beside the cache, one per IdP host and user,
// so that the next sign-in (another role, a refresh, the shell hook) gets
// a SAML response without a password while the IdP's session lasts.

const samlSessionVersion = 1

// samlJar is a cookie jar that remembers what it was given, so that it
// can be written to a file and read back. Session cookies are kept too:
// the IdP decides, by refusing them, when its session has ended.
type samlJar struct {
	mu   sync.Mutex
	jar  *cookiejar.Jar
	kept []samlCookie
	now  func() time.Time
}

// samlCookie is one cookie as its server set it.
type samlCookie struct {
	URL      string    `json:"url"` // scheme://host/path of the response that set it
	Name     string    `json:"name"`
	Value    string    `json:"value"`
	Domain   string    `json:"domain,omitempty"`
	Path     string    `json:"path,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
	Secure   bool      `json:"secure,omitempty"`
	HTTPOnly bool      `json:"http_only,omitempty"`
}

type samlSessionFile struct {
	Version int          `json:"version"`
	Cookies []samlCookie `json:"cookies"`
}

func newSAMLJar(now func() time.Time) *samlJar {
	j := &samlJar{now: now}
	j.reset()
	return j
}

// reset forgets every cookie.
func (j *samlJar) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jar, _ = cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List}) // never fails
	j.kept = nil
}

func (j *samlJar) empty() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.kept) == 0
}

func (j *samlJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.jar.Cookies(u)
}

func (j *samlJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	j.jar.SetCookies(u, relativeExpiry(cookies, now))
	for _, c := range cookies {
		k := samlCookie{URL: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(), Name: c.Name, Value: c.Value,
			Domain: strings.ToLower(strings.TrimPrefix(c.Domain, ".")), Path: c.Path, Secure: c.Secure, HTTPOnly: c.HttpOnly}
		switch {
		case c.MaxAge < 0:
			k.Expires = now.Add(-time.Hour)
		case c.MaxAge > 0:
			k.Expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		case !c.Expires.IsZero():
			k.Expires = c.Expires
		}
		// A cookie replaces the one of the same name, domain and path.
		host := strings.ToLower(u.Hostname())
		j.kept = slices.DeleteFunc(j.kept, func(o samlCookie) bool {
			ou, _ := url.Parse(o.URL)
			return o.Name == k.Name && o.Path == k.Path && o.Domain == k.Domain && (k.Domain != "" || ou != nil && strings.EqualFold(ou.Hostname(), host))
		})
		if k.Expires.IsZero() || k.Expires.After(now) {
			j.kept = append(j.kept, k)
		}
	}
}

// relativeExpiry gives each cookie with an Expires time a Max-Age instead,
// counted from now. net/http/cookiejar reads the system clock; the jar's
// own clock (a test's, or a cookie file read back later) decides when a
// cookie has expired.
func relativeExpiry(cookies []*http.Cookie, now time.Time) []*http.Cookie {
	out := make([]*http.Cookie, len(cookies))
	for i, c := range cookies {
		cc := *c
		if cc.MaxAge == 0 && !cc.Expires.IsZero() {
			cc.MaxAge = int(cc.Expires.Sub(now) / time.Second)
			if cc.MaxAge <= 0 {
				cc.MaxAge = -1
			}
			cc.Expires = time.Time{}
		}
		out[i] = &cc
	}
	return out
}

// load reads the cookies of the file at path into the jar. A file that is
// missing, not private, corrupt or of another version is ignored.
func (j *samlJar) load(path string, debug func(string, ...any)) {
	var sf samlSessionFile
	if !cache.ReadPrivateJSON(path, &sf, debug) {
		return
	}
	if sf.Version != samlSessionVersion {
		debug("IdP session %s: of another version, ignored", path)
		return
	}
	now := j.now()
	for _, k := range sf.Cookies {
		u, err := url.Parse(k.URL)
		if err != nil || u.Host == "" || (!k.Expires.IsZero() && !k.Expires.After(now)) {
			continue
		}
		c := &http.Cookie{Name: k.Name, Value: k.Value, Domain: k.Domain, Path: k.Path, Expires: k.Expires, Secure: k.Secure, HttpOnly: k.HTTPOnly}
		j.SetCookies(u, []*http.Cookie{c})
	}
}

// save writes the jar's cookies to path, private and atomically.
func (j *samlJar) save(path string) error {
	j.mu.Lock()
	now := j.now()
	sf := samlSessionFile{Version: samlSessionVersion, Cookies: []samlCookie{}}
	for _, k := range j.kept {
		if k.Expires.IsZero() || k.Expires.After(now) {
			sf.Cookies = append(sf.Cookies, k)
		}
	}
	j.mu.Unlock()
	data, err := json.Marshal(sf)
	if err != nil {
		return err
	}
	return cache.WriteFileAtomic(path, data)
}

// samlHTTPClient is an HTTP client for an IdP, with the session's cookies.
type samlHTTPClient struct {
	hc    *http.Client
	jar   *samlJar
	debug func(string, ...any)
}

// maxIdPBody bounds what is read of one IdP answer.
const maxIdPBody = 4 << 20

func newSAMLHTTPClient(jar *samlJar, debug func(string, ...any)) *samlHTTPClient {
	c := &samlHTTPClient{jar: jar, debug: debug}
	c.hc = signon.HTTPClient(30*time.Second, debug)
	c.hc.Jar = jar
	return c
}

// samlPage is one answer of an IdP.
type samlPage struct {
	url    *url.URL // after redirects
	status int
	body   []byte
	ctype  string
}

func (c *samlHTTPClient) do(req *http.Request) (*samlPage, error) {
	req.Header.Set("User-Agent", "aws-runas")
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
	}
	c.debug("IdP: %s %s", req.Method, signon.SafeURL(req.URL))
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, signon.SafeURL(req.URL), signon.StripURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIdPBody))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", signon.SafeURL(resp.Request.URL), err)
	}
	return &samlPage{url: resp.Request.URL, status: resp.StatusCode, body: body, ctype: resp.Header.Get("Content-Type")}, nil
}

func (c *samlHTTPClient) get(ctx context.Context, u *url.URL) (*samlPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", signon.SafeURL(u), signon.StripURLError(err))
	}
	return c.do(req)
}

// samlHTTP signs in with plain HTTP (form, okta), starting from the IdP
// session that an earlier sign-in left, and keeps the session for the next.
func (j *job) samlHTTP(ctx context.Context, c *samlConfig) (string, error) {
	// Runs that sign in at the same IdP as the same user wait for each
	// other, so the later ones find the session and ask nothing.
	unlock := j.env.Cache.Lock(samlKind, c.sessionKey())
	defer unlock()
	jar := newSAMLJar(j.env.Now)
	path := ""
	if j.env.Cache != nil {
		path = j.env.Cache.Path(samlKind, c.sessionKey(), ".json")
		jar.load(path, j.env.Debug)
	}
	hc := newSAMLHTTPClient(jar, j.env.Debug)
	hadSession := !jar.empty()
	var response string
	var err error
	if c.provider == samlOkta {
		response, err = j.oktaSignIn(ctx, c, hc)
	} else {
		response, err = j.formSignIn(ctx, c, hc)
	}
	if path == "" {
		return response, err
	}
	if err != nil {
		var in *signon.InputNeededError
		if hadSession && (errors.As(err, &in) || errors.Is(err, prompt.ErrNoOneToAsk)) {
			// The session has ended: the next run need not try it.
			if rerr := os.Remove(path); rerr != nil && !os.IsNotExist(rerr) {
				j.env.Debug("IdP session %s: %v", path, rerr)
			}
		}
		return "", err
	}
	if serr := jar.save(path); serr != nil {
		j.env.Cache.WarnOnce(serr)
	}
	return response, nil
}
