//go:build unix

package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	testclockOnce sync.Once
	testclockBin  string
	sdkClientOnce sync.Once
	sdkClientBin  string
)

// testclockBinary is aws-runas built with -tags testclock: its credential
// server's clock is the system's plus the seconds in $AWS_RUNAS_TEST_CLOCK,
// so a test moves it with the STS test server's instead of waiting.
func testclockBinary(t *testing.T) string {
	t.Helper()
	testclockOnce.Do(func() {
		p := filepath.Join(binDir, "aws-runas-testclock")
		out, err := exec.Command("go", "build", "-tags", "testclock", "-o", p, "github.com/aws-runas/aws-runas").CombinedOutput()
		if err != nil {
			t.Fatalf("building with -tags testclock: %v\n%s", err, out)
		}
		testclockBin = p
	})
	if testclockBin == "" {
		t.Fatal("no testclock binary")
	}
	return testclockBin
}

// sdkClient is testdata/sdkclient, an AWS SDK for Go program.
func sdkClient(t *testing.T) string {
	t.Helper()
	sdkClientOnce.Do(func() {
		p := filepath.Join(binDir, "sdkclient")
		cmd := exec.Command("go", "build", "-o", p, ".")
		cmd.Dir = filepath.Join("testdata", "sdkclient")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building testdata/sdkclient: %v\n%s", err, out)
		}
		sdkClientBin = p
	})
	if sdkClientBin == "" {
		t.Fatal("no sdkclient binary")
	}
	return sdkClientBin
}

// served is a command running under aws-runas --server, fed line by line.
type served struct {
	t      *testing.T
	w      *testWorld
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	clock  string // the clock file
	offset time.Duration
	url    string
	token  string
}

