package credserver

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// credentialKeys are the keys with which a profile brings its own
// credentials; any of them in the default profile makes the SDKs use the
// profile rather than the container endpoint.
var credentialKeys = map[string]bool{
	"aws_access_key_id": true, "aws_secret_access_key": true, "aws_session_token": true, "aws_security_token": true,
	"credential_process": true, "credential_source": true, "source_profile": true, "role_arn": true,
	"web_identity_token_file": true, "sso_session": true, "sso_start_url": true, "sso_account_id": true,
	"sso_role_name": true, "sso_region": true, "login_session": true,
}

// HideDefaultProfile makes the AWS SDKs of a child fall through to the
// container endpoint. The SDKs read the environment, then the default
// profile of the shared files, and only then the container endpoint: when
// the default profile holds credentials (keys in ~/.aws/credentials, most
// often), the child gets a private copy of that file without them, in the
// same directory, and every other profile and setting as it was. env is
// the variables pointing the child at the copies (none when nothing had to
// be hidden); remove deletes the copies.
func HideDefaultProfile(getenv func(string) string) (env []string, remove func(), err error) {
	home := getenv("HOME")
	if h, err := os.UserHomeDir(); home == "" && err == nil {
		home = h
	}
	var made []string
	remove = func() {
		for _, p := range made {
			os.Remove(p)
		}
	}
	for _, f := range []struct{ env, def string }{
		{"AWS_SHARED_CREDENTIALS_FILE", "credentials"},
		{"AWS_CONFIG_FILE", "config"},
	} {
		path := getenv(f.env)
		if path == "" {
			if home == "" {
				continue
			}
			path = filepath.Join(home, ".aws", f.def)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			continue // no file, nothing to hide
		}
		out, changed := withoutDefaultCredentials(string(data), f.def == "config")
		if !changed {
			continue
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), ".aws-runas-server-*."+f.def)
		if err != nil {
			remove()
			return nil, nil, err
		}
		made = append(made, tmp.Name())
		_, err = tmp.WriteString(out)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			remove()
			return nil, nil, err
		}
		env = append(env, f.env+"="+tmp.Name())
	}
	return env, remove, nil
}

// withoutDefaultCredentials drops the credential keys (and their
// continuation lines) from the default profile's sections of an AWS
// shared file.
func withoutDefaultCredentials(text string, config bool) (string, bool) {
	var b strings.Builder
	inDefault, dropping, changed := false, false, false
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "["):
			name := strings.TrimSpace(strings.Trim(trimmed, "[]"))
			if config {
				if n, ok := strings.CutPrefix(name, "profile "); ok {
					name = strings.TrimSpace(n)
				}
			}
			inDefault, dropping = name == "default", false
		case dropping && trimmed != "" && (line[0] == ' ' || line[0] == '\t'):
			continue // a nested value of the key dropped
		case inDefault && trimmed != "" && trimmed[0] != '#' && trimmed[0] != ';':
			key, _, _ := strings.Cut(trimmed, "=")
			dropping = credentialKeys[strings.ToLower(strings.TrimSpace(key))]
			if dropping {
				changed = true
				continue
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), changed
}
