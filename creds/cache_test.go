package creds

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

func TestCachePathStaysInDir(t *testing.T) {
	c := &Cache{Dir: "/cache"}
	for _, name := range []string{"../../etc/passwd", "/abs", `..\win`, "a\x00b", ".hidden", strings.Repeat("x", 5000), "prod"} {
		p := c.path(roleKind, name, ".json")
		if filepath.Dir(p) != "/cache" {
			t.Errorf("%q -> %s leaves the cache dir", name, p)
		}
		if len(filepath.Base(p)) > 200 {
			t.Errorf("%q -> name of %d bytes", name, len(filepath.Base(p)))
		}
	}
	if c.path(roleKind, "a/b", ".json") == c.path(roleKind, "a%2Fb", ".json") {
		t.Error("distinct names share a file")
	}
}

func TestCacheLoadIgnoresUntrusted(t *testing.T) {
	now := time.Now()
	c := &Cache{Dir: t.TempDir()}
	good := &entry{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(time.Hour)}
	c.store(roleKind, "p", good)
	p := c.path(roleKind, "p", ".json")
	if fi, err := os.Stat(p); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Fatalf("stored file: %v %v", fi, err)
	}
	if e := c.load(roleKind, "p", now); e == nil || e.AccessKeyID != "ASIA1" {
		t.Fatalf("load = %+v", e)
	}
	if e := c.load(roleKind, "p", now.Add(56*time.Minute)); e != nil {
		t.Error("an entry within 5 minutes of expiry was used")
	}
	if runtime.GOOS != "windows" {
		os.Chmod(p, 0o622)
		if e := c.load(roleKind, "p", now); e != nil {
			t.Error("a file writable by others was trusted")
		}
		os.Chmod(p, 0o600)
	}
	for _, bad := range []string{"", "{", `{"version":2,"access_key_id":"A","secret_access_key":"s","session_token":"t","expiration":"2099-01-01T00:00:00Z"}`, `{"version":1,"access_key_id":"A"}`} {
		os.WriteFile(p, []byte(bad), 0o600)
		if e := c.load(roleKind, "p", now); e != nil {
			t.Errorf("content %q was trusted", bad)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(c.Dir, "*.tmp*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestCacheUnwritableDirWarnsOnce(t *testing.T) {
	var warnings []string
	parent := t.TempDir()
	if err := os.WriteFile(filepath.Join(parent, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A directory that cannot be made: its parent is a file.
	c := &Cache{Dir: filepath.Join(parent, "file", "dir"), Warn: func(m string) { warnings = append(warnings, m) }}
	unlock := c.lock(roleKind, "p")
	unlock()
	c.store(roleKind, "p", &entry{AccessKeyID: "A", SecretAccessKey: "s", SessionToken: "t", Expiration: time.Now().Add(time.Hour)})
	if len(warnings) != 1 {
		t.Errorf("warnings = %q, want one", warnings)
	}
	for _, w := range warnings {
		if strings.Contains(w, "secret") {
			t.Errorf("warning names a secret: %s", w)
		}
	}
}

func TestSessionName(t *testing.T) {
	now := time.Unix(1700000000, 0)
	if got := defaultSessionName("123456789012", "arn:aws:iam::123456789012:user/alice", now); got != "aws-runas-session_123456789012_alice_1700000000" {
		t.Errorf("got %s", got)
	}
	if got := defaultSessionName("", "", now); got != "aws-runas-session_1700000000" {
		t.Errorf("got %s", got)
	}
	long := sanitizeSessionName(defaultSessionName("123456789012", "arn:aws:iam::123456789012:user/"+strings.Repeat("é", 40), now))
	if len(long) != 64 || strings.ContainsAny(long, "é") {
		t.Errorf("sanitized = %q (%d)", long, len(long))
	}
}

// With Wait set (--non-interactive), a lock held elsewhere, say by a run
// at its MFA prompt, delays a run only that long.
func TestCacheLockWaitIsBounded(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), Wait: 100 * time.Millisecond}
	holder := flock.New(c.path(roleKind, "p", ".lock"))
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock()
	done := make(chan struct{})
	go func() {
		c.lock(roleKind, "p")()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("lock waited for the holder despite Wait")
	}
}
