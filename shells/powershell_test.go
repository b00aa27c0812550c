package shells

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// psDecodeLiteral reads a PowerShell verbatim string at the start of q, as
// PowerShell's tokenizer does: it opens with any of the five single-quote
// characters, a pair of them (any two) stands for the second, and a lone one
// closes it. It returns the value and the text after the string.
func psDecodeLiteral(q string) (val, rest string, err error) {
	r, n := utf8.DecodeRuneInString(q)
	if !strings.ContainsRune(psSingleQuotes, r) {
		return "", "", errors.New("does not start with a single quote")
	}
	var b strings.Builder
	for i := n; i < len(q); {
		r, n := utf8.DecodeRuneInString(q[i:])
		i += n
		if !strings.ContainsRune(psSingleQuotes, r) {
			b.WriteRune(r)
			continue
		}
		r2, n2 := utf8.DecodeRuneInString(q[i:])
		if i < len(q) && strings.ContainsRune(psSingleQuotes, r2) {
			b.WriteRune(r2)
			i += n2
			continue
		}
		return b.String(), q[i:], nil
	}
	return "", "", errors.New("no closing quote")
}

// psDecode reads one expression Quote writes: a verbatim string, or the
// base64 form decoded as .NET would (it accepts only valid UTF-8, since
// .NET would replace anything else).
func psDecode(q string) (string, error) {
	if inner, ok := strings.CutPrefix(q, psBase64Prefix); ok {
		inner, ok = strings.CutSuffix(inner, psBase64Suffix)
		if !ok {
			return "", errors.New("base64 form not closed")
		}
		b, err := base64.StdEncoding.Strict().DecodeString(inner)
		if err != nil {
			return "", err
		}
		if !utf8.Valid(b) {
			return "", errors.New(".NET would replace invalid UTF-8")
		}
		return string(b), nil
	}
	v, rest, err := psDecodeLiteral(q)
	if err != nil {
		return "", err
	}
	if rest != "" {
		return "", fmt.Errorf("text after the string: %.20q", rest)
	}
	return v, nil
}

func psQuoteOK(v string) bool { return strings.IndexByte(v, 0) < 0 && utf8.ValidString(v) }

