package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/jessevdk/go-flags"

	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/awssts"
	"github.com/aws-runas/aws-runas/internal/termtext"
	"github.com/aws-runas/aws-runas/shells"
)

// parseDoctor reads `aws-runas [OPTIONS] doctor [PROFILE | ROLE_ARN]`.
func parseDoctor(inv *invocation, rest []string, getenv func(string) string) (*invocation, string, error) {
	inv.sub = "doctor"
	p := flags.NewNamedParser("aws-runas doctor", flags.HelpFlag)
	p.Usage = "[PROFILE | ROLE_ARN]"
	p.ShortDescription = "check the set-up, and say what a run would use"
	args, help, err := parseWith(p, rest[1:])
	if err != nil || help != "" {
		return nil, help, err
	}
	switch {
	case len(args) > 1:
		return nil, "", usagef("aws-runas doctor takes at most one PROFILE")
	case len(args) == 1:
		inv.profile = args[0]
	default:
		inv.profile = firstOf(getenv("AWS_PROFILE"), "default")
	}
	return inv, "", nil
}

// Outcomes of a doctor check.
const (
	checkOK   = "ok"
	checkWarn = "warn"
	checkFail = "fail"
)

// doctor runs the checks of `aws-runas doctor`, one line each. It reads
// files and makes one unsigned request to STS; it never reads or prints a
// secret: no keys, no tokens, no cache contents.
type doctor struct {
	out    io.Writer
	getenv func(string) string
	now    func() time.Time
	// stsTimeout bounds the clock check's request.
	stsTimeout time.Duration
	failed     bool
}

func (a *app) doctor(inv *invocation) error {
	d := &doctor{out: a.stdout, getenv: a.getenv, now: time.Now, stsTimeout: 3 * time.Second}
	if d.run(inv.opts.Path, inv.profile) {
		return &exitStatus{exitError}
	}
	return nil
}

func (d *doctor) report(status, check, format string, args ...any) {
	if status == checkFail {
		d.failed = true
	}
	fmt.Fprintf(d.out, "%-4s  %-8s %s\n", status, check, fmt.Sprintf(format, args...))
}

// run makes every check and says whether one failed.
func (d *doctor) run(path, profile string) (failed bool) {
	s := stamp()
	d.report(checkOK, "version", "aws-runas %s, %s, %s/%s", s.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	files, err := config.LocateFiles(path, d.getenv)
	if err != nil {
		d.report(checkFail, "files", "%v", err)
		return true
	}
	d.checkFiles(path, files)
	var target *config.Profile
	if cfg, err := config.Load(files); err != nil {
		d.report(checkFail, "config", "%v", err)
	} else {
		target = d.checkProfile(cfg, profile)
	}
	d.checkCache(files.CacheDir())
	d.checkClock(target)
	d.checkShell()
	return d.failed
}

func (d *doctor) checkFiles(path string, f config.Files) {
	from := "the default"
	switch {
	case path != "":
		from = "from --path"
	case d.getenv("AWS_CONFIG_FILE") != "":
		from = "from AWS_CONFIG_FILE"
	}
	d.report(fileStatus(f.Config), "config", "%s (%s)%s", termtext.Escape(f.Config), from, missing(f.Config))
	credFrom := "the default"
	if d.getenv("AWS_SHARED_CREDENTIALS_FILE") != "" {
		credFrom = "from AWS_SHARED_CREDENTIALS_FILE"
	}
	status, note := fileStatus(f.Credentials), missing(f.Credentials)
	// It holds long-term keys: the AWS CLI writes it 0600.
	if fi, err := os.Stat(f.Credentials); err == nil {
		if why := notPrivateFile(fi); why != "" {
			status, note = checkWarn, ": "+why+"; it holds long-term keys (chmod 600)"
		}
	}
	d.report(status, "creds", "%s (%s)%s", termtext.Escape(f.Credentials), credFrom, note)
	if f.Project != "" {
		d.report(checkOK, "project", "%s is in effect: its profiles' role keys apply here", termtext.Escape(f.Project))
	} else {
		d.report(checkOK, "project", "no ./aws_config in %s", termtext.Escape(cwd()))
	}
}

func fileStatus(path string) string {
	if _, err := os.Stat(path); err != nil {
		return checkWarn
	}
	return checkOK
}

func missing(path string) string {
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return ": does not exist"
		}
		return ": " + err.Error()
	}
	return ""
}

func cwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "the current directory"
	}
	return wd
}

// checkProfile shows the chain a run would follow: names and role ARNs.
func (d *doctor) checkProfile(cfg *config.Config, name string) *config.Profile {
	var ch *config.Chain
	var err error
	if strings.HasPrefix(name, "arn:") {
		// A role ARN is assumed with the default profile's credentials.
		if ch, err = cfg.Resolve("default"); err == nil {
			ch.Roles = append(ch.Roles, &config.Profile{Name: name, RoleARN: name, Region: ch.Target().Region, EndpointURL: ch.Target().EndpointURL})
		}
	} else {
		ch, err = cfg.Resolve(name)
	}
	if err != nil {
		d.report(checkFail, "profile", "%v", err)
		return nil
	}
	steps := []string{fmt.Sprintf("%q (%s)", ch.Base.Name, baseKind(ch.Base))}
	for _, r := range ch.Roles {
		if r == ch.Base || r.Name == ch.Base.Name && r.RoleARN == ch.Base.RoleARN {
			steps[0] = fmt.Sprintf("%q (%s)", r.Name, baseKind(ch.Base))
			steps = append(steps, "role "+termtext.Escape(r.RoleARN))
			continue
		}
		steps = append(steps, fmt.Sprintf("%q role %s", r.Name, termtext.Escape(r.RoleARN)))
	}
	d.report(checkOK, "profile", "%q: %s", name, strings.Join(steps, " -> "))
	return ch.Target()
}

// baseKind says where a chain's first credentials come from, never what they are.
func baseKind(p *config.Profile) string {
	switch {
	case p.SAMLAuthURL != "":
		return "SAML sign-in at " + termtext.Escape(hostOf(p.SAMLAuthURL))
	case p.WebIdentityAuthURL != "":
		return "OIDC sign-in at " + termtext.Escape(hostOf(p.WebIdentityAuthURL))
	case p.WebIdentityTokenFile != "":
		return "web identity token file"
	case p.CredentialSource != "":
		return "credential_source " + termtext.Escape(p.CredentialSource)
	case p.CredentialProcess != "":
		return "credential_process"
	case p.SessionToken != "":
		return "temporary keys"
	case p.AccessKeyID != "":
		return "long-term keys"
	}
	return "no credentials"
}

func hostOf(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	host, _, _ := strings.Cut(rest, "/")
	if _, h, ok := strings.Cut(host, "@"); ok {
		host = h
	}
	return host
}

// checkCache: the directory must not be writable by others, and every
// cache file must be private, or aws-runas ignores it (and the secrets in
// a readable one are exposed).
func (d *doctor) checkCache(dir string) {
	fi, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		d.report(checkOK, "cache", "%s does not exist yet; it is made 0700 on first use", termtext.Escape(dir))
		return
	case err != nil:
		d.report(checkFail, "cache", "%v", err)
		return
	case !fi.IsDir():
		d.report(checkFail, "cache", "%s is not a directory", termtext.Escape(dir))
		return
	}
	if runtime.GOOS == "windows" {
		d.report(checkOK, "cache", "%s (permissions are not checked on Windows)", termtext.Escape(dir))
		return
	}
	if why := notOwned(fi); why != "" {
		d.report(checkFail, "cache", "%s is %s", termtext.Escape(dir), why)
		return
	}
	if fi.Mode().Perm()&0o022 != 0 {
		d.report(checkFail, "cache", "%s is writable by others (mode %s): chmod go-w %s", termtext.Escape(dir), fi.Mode().Perm(), termtext.Escape(dir))
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.report(checkFail, "cache", "%v", err)
		return
	}
	var n int
	var loose []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".aws-runas.") {
			continue
		}
		n++
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		why := ""
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			why = "a symbolic link"
		case fi.Mode().IsRegular() || fi.IsDir():
			why = notPrivateFile(fi)
		default:
			why = "not a regular file"
		}
		if why != "" {
			loose = append(loose, termtext.Escape(e.Name())+" ("+why+")")
		}
	}
	if len(loose) > 0 {
		d.report(checkFail, "cache", "%s: %d of %d cache files are not private, so they are ignored: %s; chmod 600 them or remove them", termtext.Escape(dir), len(loose), n, strings.Join(loose, ", "))
		return
	}
	d.report(checkOK, "cache", "%s (mode %s), %d cache files, all private", termtext.Escape(dir), fi.Mode().Perm(), n)
}

