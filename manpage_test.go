package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// manText is the man page with roff's escaped hyphens made plain.
func manText(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	a := &app{stdout: &b, stderr: &b, getenv: noEnv, environ: os.Environ}
	if code := a.main([]string{"--man"}); code != 0 {
		t.Fatalf("--man: exit %d: %s", code, b.String())
	}
	return strings.ReplaceAll(b.String(), `\-`, "-")
}

// Every long option --help lists, for the command, init and sso, is in the
// man page: an option added to the go-flags definitions cannot be left out.
func TestManPageCoversHelp(t *testing.T) {
	man := manText(t)
	longOpt := regexp.MustCompile(`--[a-z][a-z0-9-]+`)
	for _, args := range [][]string{{"--help"}, {"init", "--help"}, {"sso", "--help"}} {
		_, help, err := parseArgs(args, noEnv)
		if err != nil || help == "" {
			t.Fatalf("%q: help %q, %v", args, help, err)
		}
		opts := longOpt.FindAllString(help, -1)
		if len(opts) < 4 {
			t.Fatalf("%q lists only %q", args, opts)
		}
		for _, o := range opts {
			if !regexp.MustCompile(`(^|[^a-z-])` + regexp.QuoteMeta(o) + `([^a-z-]|$)`).MatchString(man) {
				t.Errorf("%s is in %q but not in the man page", o, args)
			}
		}
		if strings.Contains(help, "--man") {
			t.Errorf("%q shows the hidden --man", args)
		}
	}
	for _, section := range []string{".SH OPTIONS", ".SH COMMANDS", ".SH CONFIGURATION", ".SH ENVIRONMENT", ".SH FILES", ".SH EXIT STATUS", "doctor", "sso login", "sso_session", "role_arn", "AWS_CONFIG_FILE"} {
		if !strings.Contains(man, section) {
			t.Errorf("man page has no %q", section)
		}
	}
}

// The page is dated from the build, not the clock, and man renders it
// without a warning.
func TestManPageRenders(t *testing.T) {
	defer func(d string) { date = d }(date)
	date = "2026-03-04T05:06:07Z"
	man := manText(t)
	if first, _, _ := strings.Cut(man, "\n"); !strings.HasPrefix(first, `.TH AWS-RUNAS 1 "2026-03-04" "aws-runas `) {
		t.Errorf("header %q", first)
	}
	testtool.Require(t, "man")
	f := filepath.Join(t.TempDir(), "aws-runas.1")
	var raw bytes.Buffer
	(&app{stdout: &raw, stderr: &raw, getenv: noEnv, environ: os.Environ}).main([]string{"--man"})
	if err := os.WriteFile(f, raw.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("man", "--warnings", "-l", f)
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "MANWIDTH=80")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("man: %v\n%s", err, errb.String())
	}
	for _, want := range []string{"AWS-RUNAS(1)", "--profile NAME", "EXIT STATUS", "aws-runas doctor"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
}

func TestVersion(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "1.2.3", "0123456789abcdef0123", "2026-03-04T05:06:07Z"
	var b bytes.Buffer
	a := &app{stdout: &b, stderr: &b, getenv: noEnv, environ: os.Environ}
	if code := a.main([]string{"-V"}); code != 0 {
		t.Fatalf("exit %d: %s", code, b.String())
	}
	want := regexp.MustCompile(`^aws-runas 1\.2\.3\ncommit 0123456789ab, 2026-03-04T05:06:07Z, go[0-9.]+[^,]*, [a-z0-9]+/[a-z0-9]+\n$`)
	if !want.MatchString(b.String()) {
		t.Errorf("-V printed %q", b.String())
	}
}
