package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/credtest"
)

// writeFiles makes a config and a credentials file in a temp dir.
func writeFiles(t *testing.T, config, credentials string) Files {
	t.Helper()
	c, cr := credtest.WriteFiles(t, config, credentials)
	return Files{Config: c, Credentials: cr}
}

func load(t *testing.T, f Files) *Config {
	t.Helper()
	c, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const testConfig = `# comment
[default]
region = eu-west-1

[profile base]
mfa_serial = arn:aws:iam::123456789012:mfa/alice ; inline comment
region=us-east-2
s3 =
    max_concurrent_requests = 20

[profile prod]
role_arn = arn:aws:iam::123456789012:role/prod
source_profile = base
external_id = ext=1,a@b.c:d/e-f_g+h
duration_seconds = 7200
role_session_name = alice

[profile chained]
role_arn = arn:aws:iam::123456789012:role/chained
source_profile = prod

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = loop-a

[profile self]
role_arn = arn:aws:iam::123456789012:role/self
source_profile = self
aws_access_key_id = AKIASELF
aws_secret_access_key = selfsecret

[sso-session corp]
sso_region = us-east-1

[notaprofile]
region = nowhere
`

const testCredentials = `[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = defaultsecret

[base]
aws_access_key_id = AKIABASE
aws_secret_access_key = basesecret
region = ignored-config-wins
`

func TestProfileKeys(t *testing.T) {
	c := load(t, writeFiles(t, testConfig, testCredentials))
	p, err := c.Profile("base")
	if err != nil {
		t.Fatal(err)
	}
	if p.MFASerial != "arn:aws:iam::123456789012:mfa/alice" || p.Region != "us-east-2" || p.AccessKeyID != "AKIABASE" || p.SecretAccessKey != "basesecret" {
		t.Errorf("base = %+v", p)
	}
	p, err = c.Profile("prod")
	if err != nil {
		t.Fatal(err)
	}
	if p.ExternalID != "ext=1,a@b.c:d/e-f_g+h" || p.Duration != 2*time.Hour || p.RoleSessionName != "alice" {
		t.Errorf("prod = %+v", p)
	}
}

func TestNames(t *testing.T) {
	c := load(t, writeFiles(t, testConfig, testCredentials))
	got := strings.Join(c.Names(), ",")
	want := "base,chained,default,loop-a,loop-b,prod,self"
	if got != want {
		t.Errorf("Names() = %s, want %s", got, want)
	}
}

func TestResolve(t *testing.T) {
	c := load(t, writeFiles(t, testConfig, testCredentials))
	ch, err := c.Resolve("chained")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Base.Name != "base" || len(ch.Roles) != 2 || ch.Roles[0].Name != "prod" || ch.Roles[1].Name != "chained" {
		t.Errorf("chain = base %s, roles %v", ch.Base.Name, names(ch.Roles))
	}
	ch, err = c.Resolve("self")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Base.AccessKeyID != "AKIASELF" || ch.Base.RoleARN != "" || len(ch.Roles) != 1 {
		t.Errorf("self chain = %+v", ch)
	}
	_, err = c.Resolve("loop-a")
	if err == nil || !strings.Contains(err.Error(), "source_profile loop: loop-a -> loop-b -> loop-a") {
		t.Errorf("loop error = %v", err)
	}
}

func TestUnknownProfileSuggests(t *testing.T) {
	c := load(t, writeFiles(t, testConfig, testCredentials))
	_, err := c.Resolve("prd")
	if err == nil || !strings.Contains(err.Error(), `did you mean "prod"`) {
		t.Errorf("error = %v", err)
	}
	_, err = c.Resolve("notaprofile")
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("a bare [section] in the config file is no profile; error = %v", err)
	}
}

