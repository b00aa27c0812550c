package ssotest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// The user, played over HTTP as by a browser without JavaScript: it reads
// a page, fills in its form and presses a button, as a person would.

// ApproveDevice opens the device flow's verification page (the
// verificationUri the client showed), enters userCode unless the page has
// it already, and presses Allow (or Deny).
func ApproveDevice(ctx context.Context, hc *http.Client, verificationURL, userCode string, allow bool) error {
	f, err := getForm(ctx, hc, verificationURL)
	if err != nil {
		return err
	}
	if f.values.Get("user_code") == "" {
		f.values.Set("user_code", userCode)
	}
	resp, err := f.submit(ctx, hc, allow)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Request ") {
		return fmt.Errorf("verification page answered %s", resp.Status)
	}
	return nil
}

// Authorize opens the authorization code flow's /authorize URL, presses
// Allow (or Deny), and follows the redirect to the client's loopback
// redirect URI. It returns the body the client's redirect page answered.
func Authorize(ctx context.Context, hc *http.Client, authorizeURL string, allow bool) (string, error) {
	f, err := getForm(ctx, hc, authorizeURL)
	if err != nil {
		return "", err
	}
	resp, err := f.submit(ctx, hc, allow)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != 200 {
		return string(body), fmt.Errorf("redirect target %s answered %s", resp.Request.URL.Redacted(), resp.Status)
	}
	return string(body), nil
}

type form struct {
	action *url.URL
	values url.Values
}

func getForm(ctx context.Context, hc *http.Client, page string) (*form, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s answered %s", req.URL.Path, resp.Status)
	}
	doc, err := html.Parse(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var f *form
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "form" && f == nil:
				action, _ := resp.Request.URL.Parse(attr(n, "action"))
				f = &form{action: action, values: url.Values{}}
			case n.Data == "input" && f != nil && attr(n, "name") != "":
				f.values.Set(attr(n, "name"), attr(n, "value"))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if f == nil {
		return nil, fmt.Errorf("%s shows no form", req.URL.Path)
	}
	return f, nil
}

func (f *form) submit(ctx context.Context, hc *http.Client, allow bool) (*http.Response, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	v := url.Values{}
	for k, vs := range f.values {
		v[k] = vs
	}
	v.Set("action", map[bool]string{true: "allow", false: "deny"}[allow])
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.action.String(), strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return hc.Do(req)
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
