package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

const (
	doctorKeyID  = "AKIADOCTORTEST000001"
	doctorSecret = "doctorSecretKeyThatMustNeverBePrinted0001"
	doctorRole   = "arn:aws:iam::123456789012:role/deploy"
)

// doctorSetup makes a home with a config, credentials and a zshrc that
// runs init, points STS at a test server, and fills the cache with one
// real run (-O json prod). It returns the environment and the secrets the
// run obtained.
func doctorSetup(t *testing.T) (env map[string]string, srv *ststest.Server, secrets []string) {
	t.Helper()
	srv = ststest.NewTest(t)
	srv.AddUser(ststest.User{Name: "alice", Account: "123456789012", AccessKeyID: doctorKeyID, SecretAccessKey: doctorSecret})
	srv.AddRole(ststest.Role{ARN: doctorRole})
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	if err := os.Mkdir(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(path, content string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(aws, "config"), "[profile prod]\nrole_arn = "+doctorRole+"\nsource_profile = base\nregion = eu-west-1\n", 0o644)
	write(filepath.Join(aws, "credentials"), "[base]\naws_access_key_id = "+doctorKeyID+"\naws_secret_access_key = "+doctorSecret+"\n", 0o600)
	write(filepath.Join(home, ".zshrc"), "# aws-runas init bash (a comment does not count)\neval \"$(aws-runas init zsh)\"\n", 0o644)
	env = map[string]string{
		"HOME":                        home,
		"AWS_CONFIG_FILE":             filepath.Join(aws, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(aws, "credentials"),
		"AWS_ENDPOINT_URL_STS":        srv.URL,
		"AWS_RUNAS_SHELL":             "zsh",
	}
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }, environ: func() []string { return nil }}
	if code := a.main([]string{"--non-interactive", "-O", "json", "prod"}); code != 0 {
		t.Fatalf("warming the cache: exit %d: %s", code, errb.String())
	}
	var c struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || c.SessionToken == "" {
		t.Fatalf("warming the cache printed %q: %v", out.String(), err)
	}
	srv.ResetCalls()
	return env, srv, []string{doctorKeyID, doctorSecret, c.AccessKeyId, c.SecretAccessKey, c.SessionToken}
}

// runDoctor runs `aws-runas doctor args...` in-process with the clock off
// by skew, and returns its exit status and output lines by check.
func runDoctor(t *testing.T, env map[string]string, skew time.Duration, secrets []string, args ...string) (int, map[string]string) {
	t.Helper()
	var out bytes.Buffer
	d := &doctor{out: &out, getenv: func(k string) string { return env[k] }, now: func() time.Time { return time.Now().Add(skew) }, stsTimeout: 3 * time.Second}
	inv, _, err := parseArgs(append([]string{}, args...), d.getenv)
	if err != nil || inv.sub != "doctor" {
		t.Fatalf("parseArgs(%q): %+v, %v", args, inv, err)
	}
	code := exitOK
	if d.run(inv.opts.Path, inv.profile) {
		code = exitError
	}
	text := out.String()
	for _, s := range secrets {
		for i := 0; i+16 <= len(s); i++ {
			if strings.Contains(text, s[i:i+16]) {
				t.Fatalf("doctor printed part of a secret %q:\n%s", s[i:i+16], text)
			}
		}
	}
	lines := map[string]string{}
	line := regexp.MustCompile(`^(ok|warn|fail) +([a-z]+) +(.*)$`)
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q is not STATUS CHECK TEXT:\n%s", l, text)
		}
		lines[m[2]] = m[1] + " " + m[3]
	}
	t.Logf("doctor %q:\n%s", args, text)
	return code, lines
}

func wantLine(t *testing.T, lines map[string]string, check, pattern string) {
	t.Helper()
	if !regexp.MustCompile(pattern).MatchString(lines[check]) {
		t.Errorf("%s: %q, want it to match %s", check, lines[check], pattern)
	}
}

