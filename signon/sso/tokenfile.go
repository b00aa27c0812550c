package sso

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"

	"github.com/aws-runas/aws-runas/creds/cache"
)

// token is one file of the AWS CLI v2's token cache. The fields are the
// CLI's, in its order; fields this package does not know are kept as
// they were, as the CLI and the SDK keep them.
type token struct {
	StartURL              string `json:"startUrl,omitempty"`
	Region                string `json:"region,omitempty"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"`
	ClientID              string `json:"clientId,omitempty"`
	ClientSecret          string `json:"clientSecret,omitempty"`
	RegistrationExpiresAt string `json:"registrationExpiresAt,omitempty"`
	RefreshToken          string `json:"refreshToken,omitempty"`

	extra map[string]json.RawMessage
}

// known are the JSON names of token's fields.
var known = map[string]bool{"startUrl": true, "region": true, "accessToken": true, "expiresAt": true,
	"clientId": true, "clientSecret": true, "registrationExpiresAt": true, "refreshToken": true}

// timeFormat is how the CLI writes expiresAt and registrationExpiresAt.
const timeFormat = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads RFC 3339, and the "2019-11-14T04:05:45UTC" of old CLIs.
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	t, err := time.Parse("2006-01-02T15:04:05UTC", s)
	return t, err == nil
}

func (t *token) expires() time.Time {
	e, _ := parseTime(t.ExpiresAt)
	return e
}

func (t *token) registrationExpires() time.Time {
	e, _ := parseTime(t.RegistrationExpiresAt)
	return e
}

func (t *token) MarshalJSON() ([]byte, error) {
	type plain token
	b, err := json.Marshal((*plain)(t))
	if err != nil || len(t.extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(t.extra))
	for k := range t.extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	buf := bytes.NewBuffer(b[:len(b)-1])
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		buf.WriteByte(',')
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(t.extra[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (t *token) UnmarshalJSON(b []byte) error {
	type plain token
	if err := json.Unmarshal(b, (*plain)(t)); err != nil {
		return err
	}
	return json.Unmarshal(b, &t.extra)
}

// cacheDir is the directory of the token files: dir, else ~/.aws/sso/cache
// (where the SDK looks).
func cacheDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	p, err := ssocreds.StandardCachedTokenFilepath("")
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

// TokenFile is the path of the session's token file in dir ("" for
// ~/.aws/sso/cache): the SHA-1 hex of its cache key, as the AWS CLI v2
// and the SDK name it.
func TokenFile(dir string, s Settings) (string, error) {
	d, err := cacheDir(dir)
	if err != nil {
		return "", err
	}
	sum := sha1.Sum([]byte(s.CacheKey()))
	return filepath.Join(d, hex.EncodeToString(sum[:])+".json"), nil
}

// errNoToken: the file is missing, or cannot be trusted.
var errNoToken = errors.New("no usable token file")

// readToken reads a token file. A file that is torn (the CLI rewrites its
// files in place), corrupt, not a regular file or writable by others is
// treated as absent; why is told to debug, which never sees a secret.
func readToken(path string, debug func(string, ...any)) (*token, error) {
	f, err := os.Open(path)
	if err != nil {
		if !os.IsNotExist(err) {
			debug("SSO token file %s: %v", path, err)
		}
		return nil, errNoToken
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		debug("SSO token file %s: not a regular file, ignored", path)
		return nil, errNoToken
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o022 != 0 {
		debug("SSO token file %s: writable by others, ignored", path)
		return nil, errNoToken
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, errNoToken
	}
	var t token
	if err := json.Unmarshal(data, &t); err != nil {
		// The error may quote the file; say only where it broke.
		debug("SSO token file %s: not valid JSON, ignored", path)
		return nil, errNoToken
	}
	return &t, nil
}

// writeToken writes the file atomically and privately: a 0600 temporary
// file in the same directory (0700 when created), synced, then renamed
// over the old one, so that a reader (aws-runas or the CLI) sees the old
// token or the new, never a part.
func writeToken(path string, t *token) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return cache.WriteFileAtomic(path, data)
}
