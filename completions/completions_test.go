package completions

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// profiles is what the fake aws-runas prints for -l; pathProfiles, for
// -l --path=FILE.
var (
	profiles     = []string{"default", "prod", "my profile", "it's", "team:dev"}
	pathProfiles = []string{"frompath-a", "frompath b"}
)

var allOptions = []string{
	"-p", "--profile", "-n", "--no-role", "-d", "--duration", "-a", "--role-duration",
	"-o", "--otp", "-M", "--mfa-serial", "-X", "--external-id", "-r", "--refresh",
	"-O", "--output", "-s", "--skip-prompt", "-u", "--unset", "-e", "--expiration",
	"-w", "--whoami", "-l", "--list", "--path", "--non-interactive", "-v", "--verbose",
	"-V", "--version", "-h", "--help",
	"--saml-url", "--saml-username", "--saml-provider",
	"--web-identity-url", "--web-identity-client-id", "--web-identity-redirect-uri", "--web-identity-provider",
	"--server", "--console", "--print-url", "--region", "--destination", "--prompt",
}

// valuedOptions are the options of allOptions that take a value; initValued
// and ssoValued, those of init and sso.
var (
	valuedOptions = []string{
		"-p", "--profile", "-d", "--duration", "-a", "--role-duration", "-o", "--otp",
		"-M", "--mfa-serial", "-X", "--external-id", "-O", "--output", "--path",
		"--saml-url", "--saml-username", "--saml-provider", "--web-identity-url",
		"--web-identity-client-id", "--web-identity-redirect-uri", "--web-identity-provider",
		"--region", "--destination", "--prompt",
	}
	initValued = []string{"--cmd"}
	ssoValued  = []string{"--sso-session", "--name-template", "--region"}
)

var (
	formats        = []string{"bash", "zsh", "sh", "fish", "powershell", "pwsh", "nu", "nushell", "json"}
	samlProviders  = []string{"browser", "form", "okta"}
	oidcProviders  = []string{"browser", "device"}
	promptDrivers  = []string{"auto", "terminal", "zenity", "kdialog", "osascript", "wincred", "ykman"}
	initShells     = []string{"bash", "zsh", "sh", "fish", "powershell", "nu"}
	completeShells = []string{"bash", "zsh", "fish", "powershell", "nu"}
	ssoVerbs       = []string{"login", "logout", "list", "config"}
)

// markedOptions reads the options a script lists on the line after its
// comment "value-taking options of aws-runas[ SUB]:", the list its parser
// uses to know which option takes the next word. The root package's test
// holds these lists to main.go's options.
func markedOptions(t *testing.T, script, sub string) []string {
	t.Helper()
	marker := "value-taking options of aws-runas"
	if sub != "" {
		marker += " " + sub
	}
	marker += ":"
	lines := strings.Split(script, "\n")
	var found []string
	n := 0
	for i, l := range lines {
		if !strings.HasSuffix(l, marker) || !strings.Contains(l, "#") || i+1 == len(lines) {
			continue
		}
		n++
		for _, f := range strings.FieldsFunc(lines[i+1], func(r rune) bool { return strings.ContainsRune(" \t'\"(),[]@=", r) }) {
			if strings.HasPrefix(f, "-") && len(f) > 1 {
				found = append(found, f)
			}
		}
	}
	if n != 1 || len(found) == 0 {
		t.Fatalf("want one line of options after %q, found %d (%q)", marker, n, found)
	}
	return found
}

// optionCase is a line that ends in a profile after options: one per
// option, given with a value when the script lists it as taking one. All
// must complete the profile prod; a list that forgot an option taking a
// value would take the profile for the value, one that wrongly held an
// option would take the profile for the COMMAND.
type optionCase struct{ opt, line string }

func optionCases() []optionCase {
	var cs []optionCase
	for _, o := range allOptions {
		switch {
		case o == "-p" || o == "--profile":
			// Its value is the profile: what follows is the COMMAND.
		case o == "--path":
			// Its value changes the profiles: a case of its own.
		case slices.Contains(valuedOptions, o):
			cs = append(cs, optionCase{o, "aws-runas " + o + " x pr"})
		default:
			cs = append(cs, optionCase{o, "aws-runas " + o + " pr"})
		}
	}
	return cs
}

// shq quotes s for sh, bash, zsh and fish alike when s holds no backslash.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fishq quotes s for fish.
func fishq(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// fixture is a temporary HOME and PATH with a fake aws-runas that prints
// profile names for -l and logs every argv it gets, plus a command zz-tool.
type fixture struct {
	dir, bin, home, log, cfgDir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := t.TempDir()
	f := &fixture{
		dir:    d,
		bin:    filepath.Join(d, "bin"),
		home:   filepath.Join(d, "home"),
		log:    filepath.Join(d, "argv.log"),
		cfgDir: filepath.Join(d, "cfg"),
	}
	for _, p := range []string{f.bin, f.home, f.cfgDir} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	b.WriteString("printf '[%s]' \"$@\" >> " + shq(f.log) + "\necho >> " + shq(f.log) + "\n")
	b.WriteString("case \"$*\" in\n")
	b.WriteString("-l) printf '%s\\n'")
	for _, p := range profiles {
		b.WriteString(" " + shq(p))
	}
	b.WriteString(" ;;\n-l\\ --path=*) printf '%s\\n'")
	for _, p := range pathProfiles {
		b.WriteString(" " + shq(p))
	}
	b.WriteString(" ;;\n*) echo 'unexpected call' >&2; exit 2 ;;\nesac\n")
	write(t, filepath.Join(f.bin, "aws-runas"), b.String(), 0o755)
	write(t, filepath.Join(f.bin, "zz-tool"), "#!/bin/sh\nexit 0\n", 0o755)
	write(t, filepath.Join(f.cfgDir, "config"), "[default]\n", 0o644)
	return f
}

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) env() []string {
	return []string{
		"PATH=" + f.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + f.home,
		"TERM=dumb",
		"LANG=C.UTF-8",
	}
}