func TestDoctorAllWell(t *testing.T) {
	env, srv, secrets := doctorSetup(t)
	code, lines := runDoctor(t, env, 0, secrets, "doctor", "prod")
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	aws := filepath.Dir(env["AWS_CONFIG_FILE"])
	wantLine(t, lines, "config", `^ok `+regexp.QuoteMeta(env["AWS_CONFIG_FILE"])+` \(from AWS_CONFIG_FILE\)$`)
	wantLine(t, lines, "creds", `^ok `+regexp.QuoteMeta(env["AWS_SHARED_CREDENTIALS_FILE"]))
	wantLine(t, lines, "project", `^ok no ./aws_config`)
	wantLine(t, lines, "profile", `^ok "prod": "base" \(long-term keys\) -> "prod" role `+regexp.QuoteMeta(doctorRole)+`$`)
	wantLine(t, lines, "cache", `^ok `+regexp.QuoteMeta(aws)+` \(mode -rwx------\), [1-9][0-9]* cache files, all private$`)
	// The Date header has whole seconds: a second or two either way.
	wantLine(t, lines, "clock", `^ok (in step with|[12]s (ahead of|behind)) STS at `+regexp.QuoteMeta(srv.URL)+`$`)
	wantLine(t, lines, "shell", `^ok zsh; init is in `+regexp.QuoteMeta(filepath.Join(env["HOME"], ".zshrc"))+`$`)
	// The clock check is one unsigned request: no key reaches STS.
	calls := srv.Calls()
	if len(calls) != 1 || calls[0].Action != "GetCallerIdentity" || calls[0].AccessKeyID != "" {
		t.Errorf("STS received %+v, want one unsigned GetCallerIdentity", calls)
	}
}