func TestMalformedNamesFileAndLine(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"[profile a]\nregion\n", "config:2: expected 'key = value'"},
		{"region = x\n", "config:1: a line outside any [section]"},
		{"[profile a\n", "config:1: section header"},
		{"[profile a]\nregion = \xff\n", "config:2: value of region: not valid UTF-8"},
		{"[profile a]\nregion = a\x00b\n", "config:2: value of region: contains a NUL byte"},
		{"[profile a]\nduration_seconds = 1h\n", "config:2: duration_seconds must be a whole number"},
	} {
		f := writeFiles(t, tc.config, "")
		c, err := Load(f)
		if err == nil {
			_, err = c.Profile("a")
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %q: error %v, want %q", tc.config, err, tc.want)
		}
	}
}

func TestProjectConfigIsRestricted(t *testing.T) {
	f := writeFiles(t, testConfig, testCredentials)
	dir := t.TempDir()
	f.Project = filepath.Join(dir, "aws_config")
	write := func(s string) *Config {
		if err := os.WriteFile(f.Project, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return load(t, f)
	}
	c := write("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\nregion = ap-south-1\n")
	ch, err := c.Resolve("app")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Base.Name != "base" || ch.Target().Region != "ap-south-1" {
		t.Errorf("project chain = %+v", ch)
	}
	for _, key := range []string{"credential_process = touch /tmp/pwned", "credential_source = Environment", "endpoint_url = http://evil.example", "aws_access_key_id = AKIAEVIL",
		"mfa_process = touch /tmp/pwned", "mfa_prompt = ykman", "mfa_oath_name = x"} {
		c := write("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n" + key + "\n")
		_, err := c.Resolve("app")
		if err == nil || !strings.Contains(err.Error(), "not allowed in a project's aws_config") {
			t.Errorf("%s: error = %v", key, err)
		}
	}
	// A source_profile naming another project profile is looked up in the
	// user's own files only.
	c = write("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = helper\n[profile helper]\nrole_arn = arn:aws:iam::123456789012:role/h\nsource_profile = base\n")
	if _, err := c.Resolve("app"); err == nil || !strings.Contains(err.Error(), `profile "helper" not found`) {
		t.Errorf("project source_profile: error = %v", err)
	}
}

// A project profile named like one of the user's own is refused, naming
// both files: a cloned repository never changes what "prod" means.
func TestProjectProfileMayNotShadowOwn(t *testing.T) {
	f := writeFiles(t, testConfig, testCredentials)
	f.Project = filepath.Join(t.TempDir(), "aws_config")
	for _, tc := range []struct{ name, own string }{
		{"prod", f.Config + ":11"},            // [profile prod] of the config file
		{"default", f.Config + ":2"},          // [default]
		{"base", f.Config + ":5"},             // in both of the user's files: the config file is named
		{"creds-only", f.Credentials + ":10"}, // only in the credentials file
	} {
		creds := testCredentials + "\n[creds-only]\naws_access_key_id = AKIAX\naws_secret_access_key = x\n"
		if err := os.WriteFile(f.Credentials, []byte(creds), 0o600); err != nil {
			t.Fatal(err)
		}
		section := "[profile " + tc.name + "]"
		if err := os.WriteFile(f.Project, []byte("# project\n"+section+"\nrole_arn = arn:aws:iam::999999999999:role/x\nsource_profile = base\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := load(t, f).Resolve(tc.name)
		if err == nil || !strings.Contains(err.Error(), f.Project+":2 ") || !strings.Contains(err.Error(), tc.own+":") {
			t.Errorf("%s: error = %v, want one naming %s:2 and %s", tc.name, err, f.Project, tc.own)
		}
	}
	// A name of the project's own is fine.
	if err := os.WriteFile(f.Project, []byte("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(t, f).Resolve("app"); err != nil {
		t.Error(err)
	}
}

func names(ps []*Profile) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestFederatedProfileNeedsRoleARN(t *testing.T) {
	c := load(t, writeFiles(t, "[profile sso]\nsaml_auth_url = https://idp.example.com/sso\n", ""))
	if _, err := c.Resolve("sso"); err == nil || !strings.Contains(err.Error(), "has no role_arn") {
		t.Errorf("error = %v", err)
	}
}
