// Package cache keeps credentials, and what sign-on needs to keep, in
// private files beside the config file: one file per entry, written
// atomically, read only when it is private to this user, and an flock per
// entry so that parallel runs ask STS (and the user) once.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gofrs/flock"
)

// Version is the format of the cache files; a file of another version
// (say, from a newer aws-runas) is ignored and replaced.
const Version = 1

// MinRemaining: credentials closer than this to expiry are renewed rather
// than used. It matches the shell hook's refresh window, so the hook's call
// always gets fresh credentials.
const MinRemaining = 5 * time.Minute

// Entry is one cached set of credentials.
type Entry struct {
	Version         int       `json:"version"`
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	Expiration      time.Time `json:"expiration"`

	// What the credentials were made for: a change makes them stale.
	RoleARN    string `json:"role_arn,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	MFASerial  string `json:"mfa_serial,omitempty"`
	// SourceKeyID is what the chain started from (creds' job.sourceID): the
	// long-term access key, or the identity provider and user, so that
	// rotated keys or another sign-in never get the old identity's
	// credentials.
	SourceKeyID string `json:"source_key_id,omitempty"`

	RoleSessionName string `json:"role_session_name,omitempty"`
	// The caller identity of a session token, for role session names.
	Account string `json:"account,omitempty"`
	ARN     string `json:"arn,omitempty"`
}

// Cache keeps credentials in files beside the config file. Any failure to
// use it degrades to working without it, after one warning.
type Cache struct {
	Dir string
	// Wait bounds how long a run waits for another run's lock; 0 waits as
	// long as it takes. With --non-interactive (the prompt hook) it is
	// short: the other run may sit at an MFA prompt for minutes, and the
	// waiting one can only go on without the lock, since it cannot ask
	// anything itself.
	Wait   time.Duration
	Warn   func(msg string) // told once when the cache cannot be written
	Debug  func(format string, args ...any)
	warned bool
}

// Kind is a kind of entry: the first part of its file's name.
type Kind string

const (
	Session Kind = "session" // one per source profile
	Role    Kind = "role"    // one per profile or role ARN
)

// Path names the file for a profile. The name is encoded so that no profile
// name can leave the directory or collide with another: bytes outside
// [A-Za-z0-9_.-] become %XX, a leading dot is encoded too, and a long name
// is shortened with a hash of the whole.
func (c *Cache) Path(kind Kind, name, ext string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' || (ch == '.' && i > 0) {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	enc := b.String()
	if len(enc) > 96 {
		sum := sha256.Sum256([]byte(name))
		enc = enc[:64] + "~" + hex.EncodeToString(sum[:12])
	}
	return filepath.Join(c.Dir, ".aws-runas."+string(kind)+"."+enc+ext)
}

// Lock takes the lock for one cache file and returns its release. The lock
// is an flock on a separate file, so the kernel drops it when its holder
// dies. Without a usable cache directory there is nothing to lock.
func (c *Cache) Lock(kind Kind, name string) func() {
	if c == nil {
		return func() {}
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		c.WarnOnce(err)
		return func() {}
	}
	l := flock.New(c.Path(kind, name, ".lock"), flock.SetPermissions(0o600))
	if c.Wait > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), c.Wait)
		defer cancel()
		if ok, err := l.TryLockContext(ctx, 20*time.Millisecond); !ok {
			c.Debugf("lock of %s %q still held after %s (%v): going on without it", kind, name, c.Wait, err)
			return func() {}
		}
		return func() { _ = l.Unlock() }
	}
	if err := l.Lock(); err != nil {
		c.WarnOnce(err)
		return func() {}
	}
	return func() { _ = l.Unlock() }
}

// Load returns the cached entry, or nil when there is none that can be
// trusted: missing, unreadable, not private to this user, corrupt, of
// another format, or expiring within MinRemaining of now.
func (c *Cache) Load(kind Kind, name string, now time.Time) *Entry {
	if c == nil {
		return nil
	}
	p := c.Path(kind, name, ".json")
	var e Entry
	if !ReadPrivateJSON(p, &e, c.Debugf) {
		return nil
	}
	switch {
	case e.Version != Version:
		c.Debugf("cache %s: format version %d, ignored", p, e.Version)
		return nil
	case e.AccessKeyID == "" || e.SecretAccessKey == "" || e.SessionToken == "" || e.Expiration.IsZero():
		c.Debugf("cache %s: incomplete, ignored", p)
		return nil
	case e.Expiration.Sub(now) <= MinRemaining:
		c.Debugf("cache %s: expires %s, too soon to use", p, e.Expiration.Format(time.RFC3339))
		return nil
	}
	return &e
}

// ReadPrivateJSON decodes the JSON file at path into v, unless it cannot be
// trusted: missing, unreadable, not a regular file, not private to this
// user, larger than 1 MiB, or corrupt. debug is told why.
func ReadPrivateJSON(path string, v any, debug func(format string, args ...any)) bool {
	f, err := os.Open(path)
	if err != nil {
		if !os.IsNotExist(err) {
			debug("%s: %v", path, err)
		}
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		debug("%s: not a regular file, ignored", path)
		return false
	}
	if why := notPrivate(fi); why != "" {
		debug("%s: %s, ignored", path, why)
		return false
	}
	if err := json.NewDecoder(io.LimitReader(f, 1<<20)).Decode(v); err != nil {
		debug("%s: corrupt (%v), ignored", path, err)
		return false
	}
	return true
}

// Store writes e atomically: a private temporary file in the same
// directory, synced, then renamed over the old file, so a reader sees the
// old entry or the new one, never a part.
func (c *Cache) Store(kind Kind, name string, e *Entry) {
	if c == nil {
		return
	}
	e.Version = Version
	data, err := json.Marshal(e)
	if err != nil {
		c.WarnOnce(err)
		return
	}
	if err := WriteFileAtomic(c.Path(kind, name, ".json"), data); err != nil {
		c.WarnOnce(err)
	}
}

// Remove drops an entry STS no longer honours.
func (c *Cache) Remove(kind Kind, name string) {
	if c == nil {
		return
	}
	if err := os.Remove(c.Path(kind, name, ".json")); err != nil && !os.IsNotExist(err) {
		c.WarnOnce(err)
	}
}

// WriteFileAtomic writes data to a private temporary file beside path,
// syncs it, and renames it over path.
func WriteFileAtomic(path string, data []byte) (err error) {
	// os.CreateTemp makes the file 0600 and O_EXCL.
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return replaceFile(f.Name(), path)
}

// WarnOnce reports, the first time only, that the cache cannot be used.
func (c *Cache) WarnOnce(err error) {
	if c.warned {
		return
	}
	c.warned = true
	if c.Warn != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			c.Warn(fmt.Sprintf("warning: credentials cache not usable (%v); continuing without it", err))
			return
		}
		c.Warn(fmt.Sprintf("warning: credentials cache not usable: %v; continuing without it", err))
	}
}

// Debugf logs to Debug, if set.
func (c *Cache) Debugf(format string, args ...any) {
	if c.Debug != nil {
		c.Debug(format, args...)
	}
}

// Credentials are the entry's credentials as the SDK holds them.
func (e *Entry) Credentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey, SessionToken: e.SessionToken, CanExpire: !e.Expiration.IsZero(), Expires: e.Expiration}
}
