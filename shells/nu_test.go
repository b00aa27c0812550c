package shells

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// nuApply is the documented print-mode idiom, after `aws-runas -O nu prod |`.
const nuApply = "from nuon | do --env { hide-env -i ...$in.unset; load-env $in.set }"

// nuDecode reads one nushell double-quoted string as nushell does for the
// escapes Quote writes (\" \\ \u{X}); any other escape, an unescaped quote
// or control character inside, or text after the closing quote fails.
func nuDecode(q string) (string, error) {
	if !strings.HasPrefix(q, `"`) {
		return "", errors.New(`does not start with "`)
	}
	var b strings.Builder
	for i := 1; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '"':
			if i != len(q)-1 {
				return "", fmt.Errorf("text after the closing quote at byte %d", i)
			}
			return b.String(), nil
		case c == '\\' && i+1 < len(q) && (q[i+1] == '"' || q[i+1] == '\\'):
			b.WriteByte(q[i+1])
			i++
		case c == '\\' && strings.HasPrefix(q[i:], `\u{`):
			end := strings.IndexByte(q[i:], '}')
			if end < 4 || end > 9 {
				return "", fmt.Errorf("bad \\u{} at byte %d", i)
			}
			n, err := strconv.ParseUint(q[i+3:i+end], 16, 32)
			if err != nil || !utf8.ValidRune(rune(n)) {
				return "", fmt.Errorf("bad \\u{} at byte %d", i)
			}
			b.WriteRune(rune(n))
			i += end
		case c == '\\':
			return "", fmt.Errorf("escape Quote does not write at byte %d", i)
		case c < 0x20 || c > 0x7e:
			return "", fmt.Errorf("byte %#x not printable ASCII at %d", c, i)
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("no closing quote")
}

func nuQuoteOK(v string) bool { return strings.IndexByte(v, 0) < 0 && utf8.ValidString(v) }

func TestNuQuoteGolden(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`a"b`, `"a\"b"`},
		{`\`, `"\\"`},
		{"$(id) ($x) 'q' `b` #c", "\"$(id) ($x) 'q' `b` #c\""},
		{"a\nb", `"a\u{a}b"`},
		{"\x1b[31m\x7f", `"\u{1b}[31m\u{7f}"`},
		{"café 😀", `"caf\u{e9} \u{1f600}"`},
		{"\u00a0\u2028\ufeff", `"\u{a0}\u{2028}\u{feff}"`},
	} {
		got, err := nuDialect{}.Quote(c.in)
		if err != nil || got != c.want {
			t.Errorf("Quote(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestNuQuoteCorpus(t *testing.T) {
	for _, v := range append(hostile(), fpHostile()...) {
		q, err := nuDialect{}.Quote(v)
		if !nuQuoteOK(v) {
			if err == nil {
				t.Errorf("Quote(%.40q) = %.60q, want an error (not UTF-8)", v, q)
			} else if strings.Contains(err.Error(), v) && v != "" {
				t.Errorf("the error shows the value: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Quote(%.40q): %v", v, err)
			continue
		}
		if got, err := nuDecode(q); err != nil || got != v {
			t.Errorf("Quote(%.40q) = %.60q, which nushell reads as %.40q (%v)", v, q, got, err)
		}
	}
}

func TestNuQuoteRefuses(t *testing.T) {
	for _, v := range []string{"\x00", "secret\x00", "secret\xff", "\xed\xa0\x80", "ok\xc3"} {
		q, err := nuDialect{}.Quote(v)
		if err == nil {
			t.Errorf("Quote(%q) = %q, want an error", v, q)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows the value: %v", err)
		}
	}
	// U+FFFD itself is valid UTF-8 and passes.
	if q, err := (nuDialect{}).Quote("\uFFFD"); err != nil || q != `"\u{fffd}"` {
		t.Errorf("Quote(U+FFFD) = %q, %v", q, err)
	}
}

// The decoder must reject wrong quoting, or the fuzz target proves nothing.
func TestNuDecodeCatchesBadQuoting(t *testing.T) {
	for _, q := range []string{`"a"b"`, `"a\"`, `"\n"`, `"\u0041"`, `"\u{}"`, `"\u{110000}"`, "\"a\nb\"", `"a" "b"`, `a`, `"`, `'a'`} {
		if v, err := nuDecode(q); err == nil {
			t.Errorf("nuDecode(%q) = %q, want an error", q, v)
		}
	}
}

func FuzzNuQuote(f *testing.F) {
	for _, v := range append(hostile(), fpHostile()...) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q, err := nuDialect{}.Quote(v)
		if !nuQuoteOK(v) {
			if err == nil {
				t.Fatalf("Quote(%q) = %q, want an error", v, q)
			}
			return
		}
		if err != nil {
			t.Fatalf("Quote(%q): %v", v, err)
		}
		if got, err := nuDecode(q); err != nil || got != v {
			t.Fatalf("Quote(%q) = %q, read back as %q (%v)", v, q, got, err)
		}
	})
}

