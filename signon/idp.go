package signon

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws-runas/aws-runas/internal/endpoint"
	"github.com/aws-runas/aws-runas/internal/termtext"
)

// Clean shortens what an identity provider or STS says for one line of a
// terminal: runs of white space become one space, long text is cut (by
// runes, so no UTF-8 sequence is split), and what is left is escaped by
// termtext.Escape.
func Clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "..."
	}
	return termtext.Escape(s)
}

// HTTPClient is the HTTP client of every sign-in (SAML and OIDC). Its
// redirects may lead only to https, or to http on this machine: a
// redirect is the IdP's to choose, and an IdP (or whoever answers in its
// place) must not be able to send the next request, with its cookies or a
// password, across the network in the clear, whatever the scheme of the
// request before it.
func HTTPClient(timeout time.Duration, debug func(string, ...any)) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 20 {
				return errors.New("too many redirects")
			}
			if !endpoint.Secure(req.URL) {
				return fmt.Errorf("redirected to %s://%s, not https; refused", req.URL.Scheme, req.URL.Host)
			}
			debug("IdP: redirected to %s", SafeURL(req.URL))
			return nil
		},
	}
}

// StripURLError drops the *url.Error around err: it repeats the request's
// URL, query and all, and queries carry passwords (a GET form) and tokens
// (Okta's sessionToken).
func StripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// SafeURL shows a URL without its query, which may carry tokens.
func SafeURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.Path
}

// SafeURLString is SafeURL of a URL given as text.
func SafeURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL)"
	}
	return SafeURL(u)
}