func TestDoctorLooseCache(t *testing.T) {
	env, _, secrets := doctorSetup(t)
	aws := filepath.Dir(env["AWS_CONFIG_FILE"])
	files, _ := filepath.Glob(filepath.Join(aws, ".aws-runas.role.*.json"))
	if len(files) != 1 {
		t.Fatalf("role cache files: %q", files)
	}
	if err := os.Chmod(files[0], 0o644); err != nil {
		t.Fatal(err)
	}
	code, lines := runDoctor(t, env, 0, secrets, "doctor", "prod")
	if code != exitError {
		t.Errorf("a readable cache file: exit %d, want 1", code)
	}
	wantLine(t, lines, "cache", `^fail .*: 1 of [0-9]+ cache files are not private.*`+regexp.QuoteMeta(filepath.Base(files[0]))+` \(mode -rw-r--r--\)`)

	if err := os.Chmod(files[0], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(aws, 0o777); err != nil {
		t.Fatal(err)
	}
	code, lines = runDoctor(t, env, 0, secrets, "doctor", "prod")
	if code != exitError {
		t.Errorf("a cache directory others can write: exit %d, want 1", code)
	}
	wantLine(t, lines, "cache", `^fail `+regexp.QuoteMeta(aws)+` is writable by others \(mode -rwxrwxrwx\)`)
}

func TestDoctorClock(t *testing.T) {
	env, _, secrets := doctorSetup(t)
	code, lines := runDoctor(t, env, -20*time.Minute, secrets, "doctor", "prod")
	if code != exitError {
		t.Errorf("clock 20m behind: exit %d, want 1", code)
	}
	wantLine(t, lines, "clock", `^fail (19m59s|20m0s|20m1s|20m2s) behind STS at http://127\.0\.0\.1:[0-9]+: `)
	code, lines = runDoctor(t, env, 90*time.Second, secrets, "doctor", "prod")
	if code != exitOK {
		t.Errorf("clock 90s ahead: exit %d, want 0", code)
	}
	wantLine(t, lines, "clock", `^warn 1m(29|30|31|32)s ahead of STS`)

	closed := ststest.Start()
	closed.Close()
	env["AWS_ENDPOINT_URL_STS"] = closed.URL
	code, lines = runDoctor(t, env, 0, secrets, "doctor", "prod")
	if code != exitOK {
		t.Errorf("STS unreachable: exit %d, want 0", code)
	}
	wantLine(t, lines, "clock", `^warn could not reach STS at `+regexp.QuoteMeta(closed.URL)+` within 3s: .*connection refused`)
}

// A project's ./aws_config, an unknown profile, and a shell without init.
func TestDoctorProjectAndProblems(t *testing.T) {
	env, _, secrets := doctorSetup(t)
	proj := t.TempDir()
	if err := os.WriteFile(filepath.Join(proj, "aws_config"), []byte("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(proj)
	env["AWS_RUNAS_SHELL"] = "fish"
	env["AWS_PROFILE"] = "app"
	code, lines := runDoctor(t, env, 0, secrets, "doctor")
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	wantLine(t, lines, "project", `^ok `+regexp.QuoteMeta(filepath.Join(proj, "aws_config"))+` is in effect`)
	wantLine(t, lines, "profile", `^ok "app": "base" \(long-term keys\) -> "app" role arn:aws:iam::123456789012:role/app$`)
	wantLine(t, lines, "shell", `^warn fish; init is not in .*config\.fish: add aws-runas init fish \| source$`)

	code, lines = runDoctor(t, env, 0, secrets, "doctor", "nope")
	if code != exitError {
		t.Errorf("unknown profile: exit %d, want 1", code)
	}
	wantLine(t, lines, "profile", `^fail profile "nope" not found`)
}

func TestParseArgsDoctor(t *testing.T) {
	inv, _, err := parseArgs([]string{"--path", "/x/config", "doctor", "prod"}, noEnv)
	if err != nil || inv.sub != "doctor" || inv.profile != "prod" || inv.opts.Path != "/x/config" {
		t.Errorf("doctor prod: %+v %v", inv, err)
	}
	inv, _, err = parseArgs([]string{"-p", "doctor"}, noEnv)
	if err != nil || inv.sub != "" || inv.profile != "doctor" {
		t.Errorf("-p doctor: %+v %v", inv, err)
	}
	if _, _, err := parseArgs([]string{"doctor", "a", "b"}, noEnv); err == nil {
		t.Errorf("doctor a b: no error")
	}
}

// nushell cannot run printed code: init nu's output is saved in an
// autoload directory, and doctor finds it there (not a commented copy).
func TestDoctorNushell(t *testing.T) {
	env, _, secrets := doctorSetup(t)
	env["AWS_RUNAS_SHELL"] = "nu"
	env["XDG_CONFIG_HOME"] = t.TempDir()
	autoload := filepath.Join(env["XDG_CONFIG_HOME"], "nushell", "autoload")
	if err := os.MkdirAll(autoload, 0o700); err != nil {
		t.Fatal(err)
	}
	_, lines := runDoctor(t, env, 0, secrets, "doctor", "prod")
	wantLine(t, lines, "shell", `^warn nu; init is not in .*config\.nu: add aws-runas init nu \| save -f \(\$nu\.user-autoload-dirs \| first \| path join aws-runas\.nu\)$`)

	var code bytes.Buffer
	a := &app{stdout: &code, stderr: &code, getenv: func(k string) string { return env[k] }, environ: func() []string { return nil }}
	if exit := a.main([]string{"init", "nu"}); exit != 0 {
		t.Fatalf("init nu: exit %d: %s", exit, code.String())
	}
	commented := "# " + strings.ReplaceAll(code.String(), "\n", "\n# ")
	if err := os.WriteFile(filepath.Join(autoload, "old.nu"), []byte(commented), 0o600); err != nil {
		t.Fatal(err)
	}
	_, lines = runDoctor(t, env, 0, secrets, "doctor", "prod")
	wantLine(t, lines, "shell", `^warn nu; init is not in `)

	saved := filepath.Join(autoload, "aws-runas.nu")
	if err := os.WriteFile(saved, code.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	_, lines = runDoctor(t, env, 0, secrets, "doctor", "prod")
	wantLine(t, lines, "shell", `^ok nu; init is in `+regexp.QuoteMeta(saved)+`$`)
}
