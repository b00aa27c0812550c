package credserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHideDefaultProfile(t *testing.T) {
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	os.MkdirAll(aws, 0o700)
	creds := "[default]\naws_access_key_id = AKIADEFAULT\n# kept\naws_secret_access_key=secret\n\n[bob]\naws_access_key_id = AKIABOB\naws_secret_access_key = bobsecret\n"
	config := "[profile default]\nregion = eu-west-1\ncredential_process = x\n  nested = y\ns3 =\n  max_concurrent_requests = 4\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
	os.WriteFile(filepath.Join(aws, "credentials"), []byte(creds), 0o600)
	os.WriteFile(filepath.Join(aws, "config"), []byte(config), 0o600)
	env, remove, err := HideDefaultProfile(func(k string) string { return map[string]string{"HOME": home}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(env) != 2 {
		t.Fatalf("env: %q", env)
	}
	got := map[string]string{}
	for _, kv := range env {
		name, path, _ := strings.Cut(kv, "=")
		if filepath.Dir(path) != aws {
			t.Errorf("%s: copy in %s", name, path)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, fi.Mode(), err)
		}
		b, _ := os.ReadFile(path)
		got[name] = string(b)
	}
	if want := "[default]\n# kept\n\n[bob]\naws_access_key_id = AKIABOB\naws_secret_access_key = bobsecret\n"; got["AWS_SHARED_CREDENTIALS_FILE"] != want {
		t.Errorf("credentials copy:\n%s\nwant:\n%s", got["AWS_SHARED_CREDENTIALS_FILE"], want)
	}
	if want := "[profile default]\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 4\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"; got["AWS_CONFIG_FILE"] != want {
		t.Errorf("config copy:\n%s\nwant:\n%s", got["AWS_CONFIG_FILE"], want)
	}
	remove()
	if left, _ := filepath.Glob(filepath.Join(aws, ".aws-runas-server-*")); len(left) != 0 {
		t.Errorf("left: %q", left)
	}
	// Nothing to hide: no copies.
	os.WriteFile(filepath.Join(aws, "credentials"), []byte("[bob]\naws_access_key_id = A\n"), 0o600)
	os.WriteFile(filepath.Join(aws, "config"), []byte("[default]\nregion = x\n"), 0o600)
	if env, _, _ := HideDefaultProfile(func(k string) string { return map[string]string{"HOME": home}[k] }); len(env) != 0 {
		t.Errorf("env: %q", env)
	}
}