// notPrivateFile says why a file others could read or change is not
// private; "" when it is this user's alone.
func notPrivateFile(fi os.FileInfo) string {
	if runtime.GOOS == "windows" {
		return ""
	}
	if why := notOwned(fi); why != "" {
		return why
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "mode " + fi.Mode().Perm().String()
	}
	return ""
}

// Clock skew beyond which doctor warns, and fails: STS refuses requests
// more than 15 minutes off, but 5 minutes already shifts the refresh
// window, so credentials would be used after they expired.
const (
	skewWarn = time.Minute
	skewFail = 5 * time.Minute
)

// checkClock compares this clock with the Date of STS's answer to an
// unsigned GetCallerIdentity, at the endpoint the profile would use. The
// request carries no credentials; the answer is a refusal, and only its
// Date header is read.
func (d *doctor) checkClock(target *config.Profile) {
	region, endpoint := "", ""
	if target != nil {
		region, endpoint = target.Region, target.EndpointURL
	}
	region = firstOf(region, d.getenv("AWS_REGION"), d.getenv("AWS_DEFAULT_REGION"), "us-east-1")
	endpoint = firstOf(d.getenv("AWS_ENDPOINT_URL_STS"), d.getenv("AWS_ENDPOINT_URL"), endpoint)
	if err := awssts.CheckEndpoint(endpoint, "the STS endpoint a run would use"); err != nil {
		d.report(checkFail, "clock", "%s", termtext.Escape(err.Error()))
		return
	}
	rec := &dateRecorder{next: http.DefaultTransport}
	o := sts.Options{
		Region:      region,
		Credentials: aws.AnonymousCredentials{},
		Retryer:     aws.NopRetryer{},
		HTTPClient:  &http.Client{Transport: rec, Timeout: d.stsTimeout},
	}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.stsTimeout)
	defer cancel()
	before := d.now()
	_, err := sts.New(o).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	after := d.now()
	where := termtext.Escape(firstOf(rec.url, endpoint, "STS in "+region))
	if rec.date == "" {
		msg := "no answer"
		var ue *url.Error
		if errors.As(err, &ue) {
			msg = oneLine(ue.Err.Error())
		} else if err != nil {
			msg = oneLine(err.Error())
		}
		d.report(checkWarn, "clock", "could not reach STS at %s within %s: %s", where, d.stsTimeout, msg)
		return
	}
	server, perr := http.ParseTime(rec.date)
	if perr != nil {
		d.report(checkWarn, "clock", "STS at %s sent a Date header that is not a date", where)
		return
	}
	local := before.Add(after.Sub(before) / 2)
	skew := local.Sub(server).Round(time.Second)
	// Date has whole seconds: a second either way is no skew.
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	switch {
	case abs <= time.Second:
		d.report(checkOK, "clock", "in step with STS at %s", where)
	case abs < skewWarn:
		d.report(checkOK, "clock", "%s %s STS at %s", abs, dir, where)
	case abs < skewFail:
		d.report(checkWarn, "clock", "%s %s STS at %s: set the clock (NTP)", abs, dir, where)
	default:
		d.report(checkFail, "clock", "%s %s STS at %s: credentials would be used past their expiry, and beyond 15m STS refuses requests; set the clock (NTP)", abs, dir, where)
	}
}

