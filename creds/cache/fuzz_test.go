package cache

import (
	"os"
	"testing"
	"time"
)

// FuzzCacheEntry: whatever a cache file holds, load either returns a
// complete, unexpired entry or nothing.
func FuzzCacheEntry(f *testing.F) {
	f.Add([]byte(`{"version":1,"access_key_id":"A","secret_access_key":"s","session_token":"t","expiration":"2099-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"access_key_id":"A","secret_access_key":"s","session_token":"t","expiration":"1999-01-01T00:00:00Z"}`))
	f.Add([]byte(`{`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Cache{Dir: dir}
		if err := os.WriteFile(c.Path(Role, "fuzz", ".json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		e := c.Load(Role, "fuzz", now)
		if e == nil {
			return
		}
		if e.Version != Version || e.AccessKeyID == "" || e.SecretAccessKey == "" || e.SessionToken == "" || e.Expiration.Sub(now) <= MinRemaining {
			t.Fatalf("untrustworthy entry accepted: %+v", e)
		}
	})
}