// script writes the completion script for shell to a file and returns its path.
func (f *fixture) script(t *testing.T, shell, name string) string {
	t.Helper()
	s, err := Script(shell)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(f.dir, name)
	write(t, p, s, 0o644)
	return p
}

func (f *fixture) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = f.home
	cmd.Env = f.env()
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out, stderr)
	}
	return string(out)
}

// checkArgv fails unless the fake binary ran, and only ever as
// `aws-runas -l` or `aws-runas -l --path=FILE` (with wantPath among them).
func (f *fixture) checkArgv(t *testing.T, wantPath string) {
	t.Helper()
	data, err := os.ReadFile(f.log)
	if err != nil {
		t.Fatalf("the completion never ran aws-runas: %v", err)
	}
	sawPath := false
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		switch {
		case line == "[-l]":
		case strings.HasPrefix(line, "[-l][--path=") && strings.Count(line, "[") == 2:
			if line == "[-l][--path="+wantPath+"]" {
				sawPath = true
			}
		default:
			t.Errorf("aws-runas was run as %q; want only -l [--path=FILE]", line)
		}
	}
	if wantPath != "" && !sawPath {
		t.Errorf("aws-runas was never run with --path=%s; log:\n%s", wantPath, data)
	}
}

// parseCases splits driver output into "=== NAME" sections of lines.
func parseCases(out string) map[string][]string {
	res := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "=== "); ok {
			cur = name
			res[cur] = []string{}
			continue
		}
		if cur != "" && line != "" {
			res[cur] = append(res[cur], line)
		}
	}
	return res
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func expectSet(t *testing.T, got map[string][]string, name string, want ...string) {
	t.Helper()
	g, ok := got[name]
	if !ok {
		t.Errorf("%s: no output", name)
		return
	}
	if !reflect.DeepEqual(sorted(dedup(g)), sorted(dedup(want))) {
		t.Errorf("%s:\n got  %q\n want %q", name, sorted(dedup(g)), sorted(dedup(want)))
	}
}

