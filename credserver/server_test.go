package credserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

const (
	userKey = "AKIATESTUSER00000001"
	userSec = "test/Secret+Key=000000000000000000000000"
	roleARN = "arn:aws:iam::123456789012:role/admin"
)

// clock is a fake clock shared by the STS test server and the credential
// server; it starts at the real time, so SigV4 signing times stay valid.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	sts   *ststest.Server
	clock *clock
	srv   *Server
	logs  []string
	logMu sync.Mutex
}

// newFixture starts an STS test server issuing 60-second role
// credentials and a credential server renewing them with AssumeRole.
func newFixture(t testing.TB) *fixture {
	f := &fixture{sts: ststest.NewTest(t), clock: &clock{t: time.Now()}}
	f.sts.AddUser(ststest.User{Name: "alice", Account: "123456789012", AccessKeyID: userKey, SecretAccessKey: userSec})
	f.sts.AddRole(ststest.Role{ARN: roleARN})
	f.sts.SetClock(f.clock.Now)
	f.sts.SetLifetime(time.Minute)
	client := stsClient(f.sts.URL, credentials.NewStaticCredentialsProvider(userKey, userSec, ""))
	src := aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("test")})
		if err != nil {
			return aws.Credentials{}, err
		}
		c := out.Credentials
		return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken, CanExpire: true, Expires: *c.Expiration}, nil
	})
	srv, err := Start(context.Background(), Options{Source: src, Now: f.clock.Now, Logf: func(format string, args ...any) {
		f.logMu.Lock()
		defer f.logMu.Unlock()
		f.logs = append(f.logs, fmt.Sprintf(format, args...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	f.srv = srv
	return f
}

func stsClient(url string, cp aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: cp, Retryer: aws.NopRetryer{}})
}

// sdkRetrieve asks the server as the Go SDK's container provider does.
func (f *fixture) sdkRetrieve(t *testing.T) aws.Credentials {
	t.Helper()
	c, err := endpointcreds.New(f.srv.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = f.srv.Token() }).Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// whoami calls STS with c and returns the error code ("" on success).
func (f *fixture) whoami(t *testing.T, c aws.Credentials) string {
	t.Helper()
	_, err := stsClient(f.sts.URL, credentials.StaticCredentialsProvider{Value: c}).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err == nil {
		return ""
	}
	var code interface{ ErrorCode() string }
	if ok := asCode(err, &code); ok {
		return code.ErrorCode()
	}
	t.Fatal(err)
	return ""
}

func TestRenewAcrossExpiry(t *testing.T) {
	f := newFixture(t)
	c1 := f.sdkRetrieve(t)
	if code := f.whoami(t, c1); code != "" {
		t.Fatalf("first credentials refused: %s", code)
	}
	if !c1.CanExpire || c1.Expires.Sub(f.clock.Now()) > time.Minute {
		t.Fatalf("expiry not served: %+v", c1.Expires)
	}
	// Before half their life: the same credentials, no STS call.
	f.clock.Advance(20 * time.Second)
	if c := f.sdkRetrieve(t); c.AccessKeyID != c1.AccessKeyID || f.sts.CallCount("AssumeRole") != 1 {
		t.Fatalf("renewed too early: %s, %d AssumeRole calls", c.AccessKeyID, f.sts.CallCount("AssumeRole"))
	}
	// Past half their life: renewed, once.
	f.clock.Advance(15 * time.Second)
	c2 := f.sdkRetrieve(t)
	if c2.AccessKeyID == c1.AccessKeyID || f.sts.CallCount("AssumeRole") != 2 {
		t.Fatalf("not renewed: %s, %d AssumeRole calls", c2.AccessKeyID, f.sts.CallCount("AssumeRole"))
	}
	// Past the first credentials' expiry: STS refuses them, takes the new.
	f.clock.Advance(30 * time.Second)
	if code := f.whoami(t, c1); code != "ExpiredToken" {
		t.Fatalf("old credentials: %q, want ExpiredToken", code)
	}
	if code := f.whoami(t, c2); code != "" {
		t.Fatalf("renewed credentials refused: %s", code)
	}
	if len(f.logs) != 0 {
		t.Errorf("logged: %q", f.logs)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	u := f.srv.URL()
	// The token with its first byte changed: a fixed first byte would be
	// the token itself one run in sixteen.
	wrong := []byte(f.srv.Token())
	wrong[0] ^= 1
	for _, tc := range []struct {
		name   string
		method string
		host   string
		auth   *string
		want   int
	}{
		{"no token", "GET", "", nil, 401},
		{"wrong token", "GET", "", ptr(string(wrong)), 401},
		{"token prefix", "GET", "", ptr(f.srv.Token()[:63]), 401},
		{"bearer", "GET", "", ptr("Bearer " + f.srv.Token()), 401},
		{"other host", "GET", "attacker.example:" + port(u), ptr(f.srv.Token()), 403},
		{"localhost", "GET", "localhost:" + port(u), ptr(f.srv.Token()), 403},
		{"post", "POST", "", ptr(f.srv.Token()), 405},
		{"ok", "GET", "", ptr(f.srv.Token()), 200},
	} {
		req, _ := http.NewRequest(tc.method, u, nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		if tc.auth != nil {
			req.Header.Set("Authorization", *tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	if f.sts.CallCount("AssumeRole") != 1 {
		t.Errorf("%d AssumeRole calls", f.sts.CallCount("AssumeRole"))
	}
}

func ptr(s string) *string { return &s }

func port(u string) string {
	_, p, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/"))
	return p
}

// TestSingleFlight: 100 requests at once for due credentials make one
// AssumeRole, and all get its credentials.
func TestSingleFlight(t *testing.T) {
	f := newFixture(t)
	c1 := f.sdkRetrieve(t)
	for round := 1; round <= 3; round++ {
		f.clock.Advance(61 * time.Second) // expired: every request must wait
		var wg sync.WaitGroup
		keys := make([]string, 100)
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := endpointcreds.New(f.srv.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = f.srv.Token() }).Retrieve(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				keys[i] = c.AccessKeyID
			}()
		}
		wg.Wait()
		sort.Strings(keys)
		if keys[0] != keys[99] || keys[0] == c1.AccessKeyID {
			t.Fatalf("round %d: keys %s .. %s", round, keys[0], keys[99])
		}
		if n := f.sts.CallCount("AssumeRole"); n != 1+round {
			t.Fatalf("round %d: %d AssumeRole calls, want %d", round, n, 1+round)
		}
		c1.AccessKeyID = keys[0]
	}
}

// TestRenewFailure: a failed renewal is logged once, the old credentials
// are served until they expire, then the request fails; a later renewal
// recovers.
func TestRenewFailure(t *testing.T) {
	f := newFixture(t)
	c1 := f.sdkRetrieve(t)
	f.sts.Fail(ststest.Fault{Action: "AssumeRole", Code: "AccessDenied"})
	for i := 0; i < 3; i++ {
		f.clock.Advance(11 * time.Second) // past half-life, then past retryAfter
		if i == 0 {
			f.clock.Advance(20 * time.Second)
		}
		if c := f.sdkRetrieve(t); c.AccessKeyID != c1.AccessKeyID {
			t.Fatalf("attempt %d: served %s, want the old %s", i, c.AccessKeyID, c1.AccessKeyID)
		}
	}
	if n := f.sts.CallCount("AssumeRole"); n != 4 {
		t.Errorf("%d AssumeRole calls, want 4", n)
	}
	f.logMu.Lock()
	logs := append([]string(nil), f.logs...)
	f.logMu.Unlock()
	if len(logs) != 1 || !strings.Contains(logs[0], "AccessDenied") || strings.Contains(logs[0], c1.SecretAccessKey) {
		t.Errorf("logs: %q", logs)
	}
	f.clock.Advance(20 * time.Second) // expired
	_, err := endpointcreds.New(f.srv.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = f.srv.Token() }).Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired credentials: err %v", err)
	}
	f.sts.ClearFaults()
	f.clock.Advance(retryAfter)
	if c := f.sdkRetrieve(t); c.AccessKeyID == c1.AccessKeyID || f.whoami(t, c) != "" {
		t.Fatalf("not recovered: %s", c.AccessKeyID)
	}
}

func TestClosed(t *testing.T) {
	f := newFixture(t)
	u := f.srv.URL()
	f.srv.Close()
	if _, err := http.Get(u); err == nil {
		t.Fatal("server answers after Close")
	}
}

func TestSocketUID(t *testing.T) {
	table := filepath.Join(t.TempDir(), "tcp")
	content := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:A1B2 0100007F:0050 01 00000000:00000000 00:00000000 00000000  1234        0 111 1 0 20 4 30 10 -1
   1: 0100007F:0050 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000  1000        0 112 1 0 20 4 30 10 -1
`
	if err := os.WriteFile(table, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	lo := net.IPv4(127, 0, 0, 1)
	client, server := &net.TCPAddr{IP: lo, Port: 0xA1B2}, &net.TCPAddr{IP: lo, Port: 80}
	if procAddr(client) != "0100007F:A1B2" && procAddr(client) != "7F000001:A1B2" {
		t.Fatalf("procAddr: %s", procAddr(client))
	}
	if procAddr(client) == "0100007F:A1B2" { // little-endian host
		if uid, ok := socketUID(table, client, server); !ok || uid != 1234 {
			t.Errorf("client socket: uid %d, %v", uid, ok)
		}
		if _, ok := socketUID(table, &net.TCPAddr{IP: lo, Port: 1}, server); ok {
			t.Error("found a socket that is not there")
		}
	}
}