// dateRecorder keeps the Date header and URL of the last answer.
type dateRecorder struct {
	next      http.RoundTripper
	date, url string
}

func (r *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.url = req.URL.Scheme + "://" + req.URL.Host
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		r.date = resp.Header.Get("Date")
	}
	return resp, err
}

// checkShell names the shell print mode would write for, and looks for
// `aws-runas init` in that shell's rc files.
func (d *doctor) checkShell() {
	dl, err := shells.Detect(d.getenv)
	if err != nil {
		d.report(checkWarn, "shell", "%v", err)
		return
	}
	name := dl.Name()
	rcs := d.rcFiles(name)
	for _, rc := range rcs {
		if hasInit(rc, name) {
			d.report(checkOK, "shell", "%s; init is in %s", name, termtext.Escape(rc))
			return
		}
	}
	line := map[string]string{
		"fish":       "aws-runas init fish | source",
		"powershell": "aws-runas init powershell | Out-String | Invoke-Expression",
		"nu":         "aws-runas init nu | save -f ($nu.user-autoload-dirs | first | path join aws-runas.nu)",
	}[name]
	if line == "" {
		line = `eval "$(aws-runas init ` + name + `)"`
	}
	if len(rcs) == 0 {
		d.report(checkWarn, "shell", "%s; no rc file to look in for init", name)
		return
	}
	d.report(checkWarn, "shell", "%s; init is not in %s: add %s", name, termtext.Escape(strings.Join(rcs, " or ")), line)
}

// rcFiles are where a user of shell puts rc-file integration.
func (d *doctor) rcFiles(shell string) []string {
	home := d.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	config := firstOf(d.getenv("XDG_CONFIG_HOME"), filepath.Join(home, ".config"))
	switch shell {
	case "bash":
		return []string{filepath.Join(home, ".bashrc"), filepath.Join(home, ".bash_profile")}
	case "zsh":
		return []string{filepath.Join(firstOf(d.getenv("ZDOTDIR"), home), ".zshrc")}
	case "fish":
		rcs := []string{filepath.Join(config, "fish", "config.fish")}
		more, _ := filepath.Glob(filepath.Join(config, "fish", "conf.d", "*.fish"))
		return append(rcs, more...)
	case "sh":
		if env := d.getenv("ENV"); env != "" {
			return []string{env}
		}
		return []string{filepath.Join(home, ".profile")}
	case "powershell":
		if runtime.GOOS == "windows" {
			docs := filepath.Join(firstOf(d.getenv("USERPROFILE"), home), "Documents")
			return []string{filepath.Join(docs, "PowerShell", "Microsoft.PowerShell_profile.ps1"), filepath.Join(docs, "WindowsPowerShell", "Microsoft.PowerShell_profile.ps1")}
		}
		return []string{filepath.Join(config, "powershell", "Microsoft.PowerShell_profile.ps1"), filepath.Join(config, "powershell", "profile.ps1")}
	case "nu":
		// nushell's config directory: $XDG_CONFIG_HOME or the system's
		// (os.UserConfigDir: ~/Library/Application Support, %AppData%).
		dir := filepath.Join(config, "nushell")
		if d.getenv("XDG_CONFIG_HOME") == "" && runtime.GOOS != "linux" {
			if c, err := os.UserConfigDir(); err == nil {
				dir = filepath.Join(c, "nushell")
			}
		}
		rcs := []string{filepath.Join(dir, "config.nu")}
		more, _ := filepath.Glob(filepath.Join(dir, "autoload", "*.nu"))
		return append(rcs, more...)
	}
	return nil
}

// hasInit says whether an uncommented line of the file runs aws-runas init,
// or, for nushell, which cannot run printed code, whether the file holds
// the saved output of init nu (its apply command).
func hasInit(path, shell string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, "aws-runas init") || (shell == "nu" && strings.HasPrefix(line, "def --env __aws_runas_apply ")) {
			return true
		}
	}
	return false
}

func oneLine(s string) string {
	return termtext.Escape(strings.Join(strings.Fields(s), " "))
}
