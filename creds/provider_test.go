package creds

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/credtest"
	"github.com/aws-runas/aws-runas/internal/prompttest"
	"github.com/aws-runas/aws-runas/internal/ststest"
	"github.com/aws-runas/aws-runas/prompt"
)

const (
	account   = "123456789012"
	aliceKey  = "AKIAALICE0000000001"
	aliceSec  = "alice/secret+key"
	mfaSerial = "arn:aws:iam::123456789012:mfa/alice"
	mfaCode   = "123456"
)

// world is an STS test server, a config for it and a provider.
type world struct {
	t       *testing.T
	srv     *ststest.Server
	files   config.Files
	prompts atomic.Int32
	// lastCode is the last MFA question asked.
	lastCode prompt.Code
}

func newWorld(t *testing.T, extraConfig string) *world {
	t.Helper()
	srv := ststest.NewTest(t)
	srv.AddUser(ststest.User{Name: "alice", Account: account, AccessKeyID: aliceKey, SecretAccessKey: aliceSec, MFASerial: mfaSerial, MFACode: mfaCode})
	for _, r := range []string{"admin", "readonly", "inner", "outer"} {
		srv.AddRole(ststest.Role{ARN: "arn:aws:iam::123456789012:role/" + r, MaxSessionDuration: 12 * time.Hour})
	}
	config := `[default]
region = eu-west-1
mfa_serial = ` + mfaSerial + `
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = default
[profile readonly]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = default
region = us-west-2
[profile long]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = default
duration_seconds = 7200
[profile inner]
role_arn = arn:aws:iam::123456789012:role/inner
source_profile = default
[profile outer]
role_arn = arn:aws:iam::123456789012:role/outer
source_profile = inner
` + extraConfig
	w := &world{t: t, srv: srv, files: writeFiles(t, config, "[default]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSec+"\n")}
	return w
}

func (w *world) provider() *Provider {
	cfg, err := config.Load(w.files)
	if err != nil {
		w.t.Fatal(err)
	}
	return &Provider{
		Config: cfg,
		Cache:  &cache.Cache{Dir: w.files.CacheDir()},
		Getenv: func(k string) string {
			if k == "AWS_ENDPOINT_URL_STS" {
				return w.srv.URL
			}
			return ""
		},
		Prompter: &prompttest.Answers{CodeFunc: func(ctx context.Context, q prompt.Code) (string, error) {
			w.prompts.Add(1)
			w.lastCode = q
			return mfaCode, nil
		}},
	}
}

func (w *world) get(req Request) *Result {
	w.t.Helper()
	res, err := w.provider().Get(context.Background(), req)
	if err != nil {
		w.t.Fatalf("Get(%+v): %v", req, err)
	}
	return res
}

func (w *world) counts(want map[string]int) {
	w.t.Helper()
	for _, a := range []string{"GetSessionToken", "AssumeRole", "GetCallerIdentity"} {
		if got := w.srv.CallCount(a); got != want[a] {
			w.t.Errorf("%s calls = %d, want %d", a, got, want[a])
		}
	}
}

func TestSessionThenRoleThenCache(t *testing.T) {
	w := newWorld(t, "")
	res := w.get(Request{Profile: "admin"})
	if res.RoleARN != "arn:aws:iam::123456789012:role/admin" || !strings.HasPrefix(res.Credentials.AccessKeyID, "ASIA") || res.Region != "" {
		t.Errorf("result = %+v", res)
	}
	if !strings.HasPrefix(res.RoleSessionName, "aws-runas-session_123456789012_alice_") {
		t.Errorf("session name = %s", res.RoleSessionName)
	}
	w.counts(map[string]int{"GetSessionToken": 1, "AssumeRole": 1, "GetCallerIdentity": 1})
	calls := w.srv.Calls()
	gst := calls[0].Params
	if gst.Get("SerialNumber") != mfaSerial || gst.Get("TokenCode") != mfaCode || gst.Get("DurationSeconds") != "43200" {
		t.Errorf("GetSessionToken params = %v", gst)
	}
	// The role is assumed with the session token, not the long-term key.
	for _, c := range calls {
		if c.Action == "AssumeRole" && (c.AccessKeyID == aliceKey || c.Params.Get("DurationSeconds") != "3600") {
			t.Errorf("AssumeRole by %s with %v", c.AccessKeyID, c.Params)
		}
	}

	again := w.get(Request{Profile: "admin"})
	if again.Credentials.AccessKeyID != res.Credentials.AccessKeyID {
		t.Error("second run did not use the cache")
	}
	// A second role of the same source shares the session token: no MFA.
	// Its region is its own: like the AWS CLI, never the source profile's.
	if r := w.get(Request{Profile: "readonly"}); r.Region != "us-west-2" {
		t.Errorf("region = %q", r.Region)
	}
	w.counts(map[string]int{"GetSessionToken": 1, "AssumeRole": 2, "GetCallerIdentity": 1})
	if w.prompts.Load() != 1 {
		t.Errorf("MFA prompts = %d, want 1", w.prompts.Load())
	}
	// -r refreshes the role, not the session token.
	w.get(Request{Profile: "admin", Refresh: true})
	w.counts(map[string]int{"GetSessionToken": 1, "AssumeRole": 3, "GetCallerIdentity": 1})
}

func TestLongRoleIsAssumedFromLongTermKeysWithMFA(t *testing.T) {
	w := newWorld(t, "")
	res := w.get(Request{Profile: "long"})
	w.counts(map[string]int{"AssumeRole": 1, "GetCallerIdentity": 1})
	c := w.srv.Calls()
	var ar ststest.Call
	for _, x := range c {
		if x.Action == "AssumeRole" {
			ar = x
		}
	}
	if ar.AccessKeyID != aliceKey || ar.Params.Get("DurationSeconds") != "7200" || ar.Params.Get("SerialNumber") != mfaSerial || ar.Params.Get("TokenCode") != mfaCode {
		t.Errorf("AssumeRole = %+v", ar)
	}
	if d := time.Until(res.Credentials.Expires); d < 110*time.Minute {
		t.Errorf("credentials last %s", d)
	}
}

func TestRoleChainingLimit(t *testing.T) {
	w := newWorld(t, "")
	_, err := w.provider().Get(context.Background(), Request{Profile: "outer", RoleDuration: 2 * time.Hour})
	if err == nil || !strings.Contains(err.Error(), "limited by STS to 1h") {
		t.Fatalf("error = %v", err)
	}
	res := w.get(Request{Profile: "outer"})
	if res.RoleARN != "arn:aws:iam::123456789012:role/outer" {
		t.Errorf("result = %+v", res)
	}
	w.counts(map[string]int{"GetSessionToken": 1, "AssumeRole": 2, "GetCallerIdentity": 1})
}

func TestExpiredSessionTokenIsDroppedOnce(t *testing.T) {
	w := newWorld(t, "")
	w.get(Request{Profile: "admin"})
	w.srv.ExpireAll()
	w.get(Request{Profile: "readonly"})
	w.counts(map[string]int{"GetSessionToken": 2, "AssumeRole": 3, "GetCallerIdentity": 2})

	// If STS keeps saying ExpiredToken, aws-runas gives up after one retry.
	w.srv.ResetCalls()
	w.srv.Fail(ststest.Fault{Action: "AssumeRole", Code: "ExpiredToken"})
	_, err := w.provider().Get(context.Background(), Request{Profile: "admin", Refresh: true})
	if err == nil || !strings.Contains(err.Error(), "ExpiredToken") {
		t.Fatalf("error = %v", err)
	}
	w.counts(map[string]int{"GetSessionToken": 1, "AssumeRole": 2, "GetCallerIdentity": 1})
}

func TestNoRoleAndRoleARN(t *testing.T) {
	w := newWorld(t, "")
	res := w.get(Request{Profile: "admin", NoRole: true})
	if res.RoleARN != "" || res.Credentials.SessionToken == "" {
		t.Errorf("no-role result = %+v", res)
	}
	res = w.get(Request{Profile: "arn:aws:iam::123456789012:role/readonly"})
	if res.RoleARN != "arn:aws:iam::123456789012:role/readonly" || res.Profile != "arn:aws:iam::123456789012:role/readonly" {
		t.Errorf("role ARN result = %+v", res)
	}
	w.counts(map[string]int{"GetSessionToken": 1, "AssumeRole": 1, "GetCallerIdentity": 1})
	if _, err := w.provider().Get(context.Background(), Request{Profile: "arn:aws:s3:::bucket"}); err == nil || !strings.Contains(err.Error(), "is not an IAM role ARN") {
		t.Errorf("error = %v", err)
	}
}

func TestRotatedKeyInvalidatesCache(t *testing.T) {
	w := newWorld(t, "")
	w.get(Request{Profile: "admin"})
	w.srv.AddUser(ststest.User{Name: "alice2", Account: account, AccessKeyID: "AKIAALICE0000000002", SecretAccessKey: "new", MFASerial: mfaSerial, MFACode: mfaCode})
	os.WriteFile(w.files.Credentials, []byte("[default]\naws_access_key_id = AKIAALICE0000000002\naws_secret_access_key = new\n"), 0o600)
	w.get(Request{Profile: "admin"})
	w.counts(map[string]int{"GetSessionToken": 2, "AssumeRole": 2, "GetCallerIdentity": 2})
}

// The MFA question names the profile asked for and carries the prompt
// keys of the nearest profile of the chain that sets each.
func TestMFAQuestionCarriesPromptKeys(t *testing.T) {
	w := newWorld(t, `[profile keyed]
role_arn = arn:aws:iam::123456789012:role/outer
source_profile = inner
mfa_prompt = zenity
`)
	cfg := strings.Replace(mustRead(t, w.files.Config), "[default]\n", "[default]\nmfa_process = my-otp prod\nmfa_prompt = ykman\nmfa_oath_name = AWS:alice\n", 1)
	if err := os.WriteFile(w.files.Config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	w.get(Request{Profile: "keyed"})
	want := prompt.Code{Profile: prompt.Profile{Name: "keyed", MFAPrompt: "zenity", MFAProcess: "my-otp prod", OATHName: "AWS:alice"}, Device: mfaSerial}
	if w.lastCode != want {
		t.Errorf("MFA question = %+v, want %+v", w.lastCode, want)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNoPromptIsInputNeeded(t *testing.T) {
	w := newWorld(t, "")
	p := w.provider()
	p.Prompter = nil
	_, err := p.Get(context.Background(), Request{Profile: "admin"})
	var in *InputNeededError
	if !errors.As(err, &in) {
		t.Fatalf("error = %v", err)
	}
	if w.srv.CallCount("") != 0 {
		t.Errorf("STS was called: %v", w.srv.Calls())
	}
	entries, _ := filepath.Glob(filepath.Join(w.files.CacheDir(), "*.json"))
	if len(entries) != 0 {
		t.Errorf("cache written: %v", entries)
	}
}

func TestParallelGetsShareOneSequence(t *testing.T) {
	w := newWorld(t, "")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.provider().Get(context.Background(), Request{Profile: "admin"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.counts(map[string]int{"GetSessionToken": 1, "AssumeRole": 1, "GetCallerIdentity": 1})
	if w.prompts.Load() != 1 {
		t.Errorf("MFA prompts = %d", w.prompts.Load())
	}
}

// Cached sign-on credentials belong to the user who signed in: another
// user of the same IdP (or another IdP) does not get them.
func TestFederatedCacheIsPerIdentity(t *testing.T) {
	w := newWorld(t, "")
	p := w.provider()
	p.Prompter = nil
	prof := func(user string) *config.Profile {
		return &config.Profile{Name: "sso", RoleARN: "arn:aws:iam::123456789012:role/admin", SAMLAuthURL: "https://127.0.0.1:1/sso", SAMLUsername: user, Where: config.Place("test")}
	}
	alice := &job{p: p, ch: &config.Chain{Base: prof("alice"), Roles: []*config.Profile{prof("alice")}}, now: time.Now()}
	p.Cache.Store(cache.Role, "sso", &cache.Entry{AccessKeyID: "ASIACACHED", SecretAccessKey: "s", SessionToken: "t",
		Expiration: time.Now().Add(time.Hour), RoleARN: "arn:aws:iam::123456789012:role/admin", SourceKeyID: alice.sourceID()})
	if e, err := alice.role(context.Background(), 0); err != nil || e.AccessKeyID != "ASIACACHED" {
		t.Fatalf("alice did not get her cached credentials: %v %v", e, err)
	}
	bob := &job{p: p, ch: &config.Chain{Base: prof("bob"), Roles: []*config.Profile{prof("bob")}}, now: time.Now()}
	if e, err := bob.role(context.Background(), 0); err == nil || e != nil {
		t.Fatalf("bob got alice's cached credentials: %+v", e)
	}
}

// writeFiles makes a config and a credentials file in a temp dir.
func writeFiles(t *testing.T, cfg, credentials string) config.Files {
	t.Helper()
	c, cr := credtest.WriteFiles(t, cfg, credentials)
	return config.Files{Config: c, Credentials: cr}
}