func TestPowerShellQuoteGolden(t *testing.T) {
	b64 := func(s string) string {
		return psBase64Prefix + base64.StdEncoding.EncodeToString([]byte(s)) + psBase64Suffix
	}
	for _, c := range []struct{ in, want string }{
		{"", `''`},
		{"plain", `'plain'`},
		{"it's", `'it''s'`},
		{"'", `''''`},
		{"$(id) `x` %PATH% \\ \"", "'$(id) `x` %PATH% \\ \"'"},
		{`C:\Users\me\`, `'C:\Users\me\'`},
		{"-Command", `'-Command'`},
		{"Bob’s", b64("Bob’s")},
		{"a\nb", b64("a\nb")},
		{"tab\t", b64("tab\t")},
		{"café", "([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('Y2Fmw6k=')))"},
	} {
		got, err := powershellDialect{}.Quote(c.in)
		if err != nil || got != c.want {
			t.Errorf("Quote(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// The literal rule doubles all five single quotes, so that PowerShell, for
// which U+2018, U+2019, U+201A and U+201B end a string like U+0027, reads
// the value back.
func TestPowerShellLiteralTypographicQuotes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Bob’s", "'Bob’’s'"},
		{"‘a’", "'‘‘a’’'"},
		{"‚low‛", "'‚‚low‛‛'"},
		{"'’", "'''’’'"},
		{"“double”", "'“double”'"},
	} {
		if got := psLiteral(c.in); got != c.want {
			t.Errorf("psLiteral(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, v := range fpHostile() {
		if !utf8.ValidString(v) {
			continue
		}
		q := psLiteral(v)
		if got, rest, err := psDecodeLiteral(q); err != nil || rest != "" || got != v {
			t.Errorf("psLiteral(%.40q) = %.60q, read back as %.40q, rest %.20q (%v)", v, q, got, rest, err)
		}
	}
}

func TestPowerShellQuoteCorpus(t *testing.T) {
	for _, v := range fpHostile() {
		q, err := powershellDialect{}.Quote(v)
		if !utf8.ValidString(v) {
			if err == nil {
				t.Errorf("Quote(%.40q) = %.60q, want an error: PowerShell cannot hold invalid UTF-8", v, q)
			} else if !strings.Contains(err.Error(), "UTF-8") {
				t.Errorf("Quote(%.40q): unclear error %v", v, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Quote(%.40q): %v", v, err)
			continue
		}
		if !isPrintableASCII(q) {
			t.Errorf("Quote(%.40q) = %.60q is not printable ASCII", v, q)
		}
		if got, err := psDecode(q); err != nil || got != v {
			t.Errorf("Quote(%.40q) = %.60q, read back as %.40q (%v)", v, q, got, err)
		}
	}
}

func TestPowerShellQuoteRefuses(t *testing.T) {
	for _, v := range []string{"\x00", "secret\x00", "secret\xff", "secret\xed\xa0\x80"} {
		q, err := powershellDialect{}.Quote(v)
		if err == nil {
			t.Errorf("Quote(%q) = %q, want an error", v, q)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows the value: %v", err)
		}
	}
	_, err := Export(powershellDialect{}, Env{Set: []Var{{"A", "ok"}, {"AWS_SECRET_ACCESS_KEY", "secret\xff"}}})
	if err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") || strings.Contains(err.Error(), "secret\xff") {
		t.Errorf("Export: %v, want an error naming AWS_SECRET_ACCESS_KEY without its value", err)
	}
	if _, err := Export(powershellDialect{}, Env{Set: []Var{{"A", "Bob’s"}}}); err != nil {
		t.Errorf("Export refused a valid value: %v", err)
	}
}

// The decoder must reject wrong quoting, or the fuzz target proves nothing.
func TestPowerShellDecodeCatchesBadQuoting(t *testing.T) {
	for _, q := range []string{
		`'it's'`, "'Bob’s'", "'‘x'", `'a'`[:2], `'a''`, `'a' 'b'`, `"a"`, `a`,
		psBase64Prefix + "!!" + psBase64Suffix,
		psBase64Prefix + base64.StdEncoding.EncodeToString([]byte("\xff")) + psBase64Suffix,
		psBase64Prefix + "YQ==",
	} {
		if v, err := psDecode(q); err == nil {
			t.Errorf("psDecode(%q) = %q, want an error", q, v)
		}
	}
}

func FuzzPowerShellQuote(f *testing.F) {
	for _, v := range fpHostile() {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q, err := powershellDialect{}.Quote(v)
		if !psQuoteOK(v) {
			if err == nil {
				t.Fatalf("Quote(%q) = %q, want an error", v, q)
			}
			return
		}
		if err != nil {
			t.Fatalf("Quote(%q): %v", v, err)
		}
		if !isPrintableASCII(q) {
			t.Fatalf("Quote(%q) = %q is not printable ASCII", v, q)
		}
		if got, err := psDecode(q); err != nil || got != v {
			t.Fatalf("Quote(%q) = %q, read back as %q (%v)", v, q, got, err)
		}
		l := psLiteral(v)
		if got, rest, err := psDecodeLiteral(l); err != nil || rest != "" || got != v {
			t.Fatalf("psLiteral(%q) = %q, read back as %q, rest %q (%v)", v, l, got, rest, err)
		}
	})
}

// psCorpusEnv sets V0, V1, ... to every corpus value PowerShell can hold.
func psCorpusEnv() (Env, []string) {
	var env Env
	var values []string
	for _, v := range fpHostile() {
		if psQuoteOK(v) {
			env.Set = append(env.Set, Var{fmt.Sprintf("V%d", len(values)), v})
			values = append(values, v)
		}
	}
	env.Unset = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}
	return env, values
}

// The export is ASCII, one statement per line, and each value read back by
// PowerShell's rule is the value sent.
func TestPowerShellExportDecodes(t *testing.T) {
	env, values := psCorpusEnv()
	code, err := Export(powershellDialect{}, env)
	if err != nil {
		t.Fatal(err)
	}
	checkPSASCII(t, "export", code)
	lines := strings.Split(strings.TrimSuffix(code, "\n"), "\n")
	if len(lines) != len(values)+len(env.Unset) {
		t.Fatalf("%d lines for %d statements", len(lines), len(values)+len(env.Unset))
	}
	for i, v := range values {
		name, expr, ok := strings.Cut(lines[i], " = ")
		if !ok || name != fmt.Sprintf("$env:V%d", i) {
			t.Errorf("line %d: %.60q", i, lines[i])
			continue
		}
		if got, err := psDecode(expr); err != nil || got != v {
			t.Errorf("V%d: sent %.40q, PowerShell reads %.40q (%v)", i, v, got, err)
		}
	}
	for j, n := range env.Unset {
		if want := "Remove-Item -LiteralPath Env:/" + n + " -ErrorAction SilentlyContinue"; lines[len(values)+j] != want {
			t.Errorf("removal %q, want %q", lines[len(values)+j], want)
		}
	}
	if _, err := Export(powershellDialect{}, Env{Set: []Var{{"A", "\xff"}}}); err == nil {
		t.Error("Export accepted invalid UTF-8")
	}
	if _, err := Export(powershellDialect{}, Env{Set: []Var{{"A-B", "x"}}}); err == nil {
		t.Error("Export accepted a bad name")
	}
}

// checkPSASCII fails on anything but printable ASCII and LF: what Windows
// PowerShell 5.1 reads the same in every console code page.
func checkPSASCII(t *testing.T, what, code string) {
	t.Helper()
	for i := 0; i < len(code); i++ {
		if c := code[i]; c != '\n' && (c < 0x20 || c > 0x7e) {
			t.Errorf("%s: byte %#x at %d is not printable ASCII: %.40q", what, c, i, code[max(0, i-20):])
			return
		}
	}
}

// psInitCombos are all option combinations of init, each with three
// binaries: a plain path, one that needs quoting, and one that is not ASCII.
func psInitCombos() []InitOptions {
	var all []InitOptions
	for _, bin := range []string{`C:\Program Files\aws-runas\aws-runas.exe`, "/opt/it's $(x) `y`/aws-runas", "/opt/Bob’s café/aws-runas", ""} {
		all = append(all, initMatrix(bin)...)
	}
	return all
}

func TestPowerShellInit(t *testing.T) {
	for _, o := range psInitCombos() {
		code, err := Init(powershellDialect{}, o)
		if err != nil {
			t.Fatalf("%s: %v", optName(o), err)
		}
		name := optName(o) + ",binary=" + o.Binary
		checkPSASCII(t, name, code)
		for _, bad := range []string{"&&", "||", "??", "?.", "?[", "\r"} {
			if strings.Contains(code, bad) {
				t.Errorf("%s: %q is PowerShell 7 syntax (or a CR)", name, bad)
			}
		}
		lines := strings.Split(strings.TrimRight(code, "\n"), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "#") || !strings.Contains(last, "aws-runas init powershell | Out-String | Invoke-Expression") {
			t.Errorf("%s: last line %q, want the rc line as a comment", name, last)
		}
		// The binary appears only quoted: once for the variable, once in
		// __aws_runas_binary.
		if o.Binary != "" {
			q, _ := powershellDialect{}.Quote(o.Binary)
			if n := strings.Count(code, q); n != 2 {
				t.Errorf("%s: the quoted binary appears %d times, want 2", name, n)
			}
			if strings.Count(code, o.Binary) != strings.Count(q, o.Binary)*strings.Count(code, q) {
				t.Errorf("%s: the binary path appears unquoted", name)
			}
		}
		has := func(s string) bool { return strings.Contains(code, s) }
		for what, want := range map[string]bool{
			"function global:aws_session_expired ":       true,
			"function global:aws_session_status_color ":  true,
			"function global:__aws_runas_prompt_hook ":   true,
			"function global:__aws_runas_prompt_segment": o.Prompt,
			"    __aws_runas_prompt_segment\n":           o.Prompt,
			"function global:__aws_runas_refresh ":       o.Refresh,
			"    __aws_runas_refresh\n":                  o.Refresh,
			"function global:prompt ":                    o.Prompt || o.Refresh,
			"function global:" + o.Cmd + " ":             o.Cmd != "",
			"-CommandName " + o.Cmd + " ":                o.Cmd != "" && o.Cmd != "aws-runas",
		} {
			if has(what) != want {
				t.Errorf("%s: contains %q: %v, want %v", name, what, has(what), want)
			}
		}
	}
}

// Every export and every init a real PowerShell parser reads without an
// error; a broken script is reported, so the check can fail.
func TestPowerShellParses(t *testing.T) {
	dir := t.TempDir()
	var files []string
	write := func(name, code string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
		return p
	}
	env, _ := psCorpusEnv()
	for i, v := range env.Set {
		code, err := Export(powershellDialect{}, Env{Set: []Var{v}})
		if err != nil {
			t.Fatal(err)
		}
		write(fmt.Sprintf("export-%03d.ps1", i), code)
	}
	all, err := Export(powershellDialect{}, env)
	if err != nil {
		t.Fatal(err)
	}
	write("export-all.ps1", all)
	for i, o := range psInitCombos() {
		code, err := Init(powershellDialect{}, o)
		if err != nil {
			t.Fatal(err)
		}
		write(fmt.Sprintf("init-%02d.ps1", i), code)
	}
	write("bootstrap.ps1", psBootstrap)
	broken := map[string]string{
		"broken-quote.ps1":      "$env:A = 'it's'\n",                 // quoting without doubling
		"broken-typo.ps1":       "$env:A = 'x' 'y\n",                 // an unclosed string
		"broken-brace.ps1":      "function f {\n    if ($x) { 1 }\n", // a missing }
		"broken-operator.ps1":   "$a = 1 +\n",
		"broken-assignment.ps1": "$env:A =\n",
	}
	for name, code := range broken {
		write(name, code)
	}
	problems := testtool.ParsePowerShell(t, files)
	for _, f := range files {
		if _, isBroken := broken[filepath.Base(f)]; isBroken {
			if len(problems[f]) == 0 {
				t.Errorf("%s: the parser found nothing wrong", filepath.Base(f))
			}
			continue
		}
		if p := problems[f]; len(p) > 0 {
			code, _ := os.ReadFile(f)
			t.Errorf("%s: %s\n%.2000s", filepath.Base(f), strings.Join(p, "\n"), code)
		}
	}
}

func TestPowerShellSubshell(t *testing.T) {
	code, err := Init(powershellDialect{}, InitOptions{Prompt: true, Refresh: true, Binary: "/opt/aws-runas"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := Subshell(powershellDialect{}, "/usr/bin/pwsh", code)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/bin/pwsh", "-NoLogo", "-NoExit", "-Command", psBootstrap}
	if strings.Join(l.Argv, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("argv %q, want %q", l.Argv, want)
	}
	if len(l.Env) != 1 || !strings.HasPrefix(l.Env[0], psInitEnv+"=") {
		t.Fatalf("env %q", l.Env)
	}
	path := strings.TrimPrefix(l.Env[0], psInitEnv+"=")
	if !filepath.IsAbs(path) {
		t.Errorf("%s is not absolute", path)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != code {
		t.Errorf("the init file holds %.60q (%v)", got, err)
	}
	if fi, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("the init file has mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(psBootstrap, "$env:"+psInitEnv) || strings.ContainsAny(psBootstrap, "\"\n") {
		t.Errorf("bootstrap %q", psBootstrap)
	}
	checkPSASCII(t, "bootstrap", psBootstrap)
	l.Cleanup()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Cleanup left %s (%v)", path, err)
	}
}

// No pwsh here to run the init: these are the review's points, checked in
// the text (TestPowerShellParses checks that it parses).
func TestPowerShellInitPoints(t *testing.T) {
	code, err := Init(powershellDialect{}, InitOptions{Cmd: "aws-runas", Prompt: true, Refresh: true, Binary: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		// The segment shows control characters as '?'.
		`($p -replace '\p{Cc}', '?')`,
		// The current prompt is wrapped unless it is ours already: a theme
		// loaded later is wrapped by running the init again.
		`if (-not ("${function:prompt}" -like '*__aws_runas_prompt_hook*')) {`,
		// The wrapper switches in place wherever it is called: the eval
		// file is its first step.
		"function global:aws-runas {\n    $f = [IO.Path]::GetTempFileName()\n",
		// The refresh hook renews what the session holds.
		`$a = @('--non-interactive', '--renew', '-O', 'powershell')`,
		// The wrapper's dialect variable is its own.
		`[Environment]::SetEnvironmentVariable('__AWS_RUNAS_EVAL_SHELL', 'powershell')`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("init code lacks %s", want)
		}
	}
	// Output not to the console once made the wrapper print the
	// credentials instead of switching (issue 10).
	for _, bad := range []string{"PipelinePosition", "FromStream", "('--profile=' +"} {
		if strings.Contains(code, bad) {
			t.Errorf("init code holds %s", bad)
		}
	}
	if strings.Contains(code, "'AWS_RUNAS_SHELL'") {
		t.Errorf("the wrapper touches the user's AWS_RUNAS_SHELL")
	}
}

func TestPowerShellAlias(t *testing.T) {
	d, err := Lookup("pwsh")
	if err != nil || d.Name() != "powershell" {
		t.Errorf("Lookup(pwsh) = %v, %v", d, err)
	}
}
