// Package browser opens a URL in the user's browser without handing the
// URL, or a secret, to anyone else.
package browser

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws-runas/aws-runas/internal/childenv"
	"github.com/aws-runas/aws-runas/internal/endpoint"
	"github.com/aws-runas/aws-runas/internal/termtext"
)

// openWait bounds how long Open keeps the redirect file for a browser
// that has not read it.
const openWait = 30 * time.Second

// Open shows target, a URL that may carry a secret or one-time token (a
// console sign-in, an OIDC authorization request), in the user's browser
// without putting it on the browser's command line, where other users
// could read it (ps, /proc/PID/cmdline): the URL goes into a private HTML
// file that redirects to it, the browser is given the file, and the file
// is removed once the browser has opened it (on Linux), when ctx ends (the
// sign-in it serves is over), or after openWait; Open returns then.
// The browser is $BROWSER (a list of commands as for xdg-open; %s stands
// for the file), else the system's opener, and gets environ without
// secrets (childenv). target may come from an identity provider (a device
// flow's verification URI): only a web address that may carry a secret
// (endpoint.Secure) reaches the browser, never a file: or smb: URL it would
// run or mount.
func Open(ctx context.Context, target string, getenv func(string) string, environ []string) error {
	if u, err := url.Parse(target); err != nil || !endpoint.Secure(u) || strings.HasPrefix(target, "-") {
		return fmt.Errorf("not opening %q in a browser: not an https URL", termtext.Escape(target))
	}
	dir, err := os.MkdirTemp("", "aws-runas-browser-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, "signin.html")
	u := html.EscapeString(target)
	content := "<!DOCTYPE html><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">" +
		"<meta http-equiv=\"refresh\" content=\"0;url=" + u + "\"><title>aws-runas</title>" +
		"<p><a href=\"" + u + "\">Continue</a></p>\n"
	tmp := page + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, page); err != nil {
		return err
	}
	opened, err := watchOpen(page)
	if err != nil {
		return err
	}
	name, args := browserCommand(getenv("BROWSER"), page)
	cmd := exec.Command(name, args...)
	cmd.Env = childenv.WithoutSecrets(environ)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("opening the browser (%s): %w", name, err)
	}
	go func() { _ = cmd.Wait() }()
	select {
	case <-opened:
	case <-ctx.Done():
	case <-time.After(openWait):
	}
	return nil
}

func browserCommand(browser, page string) (string, []string) {
	target := page
	if runtime.GOOS == "windows" {
		target = "file:///" + filepath.ToSlash(page)
	}
	if browser != "" {
		first, _, _ := strings.Cut(browser, string(os.PathListSeparator))
		var name string
		var args []string
		if _, err := exec.LookPath(first); err == nil {
			name = first
		} else if f := strings.Fields(first); len(f) > 0 {
			name, args = f[0], f[1:]
		}
		if name != "" {
			placed := false
			for i, a := range args {
				if strings.Contains(a, "%s") {
					args[i], placed = strings.ReplaceAll(a, "%s", target), true
				}
			}
			if !placed {
				args = append(args, target)
			}
			return name, args
		}
	}
	switch runtime.GOOS {
	case "darwin":
		return "open", []string{target}
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler", target}
	}
	return "xdg-open", []string{target}
}
