package cache

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
		p := c.Path(Role, name, ".json")
		if filepath.Dir(p) != "/cache" {
			t.Errorf("%q -> %s leaves the cache dir", name, p)
		}
		if len(filepath.Base(p)) > 200 {
			t.Errorf("%q -> name of %d bytes", name, len(filepath.Base(p)))
		}
	}
	if c.Path(Role, "a/b", ".json") == c.Path(Role, "a%2Fb", ".json") {
		t.Error("distinct names share a file")
	}
}

func TestCacheLoadIgnoresUntrusted(t *testing.T) {
	now := time.Now()
	c := &Cache{Dir: t.TempDir()}
	good := &Entry{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(time.Hour)}
	c.Store(Role, "p", good)
	p := c.Path(Role, "p", ".json")
	if fi, err := os.Stat(p); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Fatalf("stored file: %v %v", fi, err)
	}
	if e := c.Load(Role, "p", now); e == nil || e.AccessKeyID != "ASIA1" {
		t.Fatalf("load = %+v", e)
	}
	if e := c.Load(Role, "p", now.Add(56*time.Minute)); e != nil {
		t.Error("an entry within 5 minutes of expiry was used")
	}
	if runtime.GOOS != "windows" {
		os.Chmod(p, 0o622)
		if e := c.Load(Role, "p", now); e != nil {
			t.Error("a file writable by others was trusted")
		}
		os.Chmod(p, 0o600)
	}
	for _, bad := range []string{"", "{", `{"version":2,"access_key_id":"A","secret_access_key":"s","session_token":"t","expiration":"2099-01-01T00:00:00Z"}`, `{"version":1,"access_key_id":"A"}`} {
		os.WriteFile(p, []byte(bad), 0o600)
		if e := c.Load(Role, "p", now); e != nil {
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
	unlock := c.Lock(Role, "p")
	unlock()
	c.Store(Role, "p", &Entry{AccessKeyID: "A", SecretAccessKey: "s", SessionToken: "t", Expiration: time.Now().Add(time.Hour)})
	if len(warnings) != 1 {
		t.Errorf("warnings = %q, want one", warnings)
	}
	for _, w := range warnings {
		if strings.Contains(w, "secret") {
			t.Errorf("warning names a secret: %s", w)
		}
	}
}

// With Wait set (--non-interactive), a lock held elsewhere, say by a run
// at its MFA prompt, delays a run only that long.
func TestCacheLockWaitIsBounded(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), Wait: 100 * time.Millisecond}
	holder := flock.New(c.Path(Role, "p", ".lock"))
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock()
	done := make(chan struct{})
	go func() {
		c.Lock(Role, "p")()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("lock waited for the holder despite Wait")
	}
}