func expectHas(t *testing.T, got map[string][]string, name string, want ...string) {
	t.Helper()
	g, ok := got[name]
	if !ok {
		t.Errorf("%s: no output", name)
		return
	}
	for _, w := range want {
		found := false
		for _, x := range g {
			if x == w {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %q missing from %q", name, w, g)
		}
	}
}

func TestScript(t *testing.T) {
	for _, sh := range append(Shells(), "pwsh") {
		s, err := Script(sh)
		if err != nil || s == "" {
			t.Errorf("Script(%q) = %d bytes, %v", sh, len(s), err)
		}
	}
	if a, _ := Script("pwsh"); a != powershellScript {
		t.Error("pwsh is not the PowerShell script")
	}
	_, err := Script("tcsh")
	if err == nil {
		t.Fatal("Script(tcsh) did not fail")
	}
	for _, sh := range Shells() {
		if !strings.Contains(err.Error(), sh) {
			t.Errorf("error %q does not list %s", err, sh)
		}
	}
	if !strings.Contains(bashScript, "\ncomplete -F _aws_runas aws-runas\n") {
		t.Error("bash script does not register _aws_runas")
	}
	if !strings.HasPrefix(zshScript, "#compdef aws-runas\n") {
		t.Error("zsh script does not start with #compdef aws-runas")
	}
	if !strings.Contains(powershellScript, "Register-ArgumentCompleter -Native -CommandName 'aws-runas' -ScriptBlock {") {
		t.Error("PowerShell script does not register a native completer")
	}
	// Windows PowerShell 5.1 reads native output in the console code page.
	// (Its syntax is checked by the tools/psparse harness.)
	for i, r := range powershellScript {
		if r > 0x7e || (r < 0x20 && r != '\n' && r != '\t') {
			t.Fatalf("PowerShell script: byte %d is %U, not printable ASCII", i, r)
		}
	}
	for _, s := range []string{bashScript, zshScript, fishScript, powershellScript} {
		if strings.Contains(s, "\r") {
			t.Error("a script holds a carriage return")
		}
	}
	for _, sh := range Shells() {
		s, _ := Script(sh)
		for _, l := range []struct {
			sub  string
			want []string
		}{{"", valuedOptions}, {"init", initValued}, {"sso", ssoValued}} {
			if got := markedOptions(t, s, l.sub); !reflect.DeepEqual(sorted(got), sorted(l.want)) {
				t.Errorf("%s: value-taking options of %s:\n got  %q\n want %q", sh, strings.TrimSpace("aws-runas "+l.sub), sorted(got), sorted(l.want))
			}
		}
	}
	for _, o := range valuedOptions {
		if !slices.Contains(allOptions, o) {
			t.Errorf("value-taking %s is not in allOptions", o)
		}
	}
}

func TestBashSyntax(t *testing.T) {
	bash := testtool.Require(t, "bash")
	shellcheck := testtool.Require(t, "shellcheck")
	f := newFixture(t)
	p := f.script(t, "bash", "aws-runas.bash")
	f.run(t, bash, "-n", p)
	f.run(t, shellcheck, "-s", "bash", p)
}

type bashCase struct {
	name, line string
	words      []string // COMP_WORDS as bash splits them (COMP_WORDBREAKS)
}

func bashDriver(script string, prelude string, cases []bashCase) string {
	var b strings.Builder
	b.WriteString(prelude)
	b.WriteString("source " + shq(script) + "\n")
	// Record compopt: the builtin only works inside real completion.
	b.WriteString(`compopt() { __opts+=" $*"; }
t() {
  local name=$1
  COMP_LINE=$2
  COMP_POINT=${#2}
  shift 2
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  __opts=''
  local cmd=${COMP_WORDS[0]}
  complete -p "$cmd" >/dev/null 2>&1 || complete -p "${cmd##*/}" >/dev/null 2>&1 ||
    { echo "no completion for $cmd"; exit 1; }
  _aws_runas "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '=== %s\n' "$name"
  [[ -z $__opts ]] || printf 'compopt:%s\n' "$__opts"
  ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
}
`)
	for _, c := range cases {
		if c.words == nil {
			b.WriteString(c.line + "\n") // a command, not a case
			continue
		}
		b.WriteString("t " + shq(c.name) + " " + shq(c.line))
		for _, w := range c.words {
			b.WriteString(" " + shq(w))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestBash(t *testing.T) {
	bash := testtool.Require(t, "bash")
	f := newFixture(t)
	script := f.script(t, "bash", "aws-runas.bash")
	cfg := filepath.Join(f.cfgDir, "config")
	cases := []bashCase{
		{"options", "aws-runas -", []string{"aws-runas", "-"}},
		{"long options", "aws-runas --p", []string{"aws-runas", "--p"}},
		{"first positional", "aws-runas ", []string{"aws-runas", ""}},
		{"profile with space", "aws-runas my", []string{"aws-runas", "my"}},
		{"profile with quote", "aws-runas it", []string{"aws-runas", "it"}},
		{"in single quotes", "aws-runas 'my", []string{"aws-runas", "'my"}},
		{"quote in single quotes", "aws-runas 'it", []string{"aws-runas", "'it"}},
		{"in double quotes", `aws-runas "my`, []string{"aws-runas", `"my`}},
		{"after colon", "aws-runas team:", []string{"aws-runas", "team", ":"}},
		{"-O", "aws-runas -O ", []string{"aws-runas", "-O", ""}},
		{"--output=p", "aws-runas --output=p", []string{"aws-runas", "--output", "=", "p"}},
		{"-rOj", "aws-runas -rOj", []string{"aws-runas", "-rOj"}},
		{"-p", "aws-runas -r -p ", []string{"aws-runas", "-r", "-p", ""}},
		{"-pmy", "aws-runas -pmy", []string{"aws-runas", "-pmy"}},
		{"--profile=it", "aws-runas --profile=it", []string{"aws-runas", "--profile", "=", "it"}},
		{"--path then profile", "aws-runas --path " + cfg + " fr", []string{"aws-runas", "--path", cfg, "fr"}},
		{"--path file", "aws-runas --path " + f.cfgDir + "/con", []string{"aws-runas", "--path", f.cfgDir + "/con"}},
		{"--path=file", "aws-runas --path=" + f.cfgDir + "/con", []string{"aws-runas", "--path", "=", f.cfgDir + "/con"}},
		{"init", "aws-runas init ", []string{"aws-runas", "init", ""}},
		{"init flags", "aws-runas init bash -", []string{"aws-runas", "init", "bash", "-"}},
		{"init flags left", "aws-runas init zsh --no-cmd ", []string{"aws-runas", "init", "zsh", "--no-cmd", ""}},
		{"init --cmd value", "aws-runas init zsh --cmd ", []string{"aws-runas", "init", "zsh", "--cmd", ""}},
		{"completion", "aws-runas -v completion ", []string{"aws-runas", "-v", "completion", ""}},
		{"command after profile", "aws-runas prod zz-", []string{"aws-runas", "prod", "zz-"}},
		{"command after -p", "aws-runas -p prod zz-", []string{"aws-runas", "-p", "prod", "zz-"}},
		{"command after profile --", "aws-runas prod -- zz-", []string{"aws-runas", "prod", "--", "zz-"}},
		{"profile after --", "aws-runas -r -- pr", []string{"aws-runas", "-r", "--", "pr"}},
		{"no options after --", "aws-runas -- -", []string{"aws-runas", "--", "-"}},
		{"command args default", "aws-runas prod zz-tool x", []string{"aws-runas", "prod", "zz-tool", "x"}},
		{"by path", f.bin + "/aws-runas d", []string{f.bin + "/aws-runas", "d"}},
		// The init wrapper is a function: the completion must still ask the binary.
		{line: "aws-runas() { echo fn >> " + shq(f.log) + "; }; awsr() { :; }; complete -F _aws_runas awsr"},
		{"function", "aws-runas p", []string{"aws-runas", "p"}},
		{"wrapper", "awsr my", []string{"awsr", "my"}},
		{"new long options", "aws-runas --reg", []string{"aws-runas", "--reg"}},
		{"--saml-provider", "aws-runas --saml-provider ", []string{"aws-runas", "--saml-provider", ""}},
		{"--web-identity-provider=d", "aws-runas --web-identity-provider=d", []string{"aws-runas", "--web-identity-provider", "=", "d"}},
		{"--prompt", "aws-runas -r --prompt ", []string{"aws-runas", "-r", "--prompt", ""}},
		{"--region value", "aws-runas --region ", []string{"aws-runas", "--region", ""}},
		{"doctor", "aws-runas doctor ", []string{"aws-runas", "doctor", ""}},
		{"doctor --path", "aws-runas --path " + cfg + " doctor fr", []string{"aws-runas", "--path", cfg, "doctor", "fr"}},
		{"doctor after profile", "aws-runas doctor prod ", []string{"aws-runas", "doctor", "prod", ""}},
		{"doctor -", "aws-runas doctor -", []string{"aws-runas", "doctor", "-"}},
		{"sso", "aws-runas sso ", []string{"aws-runas", "sso", ""}},
		{"sso after option", "aws-runas sso --sso-session x l", []string{"aws-runas", "sso", "--sso-session", "x", "l"}},
		{"sso login", "aws-runas sso login ", []string{"aws-runas", "sso", "login", ""}},
		{"sso logout", "aws-runas sso logout my", []string{"aws-runas", "sso", "logout", "my"}},
		{"sso login -", "aws-runas sso login --no-browser -", []string{"aws-runas", "sso", "login", "--no-browser", "-"}},
		{"sso login session", "aws-runas sso login --sso-session x ", []string{"aws-runas", "sso", "login", "--sso-session", "x", ""}},
		{"sso config -", "aws-runas sso config -", []string{"aws-runas", "sso", "config", "-"}},
		{"sso list", "aws-runas sso list ", []string{"aws-runas", "sso", "list", ""}},
		{"sso -", "aws-runas sso -", []string{"aws-runas", "sso", "-"}},
		{"sso --region value", "aws-runas sso config --region ", []string{"aws-runas", "sso", "config", "--region", ""}},
	}
	for _, c := range optionCases() {
		cases = append(cases, bashCase{c.line, c.line, strings.Fields(c.line)})
	}
	// set -u and nocasematch must not disturb the completion.
	out := f.run(t, bash, "--noprofile", "--norc", "-c",
		bashDriver(script, "set -u\nshopt -s nocasematch\n", cases))
	got := parseCases(out)
	if len(got) != len(cases)-1 {
		t.Errorf("got %d cases, want %d; output:\n%s", len(got), len(cases)-1, out)
	}

	expectSet(t, got, "options", allOptions...)
	expectSet(t, got, "long options", "--profile", "--path", "--print-url", "--prompt")
	expectSet(t, got, "first positional", "init", "completion", "doctor", "sso", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "profile with space", `my\ profile`)
	expectSet(t, got, "profile with quote", `it\'s`)
	expectSet(t, got, "in single quotes", "my profile")
	expectSet(t, got, "quote in single quotes", `it'\''s`)
	expectSet(t, got, "in double quotes", "my profile")
	expectSet(t, got, "after colon", "dev")
	expectSet(t, got, "-O", formats...)
	expectSet(t, got, "--output=p", "powershell", "pwsh")
	expectSet(t, got, "-rOj", "-rOjson")
	expectSet(t, got, "-p", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "-pmy", `-pmy\ profile`)
	expectSet(t, got, "--profile=it", `it\'s`)
	expectSet(t, got, "--path then profile", "frompath-a", `frompath\ b`)
	expectSet(t, got, "--path file", "compopt: -o filenames", f.cfgDir+"/config")
	expectSet(t, got, "--path=file", "compopt: -o filenames", f.cfgDir+"/config")
	expectSet(t, got, "init", initShells...)
	expectSet(t, got, "init flags", "--cmd", "--no-cmd", "--skip-prompt", "--no-refresh", "--help")
	expectSet(t, got, "init flags left", "--skip-prompt", "--no-refresh", "--help")
	expectSet(t, got, "init --cmd value")
	expectSet(t, got, "completion", completeShells...)
	expectSet(t, got, "command after profile", "zz-tool")
	expectSet(t, got, "command after -p", "zz-tool")
	expectSet(t, got, "command after profile --", "zz-tool")
	expectSet(t, got, "profile after --", "prod")
	expectSet(t, got, "no options after --")
	expectSet(t, got, "command args default", "compopt: -o default")
	expectSet(t, got, "by path", "default", "doctor")
	expectSet(t, got, "function", "prod")
	expectSet(t, got, "wrapper", `my\ profile`)
	expectSet(t, got, "new long options", "--region")
	expectSet(t, got, "--saml-provider", samlProviders...)
	expectSet(t, got, "--web-identity-provider=d", "device")
	expectSet(t, got, "--prompt", promptDrivers...)
	expectSet(t, got, "--region value")
	expectSet(t, got, "doctor", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "doctor --path", "frompath-a", `frompath\ b`)
	expectSet(t, got, "doctor after profile")
	expectSet(t, got, "doctor -", "-h", "--help")
	expectSet(t, got, "sso", ssoVerbs...)
	expectSet(t, got, "sso after option", "login", "logout", "list")
	expectSet(t, got, "sso login", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "sso logout", `my\ profile`)
	expectSet(t, got, "sso login -", "--sso-session", "--help")
	expectSet(t, got, "sso login session")
	expectSet(t, got, "sso config -", "--sso-session", "--name-template", "--region", "--help")
	expectSet(t, got, "sso list")
	expectSet(t, got, "sso -", "--sso-session", "--use-device-code", "--no-browser", "--name-template", "--region", "--help")
	expectSet(t, got, "sso --region value")
	for _, c := range optionCases() {
		expectSet(t, got, c.line, "prod")
	}
	f.checkArgv(t, cfg)
}

// bashCompletionScript finds bash-completion's main script.
func bashCompletionScript(t *testing.T) string {
	for _, p := range []string{
		"/usr/share/bash-completion/bash_completion",
		"/etc/bash_completion",
		"/usr/local/share/bash-completion/bash_completion",
		"/opt/homebrew/share/bash-completion/bash_completion",
	} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("bash-completion is required under CI=true but was not found")
	}
	t.Skip("bash-completion not found")
	return ""
}

func TestBashCommandOffset(t *testing.T) {
	bash := testtool.Require(t, "bash")
	bc := bashCompletionScript(t)
	f := newFixture(t)
	script := f.script(t, "bash", "aws-runas.bash")
	cases := []bashCase{
		{line: "complete -W '--alpha --beta' zz-tool"},
		{"after profile", "aws-runas prod zz-tool --", []string{"aws-runas", "prod", "zz-tool", "--"}},
		{"after arn", "aws-runas arn:aws:iam::1:role/x zz-tool --a",
			[]string{"aws-runas", "arn", ":", "aws", ":", "iam", "::", "1", ":", "role/x", "zz-tool", "--a"}},
		{"after quoted profile and --", "aws-runas 'my profile' -- zz-tool --b",
			[]string{"aws-runas", "'my profile'", "--", "zz-tool", "--b"}},
		{"after -p", "aws-runas -p x zz-tool --", []string{"aws-runas", "-p", "x", "zz-tool", "--"}},
		{"command name", "aws-runas prod zz-t", []string{"aws-runas", "prod", "zz-t"}},
	}
	out := f.run(t, bash, "--noprofile", "--norc", "-c",
		bashDriver(script, "source "+shq(bc)+"\n", cases))
	got := parseCases(out)
	expectSet(t, got, "after profile", "--alpha", "--beta")
	expectSet(t, got, "after arn", "--alpha")
	expectSet(t, got, "after quoted profile and --", "--beta")
	expectSet(t, got, "after -p", "--alpha", "--beta")
	expectHas(t, got, "command name", "zz-tool")
}

func TestFish(t *testing.T) {
	fish := testtool.Require(t, "fish")
	f := newFixture(t)
	script := f.script(t, "fish", "aws-runas.fish")
	f.run(t, fish, "--no-config", "--no-execute", script)

	cfg := filepath.Join(f.cfgDir, "config")
	cases := [][2]string{
		{"options", "aws-runas -"},
		{"long options", "aws-runas --p"},
		{"first positional", "aws-runas "},
		{"profile with space", "aws-runas my"},
		{"in quotes", "aws-runas 'it"},
		{"-O", "aws-runas -O "},
		{"--output=p", "aws-runas --output=p"},
		{"-p", "aws-runas -r -p "},
		{"-pmy", "aws-runas -pmy"},
		{"--path then profile", "aws-runas --path " + cfg + " fr"},
		{"--path file", "aws-runas --path " + f.cfgDir + "/con"},
		{"--path=file", "aws-runas --path=" + f.cfgDir + "/con"},
		{"init", "aws-runas init "},
		{"init flags", "aws-runas init bash -"},
		{"init flags left", "aws-runas init zsh --no-cmd "},
		{"completion", "aws-runas completion "},
		{"command after profile", "aws-runas prod zz-"},
		{"command args", "aws-runas 'my profile' zz-tool "},
		{"command after -p", "aws-runas -p prod zz-tool al"},
		{"command after profile --", "aws-runas prod -- zz-tool "},
		{"profile after --", "aws-runas -r -- pr"},
		{"", "function aws-runas; echo fn >> " + fishq(f.log) + "; end; function awsr; end; complete -c awsr -w aws-runas"},
		{"function", "aws-runas p"},
		{"wrapper", "awsr my"},
		{"new long options", "aws-runas --reg"},
		{"--saml-provider", "aws-runas --saml-provider "},
		{"--web-identity-provider=d", "aws-runas --web-identity-provider=d"},
		{"--prompt", "aws-runas -r --prompt "},
		{"-rO cluster", "aws-runas -rOn"},
		{"--region value", "aws-runas --region "},
		{"doctor", "aws-runas doctor "},
		{"doctor --path", "aws-runas --path " + cfg + " doctor fr"},
		{"doctor after profile", "aws-runas doctor prod "},
		{"doctor -", "aws-runas doctor -"},
		{"sso", "aws-runas sso "},
		{"sso after option", "aws-runas sso --sso-session x l"},
		{"sso login", "aws-runas sso login "},
		{"sso logout", "aws-runas sso logout my"},
		{"sso login -", "aws-runas sso login --no-browser -"},
		{"sso login session", "aws-runas sso login --sso-session x "},
		{"sso config -", "aws-runas sso config -"},
		{"sso list", "aws-runas sso list "},
		{"sso -", "aws-runas sso -"},
		{"sso --region value", "aws-runas sso config --region "},
	}
	for _, c := range optionCases() {
		cases = append(cases, [2]string{c.line, c.line})
	}
	var b strings.Builder
	b.WriteString("source " + fishq(script) + "\n")
	b.WriteString("complete -c zz-tool -f -a 'alpha beta'\n")
	b.WriteString("function t; echo \"=== $argv[1]\"; complete -C $argv[2]; end\n")
	for _, c := range cases {
		if c[0] == "" {
			b.WriteString(c[1] + "\n")
			continue
		}
		b.WriteString("t " + fishq(c[0]) + " " + fishq(c[1]) + "\n")
	}
	drv := filepath.Join(f.dir, "driver.fish")
	write(t, drv, b.String(), 0o644)
	out := f.run(t, fish, "--no-config", drv)
	got := parseCases(out)
	for k, v := range got { // drop the descriptions
		for i := range v {
			v[i], _, _ = strings.Cut(v[i], "\t")
		}
		got[k] = v
	}
	expectSet(t, got, "options", allOptions...)
	expectSet(t, got, "long options", "--profile", "--path", "--print-url", "--prompt")
	expectSet(t, got, "first positional", append([]string{"init", "completion", "doctor", "sso"}, profiles...)...)
	expectSet(t, got, "profile with space", "my profile")
	expectSet(t, got, "in quotes", "it's")
	expectSet(t, got, "-O", formats...)
	expectSet(t, got, "--output=p", "--output=powershell", "--output=pwsh")
	expectSet(t, got, "-p", profiles...)
	expectSet(t, got, "-pmy", "-pmy profile")
	expectSet(t, got, "--path then profile", pathProfiles...)
	expectSet(t, got, "--path file", f.cfgDir+"/config")
	expectSet(t, got, "--path=file", "--path="+f.cfgDir+"/config")
	expectSet(t, got, "init", initShells...)
	expectSet(t, got, "init flags", "--cmd", "--no-cmd", "--skip-prompt", "--no-refresh", "--help")
	expectSet(t, got, "init flags left", "--skip-prompt", "--no-refresh", "--help")
	expectSet(t, got, "completion", completeShells...)
	expectSet(t, got, "command after profile", "zz-tool")
	expectSet(t, got, "command args", "alpha", "beta")
	expectSet(t, got, "command after -p", "alpha")
	expectSet(t, got, "command after profile --", "alpha", "beta")
	expectSet(t, got, "profile after --", "prod")
	expectSet(t, got, "function", "prod")
	expectSet(t, got, "wrapper", "my profile")
	expectSet(t, got, "new long options", "--region")
	expectSet(t, got, "--saml-provider", samlProviders...)
	expectSet(t, got, "--web-identity-provider=d", "--web-identity-provider=device")
	expectSet(t, got, "--prompt", promptDrivers...)
	expectSet(t, got, "-rO cluster", "-rOnu", "-rOnushell")
	expectSet(t, got, "--region value")
	expectSet(t, got, "doctor", profiles...)
	expectSet(t, got, "doctor --path", pathProfiles...)
	expectSet(t, got, "doctor after profile")
	expectSet(t, got, "doctor -", "-h", "--help")
	expectSet(t, got, "sso", ssoVerbs...)
	expectSet(t, got, "sso after option", "login", "logout", "list")
	expectSet(t, got, "sso login", profiles...)
	expectSet(t, got, "sso logout", "my profile")
	expectSet(t, got, "sso login -", "--sso-session", "--help")
	expectSet(t, got, "sso login session")
	expectSet(t, got, "sso config -", "--sso-session", "--name-template", "--region", "--help")
	expectSet(t, got, "sso list")
	expectSet(t, got, "sso -", "--sso-session", "--use-device-code", "--no-browser", "--name-template", "--region", "--help")
	expectSet(t, got, "sso --region value")
	for _, c := range optionCases() {
		expectSet(t, got, c.line, "prod")
	}
	f.checkArgv(t, cfg)
}

func TestZshRegisters(t *testing.T) {
	zsh := testtool.Require(t, "zsh")
	f := newFixture(t)
	script := f.script(t, "zsh", "_aws-runas")
	f.run(t, zsh, "-n", script)

	// Evaluated after compinit: it registers _aws_runas.
	out := f.run(t, zsh, "-f", "-c", "autoload -Uz compinit && compinit -u -D; source "+shq(script)+
		"; print -r -- ${_comps[aws-runas]}; (( $+functions[_aws_runas] )) && print defined")
	if out != "_aws_runas\ndefined\n" {
		t.Errorf("after compinit and source: %q, want _aws_runas registered and defined", out)
	}
	// On fpath: compinit finds it by its #compdef line.
	out = f.run(t, zsh, "-f", "-c", "fpath=("+shq(f.dir)+" $fpath); autoload -Uz compinit && compinit -u -D; print -r -- ${_comps[aws-runas]}")
	if out != "_aws-runas\n" {
		t.Errorf("on fpath: %q, want _aws-runas", out)
	}
	// Without compinit, sourcing it is harmless.
	f.run(t, zsh, "-f", "-c", "source "+shq(script))
}

// zshDriver completes each line in an interactive zsh on a pseudo-terminal
// (zsh/zpty) and prints "=== LINE" then the matches, as compadd got them
// (quoted for the command line). SCRIPT is the completion file to source after
// compinit, or a directory to put on fpath before it; SETUP runs after.
const zshDriver = `
zmodload zsh/zpty || exit 3
script=$1 out=$2 setup=$3; shift 3
zpty z zsh -f -i
zpty -w z "PROMPT='> '; RPROMPT=; HISTFILE="
if [[ -d $script ]]; then
  zpty -w z "fpath=(${(q)script} \$fpath); autoload -Uz compinit && compinit -u -D"
else
  zpty -w z "autoload -Uz compinit && compinit -u -D"
  zpty -w z "source ${(q)script}"
fi
zpty -w z "$setup"
zpty -w z "__out=${(q)out}"
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rl -- ${__hits} >> $__out
  builtin compadd "$@"
}'
zpty -w z '__done() { print -r -- "<<done>>" >> $__out }'
zpty -w z 'print -r -- "<<ready>>" >> $__out'
integer n
for (( n = 0; n < 200; n++ )); do grep -q '<<ready>>' $out 2>/dev/null && break; sleep 0.05; done
for line in "$@"; do
  : > $out
  zpty -w z 'comppostfuncs=(__done)'
  zpty -w -n z "$line"$'\t'
  for (( n = 0; n < 250; n++ )); do grep -q '<<done>>' $out 2>/dev/null && break; sleep 0.02; done
  print -r -- "=== $line"
  grep -v '<<done>>' $out
  zpty -w -n z $'\x15'
  while zpty -r -t z junk; do :; done
done
zpty -d z
`

func TestZsh(t *testing.T) {
	zsh := testtool.Require(t, "zsh")
	testtool.Require(t, "grep")
	f := newFixture(t)
	script := f.script(t, "zsh", "_aws-runas")
	drv := filepath.Join(f.dir, "drive.zsh")
	write(t, drv, zshDriver, 0o644)
	cfg := filepath.Join(f.cfgDir, "config")
	// The user's options must not leak in; the wrapper functions (the init
	// one and one under another name) must not be what is asked for -l.
	setup := "setopt ksh_arrays no_unset sh_word_split; _zz() { compadd alpha beta }; compdef _zz zz-tool; " +
		"aws-runas() { print -r fn >> " + shq(f.log) + " }; awsr() { : }; compdef _aws_runas awsr"
	lines := []string{
		"aws-runas -",
		"aws-runas --p",
		"aws-runas ",
		"aws-runas my",
		"aws-runas 'it",
		"aws-runas -O ",
		"aws-runas --output=p",
		"aws-runas -r -p ",
		"aws-runas -pmy",
		"aws-runas --path " + cfg + " fr",
		"aws-runas --path " + f.cfgDir + "/con",
		"aws-runas --path=" + f.cfgDir + "/con",
		"aws-runas init ",
		"aws-runas init bash -",
		"aws-runas init zsh --no-cmd -",
		"aws-runas completion ",
		"aws-runas prod zz-",
		"aws-runas 'my profile' zz-tool ",
		"aws-runas -p prod zz-tool al",
		"aws-runas team:dev -- zz-tool ",
		"aws-runas -r -- pr",
		"awsr pr",
		"aws-runas --reg",
		"aws-runas --saml-provider ",
		"aws-runas --web-identity-provider=d",
		"aws-runas -r --prompt ",
		"aws-runas --region ",
		"aws-runas doctor ",
		"aws-runas --path " + cfg + " doctor fr",
		"aws-runas doctor prod ",
		"aws-runas doctor -",
		"aws-runas sso ",
		"aws-runas sso --sso-session x l",
		"aws-runas sso login ",
		"aws-runas sso logout my",
		"aws-runas sso login --no-browser -",
		"aws-runas sso login --sso-session x ",
		"aws-runas sso config -",
		"aws-runas sso list ",
		"aws-runas sso -",
		"aws-runas sso config --region ",
	}
	// Each line costs zsh a pty round trip: the options taking a value and
	// the new flags (TestScript holds the list itself to valuedOptions).
	var optCases []optionCase
	for _, c := range optionCases() {
		if slices.Contains(valuedOptions, c.opt) || slices.Contains([]string{"--server", "--console", "--print-url", "-r"}, c.opt) {
			optCases = append(optCases, c)
			lines = append(lines, c.line)
		}
	}
	start := time.Now()
	out := f.run(t, zsh, append([]string{"-f", drv, script, filepath.Join(f.dir, "zout"), setup}, lines...)...)
	t.Logf("zsh: %d completions in %v", len(lines), time.Since(start))
	got := parseCases(out)
	expectSet(t, got, "aws-runas -", allOptions...)
	expectSet(t, got, "aws-runas --p", "--profile", "--path", "--print-url", "--prompt")
	expectSet(t, got, "aws-runas ", "init", "completion", "doctor", "sso", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "aws-runas my", `my\ profile`)
	expectSet(t, got, "aws-runas 'it", "it'\\''s")
	expectSet(t, got, "aws-runas -O ", formats...)
	expectSet(t, got, "aws-runas --output=p", "powershell", "pwsh")
	expectSet(t, got, "aws-runas -r -p ", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "aws-runas -pmy", `my\ profile`)
	expectSet(t, got, "aws-runas --path "+cfg+" fr", "frompath-a", `frompath\ b`)
	expectHas(t, got, "aws-runas --path "+f.cfgDir+"/con", "config")
	expectHas(t, got, "aws-runas --path="+f.cfgDir+"/con", "config")
	expectSet(t, got, "aws-runas init ", initShells...)
	expectSet(t, got, "aws-runas init bash -", "--cmd", "--no-cmd", "--skip-prompt", "--no-refresh", "--help")
	// zsh offers options only after a '-' (the prefix-needed style).
	expectSet(t, got, "aws-runas init zsh --no-cmd -", "--skip-prompt", "--no-refresh", "--help")
	expectSet(t, got, "aws-runas completion ", completeShells...)
	expectHas(t, got, "aws-runas prod zz-", "zz-tool")
	expectSet(t, got, "aws-runas 'my profile' zz-tool ", "alpha", "beta")
	expectSet(t, got, "aws-runas -p prod zz-tool al", "alpha")
	expectSet(t, got, "aws-runas team:dev -- zz-tool ", "alpha", "beta")
	expectSet(t, got, "aws-runas -r -- pr", "prod")
	expectSet(t, got, "awsr pr", "prod")
	expectSet(t, got, "aws-runas --reg", "--region")
	expectSet(t, got, "aws-runas --saml-provider ", samlProviders...)
	expectSet(t, got, "aws-runas --web-identity-provider=d", "device")
	expectSet(t, got, "aws-runas -r --prompt ", promptDrivers...)
	expectSet(t, got, "aws-runas --region ")
	expectSet(t, got, "aws-runas doctor ", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "aws-runas --path "+cfg+" doctor fr", "frompath-a", `frompath\ b`)
	expectSet(t, got, "aws-runas doctor prod ")
	expectSet(t, got, "aws-runas doctor -", "-h", "--help")
	expectSet(t, got, "aws-runas sso ", ssoVerbs...)
	expectSet(t, got, "aws-runas sso --sso-session x l", "login", "logout", "list")
	expectSet(t, got, "aws-runas sso login ", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "aws-runas sso logout my", `my\ profile`)
	expectSet(t, got, "aws-runas sso login --no-browser -", "--sso-session", "--help")
	expectSet(t, got, "aws-runas sso login --sso-session x ")
	expectSet(t, got, "aws-runas sso config -", "--sso-session", "--name-template", "--region", "--help")
	expectSet(t, got, "aws-runas sso list ")
	expectSet(t, got, "aws-runas sso -", "--sso-session", "--use-device-code", "--no-browser", "--name-template", "--region", "--help")
	expectSet(t, got, "aws-runas sso config --region ")
	for _, c := range optCases {
		expectSet(t, got, c.line, "prod")
	}
	f.checkArgv(t, cfg)

	// Installed on fpath instead, autoloaded by compinit.
	fp := filepath.Join(f.dir, "fpath")
	if err := os.MkdirAll(fp, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(fp, "_aws-runas"), zshScript, 0o644)
	out = f.run(t, zsh, "-f", drv, fp, filepath.Join(f.dir, "zout2"), "_zz() { compadd alpha beta }; compdef _zz zz-tool",
		"aws-runas ", "aws-runas -O j", "aws-runas prod zz-tool ")
	got = parseCases(out)
	expectSet(t, got, "aws-runas ", "init", "completion", "doctor", "sso", "default", "prod", `my\ profile`, `it\'s`, "team:dev")
	expectSet(t, got, "aws-runas -O j", "json")
	expectSet(t, got, "aws-runas prod zz-tool ", "alpha", "beta")
}

// TestNu calls the nushell completer as nushell does, with the line up to
// the cursor, and prints the values nushell would show: those starting with
// the word under the cursor (the profile completions come filtered, quoted
// as nushell literals), or <null> where nushell completes by itself.
func TestNu(t *testing.T) {
	nu := testtool.Nu(t)
	f := newFixture(t)
	script := f.script(t, "nu", "aws-runas.nu")
	cfg := filepath.Join(f.cfgDir, "config")
	lines := []string{
		"aws-runas -",
		"aws-runas --p",
		"aws-runas ",
		"aws-runas my",
		"aws-runas -O ",
		"aws-runas -r -p ",
		"aws-runas --path " + cfg + " fr",
		"aws-runas --reg",
		"aws-runas --saml-provider ",
		"aws-runas --web-identity-provider d",
		"aws-runas -r --prompt ",
		"aws-runas --region ",
		"aws-runas init ",
		"aws-runas init zsh --no-cmd -",
		"aws-runas completion ",
		"aws-runas doctor ",
		"aws-runas --path " + cfg + " doctor fr",
		"aws-runas doctor prod ",
		"aws-runas doctor -",
		"aws-runas sso ",
		"aws-runas sso --sso-session x l",
		"aws-runas sso login ",
		"aws-runas sso logout my",
		"aws-runas sso login --no-browser -",
		"aws-runas sso login --sso-session x ",
		"aws-runas sso config -",
		"aws-runas sso list ",
		"aws-runas sso config --region ",
		"aws-runas prod zz-",
	}
	for _, c := range optionCases() {
		lines = append(lines, c.line)
	}
	var b strings.Builder
	b.WriteString("source " + nuq(script) + "\n[")
	for _, l := range lines {
		b.WriteString("\n    " + nuq(l))
	}
	b.WriteString(`
] | each {|l|
    print $"=== ($l)"
    let cur = ($l | split row " " | last)
    let r = (__aws_runas_complete $l)
    if $r == null {
        print "<null>"
    } else if ($r | describe | str starts-with "record") {
        $r.completions | each {|c| print $c.value } | ignore
    } else {
        $r | where {|c| $c.value | str starts-with $cur } | each {|c| print $c.value } | ignore
    }
} | ignore
`)
	drv := filepath.Join(f.dir, "driver.nu")
	write(t, drv, b.String(), 0o644)
	out := f.run(t, nu, "--no-config-file", drv)
	got := parseCases(out)
	expectSet(t, got, "aws-runas -", allOptions...)
	expectSet(t, got, "aws-runas --p", "--profile", "--path", "--print-url", "--prompt")
	expectSet(t, got, "aws-runas ", "init", "completion", "doctor", "sso", "default", "prod", "r#'my profile'#", `r#'it's'#`, "team:dev")
	expectSet(t, got, "aws-runas my", "r#'my profile'#")
	expectSet(t, got, "aws-runas -O ", formats...)
	expectSet(t, got, "aws-runas -r -p ", "default", "prod", "r#'my profile'#", `r#'it's'#`, "team:dev")
	expectSet(t, got, "aws-runas --path "+cfg+" fr", "frompath-a", "r#'frompath b'#")
	expectSet(t, got, "aws-runas --reg", "--region")
	expectSet(t, got, "aws-runas --saml-provider ", samlProviders...)
	expectSet(t, got, "aws-runas --web-identity-provider d", "device")
	expectSet(t, got, "aws-runas -r --prompt ", promptDrivers...)
	expectSet(t, got, "aws-runas --region ", "<null>")
	expectSet(t, got, "aws-runas init ", append([]string{"pwsh", "nushell"}, initShells...)...)
	expectSet(t, got, "aws-runas init zsh --no-cmd -", "--skip-prompt", "--no-refresh", "--help")
	expectSet(t, got, "aws-runas completion ", append([]string{"pwsh"}, completeShells...)...)
	expectSet(t, got, "aws-runas doctor ", "default", "prod", "r#'my profile'#", `r#'it's'#`, "team:dev")
	expectSet(t, got, "aws-runas --path "+cfg+" doctor fr", "frompath-a", "r#'frompath b'#")
	expectSet(t, got, "aws-runas doctor prod ")
	expectSet(t, got, "aws-runas doctor -", "-h", "--help")
	expectSet(t, got, "aws-runas sso ", ssoVerbs...)
	expectSet(t, got, "aws-runas sso --sso-session x l", "login", "logout", "list")
	expectSet(t, got, "aws-runas sso login ", "default", "prod", "r#'my profile'#", `r#'it's'#`, "team:dev")
	expectSet(t, got, "aws-runas sso logout my", "r#'my profile'#")
	expectSet(t, got, "aws-runas sso login --no-browser -", "--sso-session", "--help")
	expectSet(t, got, "aws-runas sso login --sso-session x ")
	expectSet(t, got, "aws-runas sso config -", "--sso-session", "--name-template", "--region", "--help")
	expectSet(t, got, "aws-runas sso list ")
	expectSet(t, got, "aws-runas sso config --region ")
	expectSet(t, got, "aws-runas prod zz-", "<null>")
	for _, c := range optionCases() {
		expectSet(t, got, c.line, "prod")
	}
	f.checkArgv(t, cfg)
}

// nuq quotes s as a nushell raw string (s holds no "'#").
func nuq(s string) string { return "r#'" + s + "'#" }
