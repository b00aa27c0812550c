package idptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// BrowserUser plays the user in a browser that another program (aws-runas)
// opened and drives: it finds the tab that shows the IdP, through the
// DevTools port the browser was started with (--remote-debugging-port=0
// and --user-data-dir=Dir, which make it write Dir/DevToolsActivePort),
// and types into the sign-in form there, as a person would.
type BrowserUser struct {
	// Dir is the browser's --user-data-dir.
	Dir string
	// Timeout bounds each wait; 0 means 30s.
	Timeout time.Duration
}

// devtools is the DevTools address the browser in Dir listens on.
func (b BrowserUser) devtools() (port, wsPath string, err error) {
	data, err := os.ReadFile(filepath.Join(b.Dir, "DevToolsActivePort"))
	if err != nil {
		return "", "", err
	}
	lines := strings.Fields(string(data))
	if len(lines) < 2 {
		return "", "", errors.New("DevToolsActivePort is incomplete")
	}
	return lines[0], lines[1], nil
}

type devtoolsTarget struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	URL  string `json:"url"`
}

// findTab waits for a page whose URL starts with prefix.
func (b BrowserUser) findTab(ctx context.Context, prefix string) (port, wsPath, id string, err error) {
	var last error
	for {
		if port, wsPath, err = b.devtools(); err == nil {
			var ts []devtoolsTarget
			if ts, err = listTargets(ctx, port); err == nil {
				for _, t := range ts {
					if t.Type == "page" && strings.HasPrefix(t.URL, prefix) {
						return port, wsPath, t.ID, nil
					}
				}
				err = fmt.Errorf("no tab shows %s yet (tabs: %v)", prefix, ts)
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return "", "", "", fmt.Errorf("waiting for the browser: %v (last: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func listTargets(ctx context.Context, port string) ([]devtoolsTarget, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/json/list", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ts []devtoolsTarget
	return ts, json.NewDecoder(resp.Body).Decode(&ts)
}

func (b BrowserUser) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	d := b.Timeout
	if d == 0 {
		d = 30 * time.Second
	}
	return context.WithTimeout(parent, d)
}

// SignIn waits for the tab that shows the IdP at idpURL, and signs in
// there with the user name and password, and the one-time code if otp is
// not "".
func (b BrowserUser) SignIn(parent context.Context, idpURL, user, password, otp string) error {
	ctx, cancel := b.ctx(parent)
	defer cancel()
	port, wsPath, id, err := b.findTab(ctx, idpURL)
	if err != nil {
		return err
	}
	alloc, cancelAlloc := remote.NewAllocator(ctx, "ws://127.0.0.1:"+port+wsPath, remote.NoModifyURL)
	defer cancelAlloc()
	// Attach to aws-runas's tab; leave it open when done.
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithTargetID(target.ID(id)), chromedp.WithDetachOnCancel())
	defer cancelTab()
	if err := chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#submit")),
	); err != nil {
		return fmt.Errorf("the sign-in form: %w", err)
	}
	if otp == "" {
		return nil
	}
	if err := chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.CSS("#otp")),
		chromedp.SendKeys(chromedp.CSS("#otp"), otp),
		chromedp.Click(chromedp.CSS("#submit")),
	); err != nil {
		return fmt.Errorf("the one-time-code form: %w", err)
	}
	return nil
}

// Close waits for the tab that shows the IdP at idpURL, then closes it, as
// a user who gives up closes the window.
func (b BrowserUser) Close(parent context.Context, idpURL string) error {
	ctx, cancel := b.ctx(parent)
	defer cancel()
	port, wsPath, id, err := b.findTab(ctx, idpURL)
	if err != nil {
		return err
	}
	alloc, cancelAlloc := remote.NewAllocator(ctx, "ws://127.0.0.1:"+port+wsPath, remote.NoModifyURL)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithTargetID(target.ID(id)), chromedp.WithDetachOnCancel())
	defer cancelTab()
	// Closed from the browser's side, as the window's close button does.
	if _, err := chromedp.CallBrowser(tab, target.CloseTarget, target.CloseTargetParams{TargetID: target.ID(id)}); err != nil {
		return fmt.Errorf("closing the tab: %w", err)
	}
	return nil
}