func startServed(t *testing.T, w *testWorld, argv ...string) *served {
	t.Helper()
	s := &served{t: t, w: w, clock: filepath.Join(w.dir, "clock")}
	if err := os.WriteFile(s.clock, []byte("0"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.srv.SetLifetime(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 2*runTimeout)
	t.Cleanup(cancel)
	args := append([]string{"-o", MFACode, "--server", "admin", "--"}, argv...)
	s.cmd = exec.CommandContext(ctx, testclockBinary(t), args...)
	s.cmd.Env = append(append([]string(nil), w.env...), "AWS_RUNAS_TEST_CLOCK="+s.clock, "STS="+w.srv.URL)
	s.cmd.Dir = w.dir
	s.cmd.WaitDelay = 2 * time.Second // a grandchild holding stdout must not hang Wait
	s.cmd.Stderr = &lockedBuffer{}
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.out = bufio.NewReader(stdout)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	return s
}

// ask sends a line and returns the output lines up to "END".
func (s *served) ask(line string) []string {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for {
		l, err := s.out.ReadString('\n')
		if err != nil {
			s.t.Fatalf("reading the command's output: %v (so far %q)\nstderr: %s", err, out, s.cmd.Stderr)
		}
		l = strings.TrimRight(l, "\n")
		if l == "END" {
			return out
		}
		out = append(out, l)
	}
}

// advance moves the STS test server's and the credential server's clocks.
func (s *served) advance(d time.Duration) {
	s.t.Helper()
	s.offset += d
	s.w.srv.Advance(d)
	if err := os.WriteFile(s.clock, []byte(strconv.Itoa(int(s.offset/time.Second))), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// finish closes stdin and returns the exit status.
func (s *served) finish() int {
	s.t.Helper()
	s.stdin.Close()
	rest, _ := io.ReadAll(s.out)
	err := s.cmd.Wait()
	if len(rest) > 0 {
		s.t.Logf("trailing output: %q", rest)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// get asks the credential server for credentials as the SDKs do.
func get(t *testing.T, u, token, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// identityKeys are the access keys of the successful GetCallerIdentity
// calls since call n; it fails the test on a refused one.
func identityKeys(t *testing.T, w *testWorld, from int) []string {
	t.Helper()
	var keys []string
	for _, c := range w.srv.Calls()[from:] {
		if c.Action != "GetCallerIdentity" {
			continue
		}
		if c.Err != "" {
			t.Errorf("GetCallerIdentity with %s refused: %s", c.AccessKeyID, c.Err)
		}
		keys = append(keys, c.AccessKeyID)
	}
	return keys
}

// testAcrossExpiry runs a command under --server that makes calls (one per
// line it reads) across three credential expiries, and checks every call
// is accepted with keys renewed after each expiry, the server's
// refusals, one renewal for 100 concurrent requests, the exit status and
// that the server is gone afterwards.
func testAcrossExpiry(t *testing.T, argv ...string) {
	w := newWorld(t)
	s := startServed(t, w, argv...)
	first := s.ask("env")
	if len(first) != 1 {
		t.Fatalf("env line: %q", first)
	}
	f := strings.Split(first[0], "|")
	s.url, s.token = f[0], f[1]
	if !strings.HasPrefix(s.url, "http://127.0.0.1:") || len(s.token) != 64 || f[2] != "" || f[3] != "" {
		t.Fatalf("the command's environment: %q", first[0])
	}
	var prev []string
	for round := 0; round < 3; round++ {
		before := len(w.srv.Calls())
		out := s.ask("call")
		if len(out) != 1 || !strings.HasPrefix(out[0], "ok arn:aws:sts::"+Account+":assumed-role/admin/") {
			t.Fatalf("round %d: %q\nstderr: %s", round, out, s.cmd.Stderr)
		}
		keys := identityKeys(t, w, before)
		if len(keys) != 1 {
			t.Fatalf("round %d: %d GetCallerIdentity calls", round, len(keys))
		}
		for _, p := range prev {
			if p == keys[0] {
				t.Fatalf("round %d: old key %s used again", round, p)
			}
		}
		prev = append(prev, keys[0])
		s.advance(61 * time.Second) // the keys just used have expired at STS
	}
	if n := w.srv.CallCount("AssumeRole"); n != 3 {
		t.Errorf("%d AssumeRole calls for 3 rounds, want 3", n)
	}
	if n := w.srv.CallCount("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken calls, want 1 (renewal from the cached session token)", n)
	}

	// Refusals.
	host := strings.TrimSuffix(strings.TrimPrefix(s.url, "http://"), "/")
	for _, c := range []struct {
		token, host string
		want        int
	}{{"", "", 401}, {"x" + s.token[1:], "", 401}, {s.token, "evil.example:" + strings.Split(host, ":")[1], 403}} {
		if code, body := get(t, s.url, c.token, c.host); code != c.want || strings.Contains(body, "SecretAccessKey") {
			t.Errorf("token %.8q host %q: %d %s, want %d", c.token, c.host, code, body, c.want)
		}
	}

	// 100 concurrent requests for expired credentials: one AssumeRole.
	assumed := w.srv.CallCount("AssumeRole")
	var wg sync.WaitGroup
	bodies := make([]string, 100)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.url, nil)
			req.Header.Set("Authorization", s.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d: %s", resp.StatusCode, b)
			}
			bodies[i] = string(b)
		}()
	}
	wg.Wait()
	if n := w.srv.CallCount("AssumeRole") - assumed; n != 1 {
		t.Errorf("100 concurrent requests made %d AssumeRole calls, want 1", n)
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("different answers: %s / %s", b, bodies[0])
		}
	}

	if code := s.finish(); code != 7 {
		t.Errorf("exit status %d, want the command's 7\nstderr: %s", code, s.cmd.Stderr)
	}
	if _, err := http.Get(s.url); err == nil {
		t.Error("the credential server still answers after the command exited")
	}
	noSecrets(t, "stderr", s.cmd.Stderr.(*lockedBuffer).String(), w.secrets(s.token), MFACode)
	if left, _ := filepath.Glob(filepath.Join(w.home, ".aws", ".aws-runas-server-*")); len(left) != 0 {
		t.Errorf("copies of the shared files left behind: %q", left)
	}
}

const envLine = `echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI|$AWS_CONTAINER_AUTHORIZATION_TOKEN|${AWS_ACCESS_KEY_ID-}|${AWS_PROFILE-}"`

// TestServerAWSCLI: /usr/bin/aws under --server, while ~/.aws/credentials
// holds alice's keys for the default profile.
func TestServerAWSCLI(t *testing.T) {
	aws := requireProg(t, "/usr/bin/aws")
	script := `while read line; do case $line in env) ` + envLine + `;; *) ` + aws +
		` sts get-caller-identity --endpoint-url "$STS" --query Arn --output text | sed 's/^/ok /';; esac; echo END; done; exit 7`
	testAcrossExpiry(t, "bash", "-c", script)
}

// TestServerGoSDK: one long-lived AWS SDK for Go program under --server.
func TestServerGoSDK(t *testing.T) {
	client := sdkClient(t)
	script := `read line; ` + envLine + `; echo END; ` + client + `; exit 7`
	testAcrossExpiry(t, "bash", "-c", script)
}

func TestServerUsage(t *testing.T) {
	w := newWorld(t)
	for _, args := range [][]string{
		{"--server", "-O", "bash", "bob"},
		{"--server", "--console", "bob"},
		{"--print-url", "bob"},
		{"--console", "bob", "--", "true"},
	} {
		if r := w.run(nil, args...); r.code != 2 || r.stdout != "" {
			t.Errorf("want usage error:\n%s", r)
		}
	}
	// Print mode (stdout no terminal, no command) cannot serve: refused
	// before anything is asked of STS.
	if r := w.run(nil, "--server", "-o", MFACode, "bob"); r.code != 2 || !strings.Contains(r.stderr, "COMMAND") || r.stdout != "" {
		t.Errorf("print mode with --server:\n%s", r)
	}
	if calls := w.srv.Calls(); len(calls) != 0 {
		t.Errorf("refused --server still called STS: %s", describe(calls))
	}
}

// followSignin follows a sign-in URL as a browser and returns the console
// page.
func followSignin(t *testing.T, u string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("following the sign-in URL: %s: %s", resp.Status, b)
	}
	return string(b)
}

func TestConsolePrintURL(t *testing.T) {
	w := newWorld(t)
	fed := []string{"AWS_RUNAS_FEDERATION_URL=" + w.srv.FederationURL()}
	r := w.mustRun(fed, "-o", MFACode, "--console", "--print-url", "--region", "eu-central-1", "--destination", "/s3/home", "admin")
	u, err := url.Parse(strings.TrimSpace(r.stdout))
	if err != nil || u.Query().Get("Action") != "login" || u.Query().Get("SigninToken") == "" {
		t.Fatalf("stdout is not a login URL:\n%s", r)
	}
	if d := u.Query().Get("Destination"); d != "https://console.aws.amazon.com/s3/home?region=eu-central-1" {
		t.Errorf("Destination %q", d)
	}
	if !strings.Contains(r.stderr, "secret") || strings.Contains(r.stderr, u.Query().Get("SigninToken")) {
		t.Errorf("stderr: %q", r.stderr)
	}
	noSecrets(t, "stderr", r.stderr, w.secrets(u.Query().Get("SigninToken")), MFACode)
	page := followSignin(t, u.String())
	if !strings.Contains(page, "arn:aws:sts::"+Account+":assumed-role/admin/") {
		t.Errorf("console page: %s", page)
	}
	// A session token only: a federation token from bob's keys.
	r = w.mustRun(fed, "--console", "--print-url", "-n", "bob")
	if page := followSignin(t, strings.TrimSpace(r.stdout)); !strings.Contains(page, "arn:aws:sts::"+Account+":federated-user/aws-runas-bob") {
		t.Errorf("console page for -n: %s", page)
	}
	if n := w.srv.CallCount("GetFederationToken"); n != 1 {
		t.Errorf("%d GetFederationToken calls", n)
	}
}

// TestConsoleBrowser: the browser gets a private file that redirects,
// never the URL on its command line, and no AWS secret in its environment.
func TestConsoleBrowser(t *testing.T) {
	w := newWorld(t)
	capture := filepath.Join(w.dir, "capture")
	stub := filepath.Join(w.dir, "browser")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+capture+".argv\nenv > "+capture+".env\nls -l \"$1\" > "+capture+".mode\ncat \"$1\" > "+capture+".page\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	extra := []string{"AWS_RUNAS_FEDERATION_URL=" + w.srv.FederationURL(), "BROWSER=" + stub, "AWS_SECRET_ACCESS_KEY=" + BobSec}
	r := w.mustRun(extra, "-o", MFACode, "--console", "admin")
	if r.stdout != "" {
		t.Errorf("stdout: %q", r.stdout)
	}
	page := readFile(t, capture+".page")
	i := strings.Index(page, "url=")
	if i < 0 {
		t.Fatalf("page: %s", page)
	}
	raw := page[i+4:]
	raw = raw[:strings.Index(raw, `"`)]
	signin := strings.ReplaceAll(raw, "&amp;", "&")
	u, err := url.Parse(signin)
	if err != nil || u.Query().Get("SigninToken") == "" {
		t.Fatalf("page: %s", page)
	}
	token := u.Query().Get("SigninToken")
	for _, f := range []string{".argv", ".env"} {
		noSecrets(t, "the browser's "+f, readFile(t, capture+f), w.secrets(token, BobSec), MFACode)
	}
	if mode := readFile(t, capture+".mode"); !strings.HasPrefix(mode, "-rw-------") {
		t.Errorf("the page file: %s", mode)
	}
	if _, err := os.Stat(strings.TrimSpace(readFile(t, capture+".argv"))); !os.IsNotExist(err) {
		t.Errorf("the page file is still there: %v", err)
	}
	noSecrets(t, "stderr", r.stderr, w.secrets(token), MFACode)
	if page := followSignin(t, signin); !strings.Contains(page, "assumed-role/admin/") {
		t.Errorf("console page: %s", page)
	}
}

// --server with no COMMAND on a terminal: a subshell whose SDKs ask the
// credential server (the AWS CLI in it gets the role), holding no static
// keys and no expiry, with no prompt segment (nothing there expires); the
// server is gone when the subshell exits, and the parent is as it was.
func TestServerSubshell(t *testing.T) {
	t.Parallel()
	aws := requireProg(t, "/usr/bin/aws")
	w := newWorld(t)
	// The user's own rc file sets the prompt, as the subshell reads it.
	if err := os.WriteFile(filepath.Join(w.home, ".bashrc"), []byte("PS1='e2e$ '\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := startShell(t, w)
	cmdline := "aws-runas --server -o " + MFACode + " admin"
	tm.do(cmdline)
	tm.do(`echo "in=$AWS_CONTAINER_CREDENTIALS_FULL_URI|${AWS_ACCESS_KEY_ID-none}|${AWS_SESSION_EXPIRATION_UNIX-none}|$AWS_RUNAS_PROFILE"`)
	m := tm.waitLine(`in=(http://127\.0\.0\.1:[0-9]+/\S*)\|(\S+)\|(\S+)\|(\S+)`)
	if m[2] != "none" || m[3] != "none" || m[4] != "admin" {
		t.Errorf("the subshell's environment: keys %q, expiry %q, profile %q; want no static keys, no expiry, admin", m[2], m[3], m[4])
	}
	if seg := after(tm.screen(false), cmdline); strings.Contains(seg, "(AWS") {
		t.Errorf("a served subshell shows a prompt segment:\n%s", seg)
	}
	tm.do(aws + ` sts get-caller-identity --endpoint-url "$AWS_ENDPOINT_URL_STS" --query Arn --output text; echo "rc=$?"`)
	tm.waitLine(`rc=0`)
	if !strings.Contains(tm.screen(false), "arn:aws:sts::"+Account+":assumed-role/admin/") {
		t.Errorf("the AWS CLI in the subshell did not get the role:\n%s", tm.screen(false))
	}
	tm.do("exit")
	tm.do(`echo "out=${AWS_CONTAINER_CREDENTIALS_FULL_URI-unset}"`)
	tm.waitLine(`out=unset`)
	if _, err := http.Get(m[1]); err == nil {
		t.Error("the credential server still answers after the subshell exited")
	}
	noSecrets(t, "the terminal", tm.screen(false), w.secrets())
}