// ---- real nushell ----

// nuBox is a nushell with a private HOME, config and temp directory; scripts
// run with -n (no config files).
type nuBox struct {
	nu  string
	dir string
	tmp string
	env []string
}

func newNuBox(t *testing.T) *nuBox {
	t.Helper()
	nu := testtool.Nu(t)
	dir := t.TempDir()
	b := &nuBox{nu: nu, dir: dir, tmp: filepath.Join(dir, "tmp")}
	for _, d := range []string{b.tmp, filepath.Join(dir, "config"), filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	b.env = []string{
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"TMPDIR=" + b.tmp,
		"PATH=" + os.Getenv("PATH"),
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"FAKE_DIR=" + dir,
	}
	return b
}

func (b *nuBox) write(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(b.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs `nu -n [flags] SCRIPT-FILE` (or `-c script` with -c in flags)
// with stdin.
func (b *nuBox) run(t *testing.T, flags []string, script, stdin string) (string, string, error) {
	t.Helper()
	args := append([]string{"-n"}, flags...)
	if len(flags) > 0 && flags[len(flags)-1] == "-c" {
		args = append(args, script)
	} else {
		args = append(args, b.write(t, fmt.Sprintf("script-%d.nu", time.Now().UnixNano()), script, 0o644))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.nu, args...)
	cmd.Env = b.env
	cmd.Dir = b.dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("nu timed out; stderr: %s", errb.String())
	}
	return out.String(), errb.String(), err
}

// nuString quotes s for a test script.
func nuString(t *testing.T, s string) string {
	t.Helper()
	q, err := nuDialect{}.Quote(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func mustNuExport(t *testing.T, env Env) string {
	t.Helper()
	code, err := Export(nuDialect{}, env)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func mustNuInit(t *testing.T, o InitOptions) string {
	t.Helper()
	code, err := Init(nuDialect{}, o)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// nuDump is nushell code that writes every $env.V<n> to FAKE_DIR/out/V<n>
// and the environment of a child to FAKE_DIR/out/ENV.
const nuDump = `
let out = ($env.FAKE_DIR | path join out)
mkdir $out
$env | columns | where {|n| $n =~ '^V[0-9]+$' } | each {|n| $env | get $n | save --raw -f ($out | path join $n) } | ignore
^env -0 | save --raw -f ($out | path join ENV)
`

// readNuDump checks FAKE_DIR/out against values (V<i> = values[i]) and
// that none of gone is in the child's environment.
func (b *nuBox) checkDump(t *testing.T, values []string, gone []string) {
	t.Helper()
	out := filepath.Join(b.dir, "out")
	envDump, err := os.ReadFile(filepath.Join(out, "ENV"))
	if err != nil {
		t.Fatal(err)
	}
	child := readEnv0(envDump)
	for i, v := range values {
		name := fmt.Sprintf("V%d", i)
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Errorf("%s (%.40q) did not arrive: %v", name, v, err)
			continue
		}
		if string(got) != v {
			t.Errorf("%s: sent %.40q, nushell has %.40q", name, v, got)
		}
		if c, ok := child[name]; !ok || c != v {
			t.Errorf("%s: sent %.40q, a child sees %.40q (exported: %v)", name, v, c, ok)
		}
	}
	for _, n := range gone {
		if v, ok := child[n]; ok {
			t.Errorf("%s still in a child's environment: %q", n, v)
		}
	}
}

// nuCorpus is the shared corpus, split into the values nushell can hold
// (every one must arrive byte for byte) and those Export must refuse.
func nuCorpus() (ok, refused []string) {
	for _, v := range append(hostile(), fpHostile()...) {
		if nuQuoteOK(v) {
			ok = append(ok, v)
		} else {
			refused = append(refused, v)
		}
	}
	return ok, refused
}

// Print mode: every value the shells' corpus holds, applied by the
// documented one-liner (from a pipe, as `aws-runas -O nu prod | ...`, and
// inside a def --env command, as the wrapper and the hook apply it), reads
// back byte for byte in nushell and in a child; what it removes is gone;
// nothing is run.
func TestNuExportRoundTrip(t *testing.T) {
	b := newNuBox(t)
	values, refused := nuCorpus()
	env := Env{Unset: []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "NEVER_SET"}}
	for i, v := range values {
		env.Set = append(env.Set, Var{fmt.Sprintf("V%d", i), v})
	}
	code := mustNuExport(t, env)
	pwned := "/tmp/aws-runas-quote-pwned"
	os.Remove(pwned)
	for _, how := range []string{"stdin", "def --env"} {
		t.Run(how, func(t *testing.T) {
			os.RemoveAll(filepath.Join(b.dir, "out"))
			var script string
			switch how {
			case "stdin":
				script = `$env.AWS_PROFILE = "dev"; $env.AWS_DEFAULT_PROFILE = "dev"; $in | ` + nuApply + "\n" + nuDump
			default:
				f := b.write(t, "export.nuon", code, 0o644)
				script = `$env.AWS_PROFILE = "dev"; $env.AWS_DEFAULT_PROFILE = "dev"
def --env apply [] { open --raw ` + nuString(t, f) + ` | ` + nuApply + ` }
apply
` + nuDump
			}
			_, stderr, err := b.run(t, []string{"--stdin", "-c"}, script, code)
			if err != nil || stderr != "" {
				t.Fatalf("nu: %v\n%s", err, stderr)
			}
			b.checkDump(t, values, env.Unset)
			if _, err := os.Stat(pwned); err == nil {
				t.Errorf("a value was run: %s exists", pwned)
			}
		})
	}
	for _, v := range refused {
		if code, err := Export(nuDialect{}, Env{Set: []Var{{"SECRET", v}}}); err == nil || !strings.Contains(err.Error(), "SECRET") {
			t.Errorf("Export of %.40q: %.60q, %v; want an error naming SECRET", v, code, err)
		}
	}
}

// -u: the record that removes every variable of section 4 removes them.
func TestNuExportUnsetAll(t *testing.T) {
	b := newNuBox(t)
	names := []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_RUNAS_PROFILE", "AWS_PROFILE"}
	code := mustNuExport(t, Env{Unset: names})
	var set strings.Builder
	for _, n := range names {
		fmt.Fprintf(&set, "$env.%s = \"x\"\n", n)
	}
	out, stderr, err := b.run(t, []string{"--stdin", "-c"}, set.String()+"$in | "+nuApply+"\nprint ($env | columns | where {|n| $n =~ '^AWS_' } | to nuon)\n^env | lines | where {|l| $l =~ '^AWS_' } | length | print", code)
	if err != nil || stderr != "" {
		t.Fatalf("nu: %v\n%s", err, stderr)
	}
	if out != "[]\n0\n" {
		t.Errorf("after -u: %q, want no AWS_ variable left", out)
	}
}

// Every combination of init options: nu-check accepts the file; sourced
// twice it defines everything once; the prompt shows the segment once, the
// hook is installed once, the wrapper exists.
func TestNuInitMatrix(t *testing.T) {
	b := newNuBox(t)
	for _, o := range initMatrix("/opt/it's a $(dir)/aws-runas") {
		t.Run(optName(o), func(t *testing.T) {
			code := mustNuInit(t, o)
			lines := strings.Split(strings.TrimRight(code, "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "#") || !strings.Contains(last, "aws-runas init nu | save") {
				t.Errorf("last line is %q, want the install line as a comment", last)
			}
			f := b.write(t, "init.nu", code, 0o644)
			out, stderr, err := b.run(t, []string{"-c"}, "nu-check "+nuString(t, f), "")
			if err != nil || out != "true\n" {
				t.Fatalf("nu-check: %q %v\n%s", out, err, stderr)
			}
			cmd := o.Cmd
			if cmd == "" {
				cmd = "none"
			}
			out, stderr, err = b.run(t, nil, `
$env.PROMPT_COMMAND = {|| "user> " }
$env.config.hooks.pre_prompt = [{|| $env.USER_HOOK = "ran" }]
source `+nuString(t, f)+`
source `+nuString(t, f)+`
$env.AWS_RUNAS_PROFILE = "prod"
$env.AWS_RUNAS_ASSUMED_ROLE_ARN = "arn:aws:iam::123456789012:role/r"
$env.AWS_SESSION_EXPIRATION_UNIX = "99999999999"
print $"prompt:(do $env.PROMPT_COMMAND | ansi strip)"
print $"hooks:($env.config.hooks.pre_prompt | length)"
for h in $env.config.hooks.pre_prompt { do --env $h }
print $"user-hook:($env.USER_HOOK)"
print $"expired:(aws_session_expired)"
print $"wrapper:(scope commands | where name == `+nuString(t, cmd)+` | get type? | to nuon)"
print $"extern:(scope commands | where name == aws-runas | get type? | to nuon)"
`, "")
			if err != nil || stderr != "" {
				t.Fatalf("nu: %v\nstderr: %s\nstdout: %s", err, stderr, out)
			}
			want := []string{"prompt:user> ", "hooks:1", "user-hook:ran", "expired:false"}
			if o.Prompt {
				want[0] = "prompt:(AWS:prod) user> "
			}
			if o.Prompt || o.Refresh {
				want[1] = "hooks:2"
			}
			switch o.Cmd {
			case "":
				want = append(want, "wrapper:[]", `extern:[external]`)
			case "aws-runas":
				want = append(want, `wrapper:[custom]`)
			default:
				want = append(want, `wrapper:[custom]`, `extern:[external]`)
			}
			for _, w := range want {
				if !strings.Contains(out, w+"\n") {
					t.Errorf("want %q in:\n%s", w, out)
				}
			}
		})
	}
}

// An init with other options replaces the earlier one's prompt and hook.
func TestNuInitAgainWithOtherOptions(t *testing.T) {
	b := newNuBox(t)
	all := b.write(t, "all.nu", mustNuInit(t, InitOptions{Cmd: "awsr", Prompt: true, Refresh: true, Binary: "/x"}), 0o644)
	none := b.write(t, "none.nu", mustNuInit(t, InitOptions{Binary: "/x"}), 0o644)
	out, stderr, err := b.run(t, nil, `
$env.PROMPT_COMMAND = "user> "
source `+nuString(t, all)+`
source `+nuString(t, none)+`
$env.AWS_RUNAS_PROFILE = "prod"
$env.AWS_SESSION_EXPIRATION_UNIX = "99999999999"
print ($env.PROMPT_COMMAND | describe) ($env.PROMPT_COMMAND) ($env.config.hooks.pre_prompt | length)
`, "")
	if err != nil || stderr != "" {
		t.Fatalf("nu: %v\n%s", err, stderr)
	}
	if out != "string\nuser> \n0\n" {
		t.Errorf("the second init did not take the first one's prompt and hook away: %q", out)
	}
}

func TestNuSessionFunctions(t *testing.T) {
	b := newNuBox(t)
	f := b.write(t, "init.nu", mustNuInit(t, InitOptions{Binary: "/x"}), 0o644)
	now := time.Now().Unix()
	cases := []struct {
		name, set string
		expired   bool
	}{
		{"unset", "hide-env -i AWS_SESSION_EXPIRATION_UNIX", true},
		{"empty", `$env.AWS_SESSION_EXPIRATION_UNIX = ""`, true},
		{"word", `$env.AWS_SESSION_EXPIRATION_UNIX = "soon"`, true},
		{"negative", `$env.AWS_SESSION_EXPIRATION_UNIX = "-5"`, true},
		{"fraction", fmt.Sprintf(`$env.AWS_SESSION_EXPIRATION_UNIX = "%d.5"`, now+3600), true},
		{"two words", fmt.Sprintf(`$env.AWS_SESSION_EXPIRATION_UNIX = "%d %d"`, now+3600, now+3600), true},
		{"a list", fmt.Sprintf(`$env.AWS_SESSION_EXPIRATION_UNIX = ["%d"]`, now+3600), true},
		{"past", fmt.Sprintf(`$env.AWS_SESSION_EXPIRATION_UNIX = "%d"`, now-10), true},
		{"zero", `$env.AWS_SESSION_EXPIRATION_UNIX = "0"`, true},
		{"leading zeros, past", `$env.AWS_SESSION_EXPIRATION_UNIX = "000001"`, true},
		{"future", fmt.Sprintf(`$env.AWS_SESSION_EXPIRATION_UNIX = "%d"`, now+3600), false},
		{"leading zeros, future", fmt.Sprintf(`$env.AWS_SESSION_EXPIRATION_UNIX = "000%d"`, now+3600), false},
		{"far future", `$env.AWS_SESSION_EXPIRATION_UNIX = "99999999999999999999999"`, false},
	}
	var script strings.Builder
	script.WriteString("source " + nuString(t, f) + "\n")
	for _, c := range cases {
		fmt.Fprintf(&script, "%s\nprint $\"%s=(aws_session_expired | to nuon)\"\n", c.set, c.name)
		fmt.Fprintf(&script, "print $\"%s colors=([(aws_session_status_color) (aws_session_status_color bash) (aws_session_status_color sh) (aws_session_status_color zsh) (aws_session_status_color fish) (aws_session_status_color powershell) (aws_session_status_color pwsh)] | str join ' ')\"\n", c.name)
	}
	script.WriteString("try { aws_session_status_color tcsh } catch {|e| print $\"unknown=($e.msg)\" }\n")
	out, stderr, err := b.run(t, nil, script.String(), "")
	if err != nil || stderr != "" {
		t.Fatalf("nu: %v\n%s", err, stderr)
	}
	for _, c := range cases {
		status, colors := "false", "yellow 33 33 yellow yellow Yellow Yellow"
		if c.expired {
			status, colors = "true", "red 31 31 red red Red Red"
		}
		if want := c.name + "=" + status + "\n"; !strings.Contains(out, want) {
			t.Errorf("aws_session_expired, %s: want %s in\n%s", c.name, status, out)
		}
		if want := c.name + " colors=" + colors + "\n"; !strings.Contains(out, want) {
			t.Errorf("aws_session_status_color, %s: want %q in\n%s", c.name, want, out)
		}
	}
	if !strings.Contains(out, "unknown=aws_session_status_color: unknown shell tcsh") {
		t.Errorf("an unknown shell: %q", out)
	}
}

// The segment: color, role or not, hidden without a profile, the profile
// shown literally (control characters as '?'), the user's prompt kept.
// TestNuPrompt renders the prompt as the REPL does, after the pre_prompt
// hooks (which keep the segment in the hook's cache), and alone, as a
// redraw without them does.
func TestNuPrompt(t *testing.T) {
	for _, c := range []struct{ name, show string }{
		{"after-hooks", `def --env show [name] { for h in $env.config.hooks.pre_prompt { do --env $h }; print $"== ($name)"; print (do $env.PROMPT_COMMAND) }`},
		{"redraw", `def show [name] { print $"== ($name)"; print (do $env.PROMPT_COMMAND) }`},
	} {
		t.Run(c.name, func(t *testing.T) { testNuPrompt(t, c.show) })
	}
}

// The hook keeps the segment while the variables are those it read and its
// deadline has not come; a change of either makes it anew. The cached
// segment is marked here to see which one the prompt shows. The deadline is
// 300 s before the expiry (the refresh), then the expiry itself (the turn
// to red), then none.
func TestNuPromptCache(t *testing.T) {
	b := newNuBox(t)
	f := b.write(t, "init.nu", mustNuInit(t, InitOptions{Prompt: true, Binary: "/x"}), 0o644)
	now := time.Now().Unix()
	out, stderr, err := b.run(t, nil, fmt.Sprintf(`
$env.PROMPT_COMMAND = "> "
source %[1]s
def --env prompt [] { for h in $env.config.hooks.pre_prompt { do --env $h } }
def show [name] { print $"($name): (do $env.PROMPT_COMMAND | ansi strip)" }
def --env mark [] { $env.__AWS_RUNAS_NU.segment = "cached " }
$env.AWS_RUNAS_PROFILE = "prod"
$env.AWS_RUNAS_ASSUMED_ROLE_ARN = "arn:aws:iam::123456789012:role/r"
$env.AWS_SESSION_EXPIRATION_UNIX = "%[2]d"
prompt; mark; prompt; show same
print $"deadline: ($env.__AWS_RUNAS_NU.until - %[2]d)"
$env.AWS_RUNAS_PROFILE = "dev"
show changed-before-hook
prompt; show changed
mark; $env.__AWS_RUNAS_NU.until = 0
show deadline-before-hook
prompt; show deadline
$env.AWS_SESSION_EXPIRATION_UNIX = "%[3]d"
prompt; print $"near: ($env.__AWS_RUNAS_NU.until - %[3]d)"
$env.AWS_SESSION_EXPIRATION_UNIX = "%[4]d"
prompt; show past; print $"past: ($env.__AWS_RUNAS_NU.until)"
`, nuString(t, f), now+3600, now+100, now-1), "")
	if err != nil || stderr != "" {
		t.Fatalf("nu: %v\n%s", err, stderr)
	}
	want := `same: cached > 
deadline: -300
changed-before-hook: (AWS:dev) > 
changed: (AWS:dev) > 
deadline-before-hook: (AWS:dev) > 
deadline: (AWS:dev) > 
near: 0
past: (AWS:dev) > 
past: 999999999999999999
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func testNuPrompt(t *testing.T, show string) {
	b := newNuBox(t)
	f := b.write(t, "init.nu", mustNuInit(t, InitOptions{Prompt: true, Binary: "/x"}), 0o644)
	now := time.Now().Unix()
	hostileName := "$(echo pwned) `id` %s%n \\e[0m 'q' \"d\" ‘x’ \\ ; (AWS:fake) * {x} #"
	out, stderr, err := b.run(t, nil, fmt.Sprintf(`
$env.PROMPT_COMMAND = {|| $"user(1 + 1)> " }
source %[1]s
%[6]s
show unset
$env.AWS_RUNAS_PROFILE = "prod"
$env.AWS_SESSION_EXPIRATION_UNIX = "%[2]d"
show token
$env.AWS_RUNAS_ASSUMED_ROLE_ARN = "arn:aws:iam::123456789012:role/r"
show role
$env.AWS_SESSION_EXPIRATION_UNIX = "%[3]d"
show expired
$env.AWS_RUNAS_PROFILE = %[4]s
$env.AWS_SESSION_EXPIRATION_UNIX = "%[2]d"
show hostile
$env.AWS_RUNAS_PROFILE = %[5]s
show control
$env.AWS_RUNAS_PROFILE = ""
show empty
`, nuString(t, f), now+3600, now-1, nuString(t, hostileName), nuString(t, "a\x1b[2Jb\nc\x7fd\te"), show), "")
	if err != nil || stderr != "" {
		t.Fatalf("nu: %v\n%s", err, stderr)
	}
	parts := map[string]string{}
	for _, p := range strings.Split(out, "== ")[1:] {
		name, text, _ := strings.Cut(p, "\n")
		parts[name] = strings.TrimSuffix(text, "\n")
	}
	const yellow, red, reset = "\x1b[33m", "\x1b[31m", "\x1b[0m"
	for name, want := range map[string]string{
		"unset":   "user2> ",
		"empty":   "user2> ",
		"token":   yellow + "(AWS)" + reset + " user2> ",
		"role":    yellow + "(AWS:prod)" + reset + " user2> ",
		"expired": red + "(AWS:prod)" + reset + " user2> ",
		"hostile": yellow + "(AWS:" + hostileName + ")" + reset + " user2> ",
		"control": yellow + "(AWS:a?[2Jb?c?d?e)" + reset + " user2> ",
	} {
		if got := parts[name]; got != want {
			t.Errorf("%s: prompt %q, want %q", name, got, want)
		}
	}
}

// installFake puts the fake binary (fish_test.go) at a path that needs
// quoting.
func (b *nuBox) installFake(t *testing.T) string {
	t.Helper()
	return b.write(t, "bin dir/it's $(x) ‘q’/aws-runas", fakeBinary, 0o755)
}

func (b *nuBox) fakeCalls(t *testing.T) [][2]string {
	t.Helper()
	return (&fishBox{dir: b.dir}).fakeCalls(t)
}

func TestNuWrapper(t *testing.T) {
	b := newNuBox(t)
	bin := b.installFake(t)
	hostileProfile := "prod ‘it's’ $(x) \\ (y)"
	b.write(t, "switch.code", mustNuExport(t, Env{
		Set:   []Var{{"AWS_RUNAS_PROFILE", hostileProfile}, {"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "se'cr\\et\n"}},
		Unset: []string{"AWS_PROFILE"},
	}), 0o644)
	f := b.write(t, "init.nu", mustNuInit(t, InitOptions{Cmd: "awsr", Binary: bin}), 0o644)
	out, stderr, err := b.run(t, nil, `
source `+nuString(t, f)+`
$env.AWS_PROFILE = "dev"
$env.AWS_RUNAS_SHELL = "zsh"
awsr prod
print $"switch status=($env.LAST_EXIT_CODE)"
$env.AWS_RUNAS_PROFILE | save --raw -f ($env.FAKE_DIR | path join got-profile)
$env.AWS_SECRET_ACCESS_KEY | save --raw -f ($env.FAKE_DIR | path join got-secret)
if "AWS_PROFILE" in $env { print "AWS_PROFILE left" }
if $env.AWS_RUNAS_SHELL != "zsh" { print "AWS_RUNAS_SHELL changed" }
if "__AWS_RUNAS_EVAL_FILE" in $env { print "__AWS_RUNAS_EVAL_FILE leaked" }
# A script stops at a failing command, as it would with the binary: see its
# status with complete (the terminal test reads LAST_EXIT_CODE).
awsr prod -- sh -c 'echo command-out; exit 7' | complete | print $"($in.stdout)command status=($in.exit_code)"
"piped-in\n" | awsr prod -- cat | print
awsr prod -- sh -c 'echo to-pipe' | str uppercase | print
^yes | awsr prod -- head -c 4 | print
touch ($env.FAKE_DIR | path join fail)
awsr other
print $"failed status=($env.LAST_EXIT_CODE)"
if $env.AWS_RUNAS_PROFILE == `+nuString(t, hostileProfile)+` { print "profile kept" }
`, "")
	if err != nil {
		t.Fatalf("nu: %v\n%s", err, stderr)
	}
	want := "switch status=0\ncommand-out\ncommand status=7\npiped-in\nTO-PIPE\ny\ny\nfailed status=3\nprofile kept\n"
	if out != want {
		t.Errorf("stdout:\n%q\nwant:\n%q", out, want)
	}
	if stderr != "fake aws-runas: failing as asked\n" {
		t.Errorf("stderr %q: want only the binary's own message", stderr)
	}
	for name, want := range map[string]string{"got-profile": hostileProfile, "got-secret": "se'cr\\et\n"} {
		if got, err := os.ReadFile(filepath.Join(b.dir, name)); err != nil || string(got) != want {
			t.Errorf("%s: %q (%v), want %q", name, got, err, want)
		}
	}
	calls := b.fakeCalls(t)
	if len(calls) != 6 {
		t.Fatalf("the binary ran %d times, want 6: %q", len(calls), calls)
	}
	if calls[0][0] != "call: [prod]" || calls[1][0] != "call: [prod] [--] [sh] [-c] [echo command-out; exit 7]" {
		t.Errorf("arguments: %q", calls)
	}
	for i, c := range calls {
		inPlace := i == 0 || i == 5
		if inPlace != strings.HasPrefix(c[1], "env: shell=nu file="+b.tmp+"/aws-runas.") {
			t.Errorf("call %d: the binary saw %q (in place: %v)", i, c[1], inPlace)
		}
		if !strings.HasSuffix(c[1], " user=zsh") {
			t.Errorf("call %d: the user's AWS_RUNAS_SHELL was not passed: %q", i, c[1])
		}
	}
	if left, _ := os.ReadDir(b.tmp); len(left) != 0 {
		t.Errorf("files left in TMPDIR: %v", left)
	}
}

// The refresh hook: no process far from expiry; near it, the binary once
// per expiry value with --renew, its record applied byte for byte; a
// failure not retried for that value; nothing without __AWS_RUNAS_RENEW.
func TestNuRefresh(t *testing.T) {
	b := newNuBox(t)
	bin := b.installFake(t)
	now := time.Now().Unix()
	values, _ := nuCorpus()
	refresh := Env{Set: []Var{
		{"AWS_SESSION_EXPIRATION_UNIX", strconv.FormatInt(now+3600, 10)},
		{"REFRESHED", "yes"},
	}, Unset: []string{"AWS_PROFILE"}}
	for i, v := range values {
		refresh.Set = append(refresh.Set, Var{fmt.Sprintf("V%d", i), v})
	}
	b.write(t, "refresh.code", mustNuExport(t, refresh), 0o644)
	f := b.write(t, "init.nu", mustNuInit(t, InitOptions{Refresh: true, Binary: bin}), 0o644)
	out, stderr, err := b.run(t, nil, fmt.Sprintf(`
source %[1]s
def --env prompt [] { for h in $env.config.hooks.pre_prompt { do --env $h } }
def phase [p] { $"phase ($p)\nphase ($p)\n" | save --append ($env.FAKE_DIR | path join log) }
phase none
$env.AWS_SESSION_EXPIRATION_UNIX = "%[3]d"
prompt
phase no-renew
$env.AWS_RUNAS_PROFILE = "prod"
prompt
phase far
$env.__AWS_RUNAS_RENEW = "opaque"
$env.AWS_SESSION_EXPIRATION_UNIX = "%[2]d"
prompt; prompt; prompt
phase near
$env.AWS_PROFILE = "dev"
$env.AWS_SESSION_EXPIRATION_UNIX = "%[3]d"
prompt; prompt
print $"refreshed=($env.REFRESHED)"
if "AWS_PROFILE" in $env { print "AWS_PROFILE left" }
if $env.AWS_SESSION_EXPIRATION_UNIX == "%[2]d" { print "expiry applied" }
`+nuDump+`
phase failing
touch ($env.FAKE_DIR | path join fail)
$env.AWS_SESSION_EXPIRATION_UNIX = "%[4]d"
prompt; prompt; prompt
phase new-expiry
$env.AWS_SESSION_EXPIRATION_UNIX = "%[5]d"
prompt; prompt
phase end
`, nuString(t, f), now+3600, now+100, now+120, now-5), "")
	if err != nil || stderr != "" {
		t.Fatalf("nu: %v\nstderr: %q", err, stderr)
	}
	if out != "refreshed=yes\nexpiry applied\n" {
		t.Errorf("stdout %q", out)
	}
	b.checkDump(t, values, nil)
	phases := map[string][]string{}
	phase := ""
	for _, c := range b.fakeCalls(t) {
		if p, ok := strings.CutPrefix(c[0], "phase "); ok {
			phase = p
			continue
		}
		phases[phase] = append(phases[phase], c[0])
	}
	renew := "call: [--non-interactive] [--renew] [-O] [nu]"
	for name, want := range map[string][]string{
		"none":       nil,
		"no-renew":   nil,
		"far":        nil,
		"near":       {renew},
		"failing":    {renew},
		"new-expiry": {renew},
	} {
		if strings.Join(phases[name], "\n") != strings.Join(want, "\n") {
			t.Errorf("phase %s: calls %q, want %q", name, phases[name], want)
		}
	}
}

// The subshell runs the init code after the user's config.nu.
func TestNuSubshell(t *testing.T) {
	b := newNuBox(t)
	code := mustNuInit(t, InitOptions{Prompt: true, Refresh: true, Binary: "/x"})
	l, err := Subshell(nuDialect{}, b.nu, code)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Cleanup()
	if len(l.Argv) != 3 || l.Argv[0] != b.nu || l.Argv[1] != "-e" || l.Argv[2] != code {
		t.Fatalf("argv %q", l.Argv)
	}
	b.write(t, "config/nushell/config.nu", "$env.FROM_CONFIG = \"yes\"\n$env.PROMPT_COMMAND = {|| \"mine> \" }\n", 0o644)
	b.write(t, "config/nushell/env.nu", "", 0o644)
	// Interactive, on a terminal (tmux): nushell refuses a REPL without one.
	tmux := testtool.Require(t, "tmux")
	sock := filepath.Join(b.dir, "tmux.sock")
	env := append(append([]string{}, b.env...), append(l.Env, "AWS_RUNAS_PROFILE=prod", "AWS_RUNAS_ASSUMED_ROLE_ARN=arn", "AWS_SESSION_EXPIRATION_UNIX=99999999999")...)
	tm := func(args ...string) string {
		cmd := exec.Command(tmux, append([]string{"-S", sock, "-f", "/dev/null"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// tmux takes a command line of at most 16 KiB, less than the init code:
	// a launcher script hands nushell the same argv.
	codeFile := b.write(t, "init-code.nu", l.Argv[2], 0o600)
	launch := b.write(t, "launch", "#!/bin/sh\nexec \"$1\" \"$2\" \"$(cat '"+codeFile+"')\"\n", 0o700)
	tm("new-session", "-d", "-x", "200", "-y", "40", "--", launch, l.Argv[0], l.Argv[1])
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", sock, "kill-server").Run() })
	waitFor := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			screen := tm("capture-pane", "-p", "-J")
			if strings.Contains(screen, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s (%q); the screen:\n%s", what, want, screen)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("the prompt with the segment", "(AWS:prod) mine> ")
	tm("send-keys", `print $"defined=($env.FROM_CONFIG) (aws_session_expired)"`, "Enter")
	waitFor("the helpers", "defined=yes false")
}

// Completion, as nushell offers it (commandline complete): options,
// formats, subcommands and profile names, a hostile name as a literal
// string that nushell reads back as the name, never run.
func TestNuCompletion(t *testing.T) {
	b := newNuBox(t)
	hostileName := "pr'od $(touch pwned) #x"
	lister := b.write(t, "bin/aws-runas", "#!/bin/sh\n[ \"$1\" = -l ] || exit 9\nprintf '%s\\n' prod production "+posixMust(t, hostileName)+" other\n", 0o755)
	f := b.write(t, "init.nu", mustNuInit(t, InitOptions{Cmd: "awsr", Binary: lister}), 0o644)
	b.env = append(b.env[:len(b.env):len(b.env)], "PATH="+filepath.Dir(lister)+":"+os.Getenv("PATH"))
	out, stderr, err := b.run(t, nil, `
source `+nuString(t, f)+`
def show [line] { print $"($line)=($line | commandline complete | to nuon)" }
show "aws-runas pr"
show "awsr pr"
show "aws-runas -O "
show "aws-runas --ou"
show "awsr --non"
show "aws-runas init nu --no"
show "aws-runas init "
show "aws-runas -p pr"
show "aws-runas pr'"
let quoted = ("aws-runas pr'" | commandline complete | first)
print $"read-back=(^$nu.current-exe -n -c ('[' + $quoted + '] | to nuon'))"
`, "")
	if err != nil || stderr != "" {
		t.Fatalf("nu: %v\n%s", err, stderr)
	}
	t.Logf("%s", out)
	for _, want := range []string{"aws-runas pr=", "awsr pr=", "aws-runas -O =", "aws-runas --ou=", "awsr --non=", "aws-runas init nu --no=", "aws-runas init =", "aws-runas -p pr="} {
		line := between(out, want, "\n")
		switch {
		case strings.Contains(want, "-O"):
			if !strings.Contains(line, "nu") || !strings.Contains(line, "json") || !strings.Contains(line, "powershell") {
				t.Errorf("%s%s: want the formats", want, line)
			}
		case strings.Contains(want, "--ou"):
			if line != `[--output]` {
				t.Errorf("%s%s: want --output alone", want, line)
			}
		case strings.Contains(want, "--non"):
			if line != `[--non-interactive]` {
				t.Errorf("%s%s: want --non-interactive alone", want, line)
			}
		case strings.Contains(want, "--no="):
			if !strings.Contains(line, "--no-cmd") || !strings.Contains(line, "--no-refresh") || strings.Contains(line, "--cmd\"") {
				t.Errorf("%s%s: want init's --no- options", want, line)
			}
		case strings.Contains(want, "init"):
			if !strings.Contains(line, "nu") || strings.Contains(line, "json") {
				t.Errorf("%s%s: want the shells", want, line)
			}
		default:
			if !strings.Contains(line, "prod") || !strings.Contains(line, "production") || strings.Contains(line, "other") {
				t.Errorf("%s%s: want prod and production", want, line)
			}
		}
	}
	if got := between(out, "read-back=", "\n"); got != "["+nuStringNUON(hostileName)+"]" {
		t.Errorf("the completed hostile name reads back as %s", got)
	}
	if _, err := os.Stat(filepath.Join(b.dir, "pwned")); err == nil {
		t.Errorf("a profile name was run")
	}
}

// nuStringNUON is how `to nuon` writes a string with a quote and spaces.
func nuStringNUON(s string) string { return strconv.Quote(s) }

func posixMust(t *testing.T, s string) string {
	t.Helper()
	q, err := posixQuote(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
