package shells

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// fpHostile is the corpus of the fish and PowerShell quoting tests: quotes
// of every kind (PowerShell's typographic single quotes among them),
// expansions, prompt escapes, backslashes, line ends, control characters,
// bytes over 0x7f (valid and invalid UTF-8), and words that mean something
// at the start of a word. No NUL: that is refused, tested apart.
func fpHostile() []string {
	var all strings.Builder // every byte but NUL: not UTF-8
	for b := 1; b < 256; b++ {
		all.WriteByte(byte(b))
	}
	var ascii strings.Builder // every byte from 1 to 0x7f
	for b := 1; b < 0x80; b++ {
		ascii.WriteByte(byte(b))
	}
	return []string{
		"", "plain", " ", "a b  c", "  leading", "trailing  ", "\t",
		// quotes
		"'", "''", "'''", "it's", "Bob’s", "Bob‘s", "Bob‚s", "Bob‛s", "‘’‚‛", "'‘'’'‚'‛'", "’'", "'’",
		"‘typographic’ “double” „low“", `"`, `"double"`, "`", "``", `\'`, `'\''`, `a\'b`,
		// expansions
		"$(id)", "$(touch /tmp/aws-runas-quote-pwned)", "`id`", "${HOME}", "$HOME", "$env:PATH", "$", "$$", "$?",
		"@(1)", "$( )", "(id)", "{id}", "&id", "& 'id'",
		// percent and prompt escapes
		"%", "%%", "%PATH%", "%s%n%d", "%F{red}", `\u@\h`, `\[\e[31m\]`,
		// backslashes, the trailing one included
		`\`, `\\`, `a\`, `a\\`, `\n`, `\x41`, `C:\Users\me\`, "\\\n",
		// line ends and control characters
		"line1\nline2", "\n", "\n\n", "trailing\n", "cr\rlf", "\r", "\r\n", "esc\x1b[31mred\x1b[0m", "\x1b", "\x7f",
		"\a\b\f\v", "\x01\x02\x03",
		// over 0x7f: Latin-1 bytes, invalid UTF-8, surrogates, fish's private range, BOM, emoji
		"\x80", "\xff\xfe", "caf\xe9", "\xc3", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\x80",
		"café", "日本語", "emoji 😀 🚀 👩‍👩‍👧", "\U0001F600", "\uf600\uf6ff", "\ufdd0", "\ufeffbom", "a\u2028b", "\u00a0",
		// words that mean something at the start
		"-", "-n", "-e", "--", "--help", "-Command", "~", "~root", "~/x", "=", "a=b", "#", "#comment", "*", "?", "[a]",
		"{a,b}", ";", "|", "&&", "||", "??", "<", ">", "(", ")", "!", "--%", "@'", "'@", "@\"",
		// realistic and long
		"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJGMEQCIF+x/yz==",
		strings.Repeat("x'y’", 2000),
		ascii.String(),
		all.String(),
	}
}

// fishDecode reads one fish single-quoted word, as fish does: inside '...',
// \\ and \' are escapes and every other byte stands for itself. It fails on
// anything that is not exactly one such word.
func fishDecode(q string) (string, error) {
	if !strings.HasPrefix(q, "'") {
		return "", errors.New("does not start with '")
	}
	var b strings.Builder
	for i := 1; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\\' && i+1 < len(q) && (q[i+1] == '\\' || q[i+1] == '\''):
			b.WriteByte(q[i+1])
			i++
		case c == '\'':
			if i != len(q)-1 {
				return "", fmt.Errorf("text after the closing quote at byte %d", i)
			}
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("no closing quote")
}

func TestFishQuoteGolden(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `''`},
		{"plain", `'plain'`},
		{"it's", `'it\'s'`},
		{`\`, `'\\'`},
		{`a\`, `'a\\'`},
		{`\'`, `'\\\''`},
		{"$(id) `x` %s ~", "'$(id) `x` %s ~'"},
		{"a\nb", "'a\nb'"},
		{"Bob’s", "'Bob’s'"},
	} {
		got, err := fishDialect{}.Quote(c.in)
		if err != nil || got != c.want {
			t.Errorf("Quote(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestFishQuoteCorpus(t *testing.T) {
	for _, v := range fpHostile() {
		q, err := fishDialect{}.Quote(v)
		if err != nil {
			t.Errorf("Quote(%.40q): %v", v, err)
			continue
		}
		if got, err := fishDecode(q); err != nil || got != v {
			t.Errorf("Quote(%.40q) = %.60q, which fish reads as %.40q (%v)", v, q, got, err)
		}
	}
}

func TestFishQuoteNUL(t *testing.T) {
	for _, v := range []string{"\x00", "a\x00b", "secret\x00"} {
		q, err := fishDialect{}.Quote(v)
		if err == nil {
			t.Errorf("Quote(%q) = %q, want an error", v, q)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows the value: %v", err)
		}
	}
}

// The decoder must reject wrong quoting, or the fuzz target proves nothing.
func TestFishDecodeCatchesBadQuoting(t *testing.T) {
	for _, q := range []string{`'it's'`, `'a\'`, `'a\\\'`, `'a' 'b'`, `'a'b`, `a`, `'`, `"a"`} {
		if v, err := fishDecode(q); err == nil {
			t.Errorf("fishDecode(%q) = %q, want an error", q, v)
		}
	}
}

func FuzzFishQuote(f *testing.F) {
	for _, v := range fpHostile() {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q, err := fishDialect{}.Quote(v)
		if strings.IndexByte(v, 0) >= 0 {
			if err == nil {
				t.Fatalf("Quote(%q) = %q, want an error for NUL", v, q)
			}
			return
		}
		if err != nil {
			t.Fatalf("Quote(%q): %v", v, err)
		}
		if got, err := fishDecode(q); err != nil || got != v {
			t.Fatalf("Quote(%q) = %q, read back as %q (%v)", v, q, got, err)
		}
	})
}

// ---- real fish ----

// fishBox is a fish with a private HOME, config and temp directory, no user
// configuration (--no-config) and a terminal that has colors.
type fishBox struct {
	ttyOut bool // stdout is a terminal (fish tells a redirection to one from a terminal)
	fish   string
	dir    string
	tmp    string   // TMPDIR: where mktemp puts the wrapper's files
	env    []string // the whole environment of every run
}

func newFishBox(t *testing.T) *fishBox {
	t.Helper()
	fish := testtool.Require(t, "fish")
	dir := t.TempDir()
	b := &fishBox{fish: fish, dir: dir, tmp: filepath.Join(dir, "tmp")}
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
		// The record of exported credentials, as after a switch: the
		// refresh hook renews only what it describes.
		"__AWS_RUNAS_RENEW=" + testRenewRecord,
	}
	return b
}

// write puts content in the box's directory and returns the path.
func (b *fishBox) write(t *testing.T, name, content string, mode os.FileMode) string {
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

// run runs script with `fish [flags] FILE args...`, stdin as given.
func (b *fishBox) run(t *testing.T, flags []string, script, stdin string, args ...string) (string, string, error) {
	t.Helper()
	p := b.write(t, fmt.Sprintf("script-%d.fish", time.Now().UnixNano()), script, 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.fish, append(append(append([]string{}, flags...), p), args...)...)
	cmd.Env = b.env
	cmd.Dir = b.dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if b.ttyOut {
		wait := startWithTTYStdout(t, cmd)
		o, err := wait()
		return o, errb.String(), err
	}
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func mustFishExport(t *testing.T, env Env) string {
	t.Helper()
	code, err := Export(fishDialect{}, env)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func mustFishInit(t *testing.T, o InitOptions) string {
	t.Helper()
	code, err := Init(fishDialect{}, o)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Every corpus value, exported and sourced by a real fish (from a file and
// from stdin, as `aws-runas prod | source`), reads back byte for byte, in
// fish and in the environment of a child.
func TestFishExportRoundTrip(t *testing.T) {
	b := newFishBox(t)
	values := fpHostile()
	var env Env
	for i, v := range values {
		env.Set = append(env.Set, Var{fmt.Sprintf("V%d", i), v})
	}
	code := mustFishExport(t, env)
	exportFile := b.write(t, "export.fish", code, 0o644)
	dump := `
for n in (set -n | string match -r '^V[0-9]+$')
    printf '%s' $$n > $argv[1]/$n
end
command env -0 > $argv[1]/ENV
`
	for _, how := range []string{"file", "stdin"} {
		t.Run(how, func(t *testing.T) {
			outDir := filepath.Join(b.dir, "out-"+how)
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				t.Fatal(err)
			}
			script, stdin := "source "+exportFile+"\n"+dump, ""
			if how == "stdin" {
				script, stdin = "source\n"+dump, code
			}
			_, stderr, err := b.run(t, []string{"--no-config"}, script, stdin, outDir)
			if err != nil || stderr != "" {
				t.Fatalf("fish: %v\n%s", err, stderr)
			}
			envDump, err := os.ReadFile(filepath.Join(outDir, "ENV"))
			if err != nil {
				t.Fatal(err)
			}
			childEnv := map[string]string{}
			for _, kv := range strings.Split(string(envDump), "\x00") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					childEnv[k] = v
				}
			}
			for i, v := range values {
				name := fmt.Sprintf("V%d", i)
				got, err := os.ReadFile(filepath.Join(outDir, name))
				if err != nil {
					t.Errorf("%s (%.40q) did not arrive: %v", name, v, err)
					continue
				}
				if string(got) != v {
					t.Errorf("%s: sent %.40q, fish has %.40q", name, v, got)
				}
				if c, ok := childEnv[name]; !ok || c != v {
					t.Errorf("%s: sent %.40q, a child sees %.40q (exported: %v)", name, v, c, ok)
				}
			}
		})
	}
}

func TestFishExportUnset(t *testing.T) {
	b := newFishBox(t)
	code := mustFishExport(t, Env{
		Set:   []Var{{"AWS_RUNAS_PROFILE", "prod"}},
		Unset: []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "NEVER_SET"},
	})
	f := b.write(t, "export.fish", code, 0o644)
	out, stderr, err := b.run(t, []string{"--no-config"}, `
set -gx AWS_PROFILE dev
set -gx AWS_DEFAULT_PROFILE dev
source `+f+`
echo "status=$status"
set -q AWS_PROFILE; and echo "AWS_PROFILE still set"
set -q AWS_DEFAULT_PROFILE; and echo "AWS_DEFAULT_PROFILE still set"
command env | string match -q 'AWS_PROFILE=*'; and echo "AWS_PROFILE still exported"
echo "profile=$AWS_RUNAS_PROFILE"
`, "")
	if err != nil || stderr != "" {
		t.Fatalf("fish: %v\n%s", err, stderr)
	}
	if out != "status=0\nprofile=prod\n" {
		t.Errorf("got %q", out)
	}
}

// A universal variable is left alone (it is the user's setting in every
// session) and the user is told it stays visible.
func TestFishExportUniversalWarns(t *testing.T) {
	b := newFishBox(t)
	f := b.write(t, "export.fish", mustFishExport(t, Env{Unset: []string{"AWS_PROFILE"}}), 0o644)
	// Not --no-config: universal variables need fish's own files (in the
	// box's XDG_CONFIG_HOME).
	out, stderr, err := b.run(t, nil, `
set -Ux AWS_PROFILE dev
set -gx AWS_PROFILE global
source `+f+`
echo "now=$AWS_PROFILE"
set -e -U AWS_PROFILE
`, "")
	if err != nil {
		t.Fatalf("fish: %v\n%s", err, stderr)
	}
	if out != "now=dev\n" {
		t.Errorf("got %q, want the universal value back", out)
	}
	if !strings.Contains(stderr, "AWS_PROFILE is also a universal variable") || !strings.Contains(stderr, "set -e -U AWS_PROFILE") {
		t.Errorf("no warning about the universal variable: %q", stderr)
	}
}

// Every combination: fish --no-execute is clean; sourcing it twice prints
// nothing on stderr and installs everything once.
func TestFishInitCombinations(t *testing.T) {
	b := newFishBox(t)
	for _, o := range initMatrix("/opt/it's a $(dir)/aws-runas") {
		t.Run(optName(o), func(t *testing.T) {
			code := mustFishInit(t, o)
			lines := strings.Split(strings.TrimRight(code, "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "#") || !strings.Contains(last, "aws-runas init fish | source") {
				t.Errorf("last line is %q, want the rc line as a comment", last)
			}
			f := b.write(t, "init.fish", code, 0o644)
			if _, stderr, err := b.run(t, []string{"--no-execute"}, code, ""); err != nil || stderr != "" {
				t.Fatalf("fish --no-execute: %v\n%s", err, stderr)
			}
			out, stderr, err := b.run(t, []string{"--no-config"}, `
source `+f+`
source `+f+`
functions -q aws_session_expired aws_session_status_color; or echo "helpers missing"
set -gx AWS_RUNAS_PROFILE prod
set -gx AWS_RUNAS_ASSUMED_ROLE_ARN arn:aws:iam::123456789012:role/r
set -gx AWS_SESSION_EXPIRATION_UNIX 99999999999
echo "prompt:"(fish_prompt | string collect)
echo "handlers:"(functions --handlers | string match -r '^fish_prompt (__aws_runas\w*)$' | string match -e __ | string match -rv '^fish_prompt' | string join ,)
if test -n "$argv[1]"
    functions -q -- $argv[1]; or echo "wrapper missing"
    echo "complete:"(complete -c $argv[1] | string match -e -- '--wraps aws-runas' | count)
end
`, "", o.Cmd)
			if err != nil || stderr != "" {
				t.Fatalf("fish: %v\nstderr: %s\nstdout: %s", err, stderr, out)
			}
			if strings.Contains(out, "missing") {
				t.Errorf("%s", out)
			}
			segments := strings.Count(out, "(AWS:prod)")
			if want := map[bool]int{true: 1, false: 0}[o.Prompt]; segments != want {
				t.Errorf("prompt shows the segment %d times, want %d: %q", segments, want, out)
			}
			var want []string
			if o.Refresh {
				want = append(want, "__aws_runas_refresh")
			}
			if o.Cmd != "" {
				want = append(want, "__aws_runas_eval_files_cleanup")
			}
			m := regexp.MustCompile(`handlers:(.*)`).FindStringSubmatch(out)
			var got []string
			if m != nil && m[1] != "" {
				got = strings.Split(m[1], ",")
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("fish_prompt handlers %v, want %v", got, want)
			}
			if o.Cmd != "" {
				wraps := map[bool]string{true: "complete:0", false: "complete:1"}[o.Cmd == "aws-runas"]
				if !strings.Contains(out, wraps) {
					t.Errorf("want %s (complete --wraps once for another name): %q", wraps, out)
				}
			}
		})
	}
}

// An init with other options replaces the earlier one's hooks instead of
// adding to them.
func TestFishInitAgainWithOtherOptions(t *testing.T) {
	b := newFishBox(t)
	all := b.write(t, "all.fish", mustFishInit(t, InitOptions{Cmd: "awsr", Prompt: true, Refresh: true, Binary: "/x"}), 0o644)
	none := b.write(t, "none.fish", mustFishInit(t, InitOptions{Binary: "/x"}), 0o644)
	out, stderr, err := b.run(t, []string{"--no-config"}, `
source `+all+`
source `+none+`
set -gx AWS_RUNAS_PROFILE prod
set -gx AWS_SESSION_EXPIRATION_UNIX 99999999999
echo "prompt:"(fish_prompt | string collect)
functions --handlers | string match -q -e __aws_runas_refresh; and echo "refresh hook left"
true
`, "")
	if err != nil || stderr != "" {
		t.Fatalf("fish: %v\n%s", err, stderr)
	}
	if strings.Contains(out, "(AWS") || strings.Contains(out, "left") {
		t.Errorf("the second init did not take the first one's hooks away: %q", out)
	}
}

func TestFishSessionFunctions(t *testing.T) {
	b := newFishBox(t)
	f := b.write(t, "init.fish", mustFishInit(t, InitOptions{Binary: "/x"}), 0o644)
	now := time.Now().Unix()
	cases := []struct {
		name, set string // fish code that sets AWS_SESSION_EXPIRATION_UNIX
		expired   bool
	}{
		{"unset", "set -e AWS_SESSION_EXPIRATION_UNIX", true},
		{"empty", "set -gx AWS_SESSION_EXPIRATION_UNIX ''", true},
		{"empty list", "set -gx AWS_SESSION_EXPIRATION_UNIX", true},
		{"word", "set -gx AWS_SESSION_EXPIRATION_UNIX soon", true},
		{"negative", "set -gx AWS_SESSION_EXPIRATION_UNIX -5", true},
		{"fraction", fmt.Sprintf("set -gx AWS_SESSION_EXPIRATION_UNIX %d.5", now+3600), true},
		{"two words", fmt.Sprintf("set -gx AWS_SESSION_EXPIRATION_UNIX '%d %d'", now+3600, now+3600), true},
		{"list", fmt.Sprintf("set -gx AWS_SESSION_EXPIRATION_UNIX %d %d", now+3600, now+3600), true},
		{"past", fmt.Sprintf("set -gx AWS_SESSION_EXPIRATION_UNIX %d", now-10), true},
		{"zero", "set -gx AWS_SESSION_EXPIRATION_UNIX 0", true},
		{"leading zeros, past", "set -gx AWS_SESSION_EXPIRATION_UNIX 000001", true},
		{"future", fmt.Sprintf("set -gx AWS_SESSION_EXPIRATION_UNIX %d", now+3600), false},
		{"leading zeros, future", fmt.Sprintf("set -gx AWS_SESSION_EXPIRATION_UNIX 000%d", now+3600), false},
		{"far future", "set -gx AWS_SESSION_EXPIRATION_UNIX 99999999999999999999999", false},
	}
	var script strings.Builder
	script.WriteString("source " + f + "\n")
	for _, c := range cases {
		fmt.Fprintf(&script, "%s\naws_session_expired; echo %s=$status\n", c.set, strconv.Quote(c.name))
		fmt.Fprintf(&script, "echo %s=(aws_session_status_color) (aws_session_status_color bash) (aws_session_status_color sh) (aws_session_status_color zsh) (aws_session_status_color fish) (aws_session_status_color powershell) (aws_session_status_color pwsh)\n", strconv.Quote(c.name+" colors"))
	}
	script.WriteString("aws_session_status_color tcsh; echo unknown=$status\n")
	out, stderr, err := b.run(t, []string{"--no-config"}, script.String(), "")
	if err != nil {
		t.Fatalf("fish: %v\n%s", err, stderr)
	}
	for _, c := range cases {
		status, colors := "1", "yellow 33 33 yellow yellow Yellow Yellow"
		if c.expired {
			status, colors = "0", "red 31 31 red red Red Red"
		}
		if want := c.name + "=" + status + "\n"; !strings.Contains(out, want) {
			t.Errorf("aws_session_expired, %s: want status %s in\n%s", c.name, status, out)
		}
		if want := c.name + " colors=" + colors + "\n"; !strings.Contains(out, want) {
			t.Errorf("aws_session_status_color, %s: want %q in\n%s", c.name, want, out)
		}
	}
	if !strings.Contains(out, "unknown=2") || !strings.Contains(stderr, "unknown shell tcsh") {
		t.Errorf("an unknown shell: stdout %q, stderr %q", out, stderr)
	}
}

// The segment: color, role or not, hidden without a profile, the profile
// printed literally, and the wrapped prompt still sees $status and
// $pipestatus.
func TestFishPrompt(t *testing.T) {
	b := newFishBox(t)
	f := b.write(t, "init.fish", mustFishInit(t, InitOptions{Prompt: true, Binary: "/x"}), 0o644)
	now := time.Now().Unix()
	hostile := "$(echo pwned) `id` %s%n \\e[0m 'q' \"d\" ‘x’ \\ ; (AWS:fake) *"
	q, err := fishDialect{}.Quote(hostile)
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := b.run(t, []string{"--no-config"}, fmt.Sprintf(`
function fish_prompt
    printf 'st=%%s ps=%%s> ' $status "$pipestatus"
end
source %[1]s
function show
    echo
    echo "== $argv[1]"
    fish_prompt
end
sh -c 'exit 2' | sh -c 'exit 5'
fish_prompt
show unset
set -gx AWS_RUNAS_PROFILE prod
set -gx AWS_SESSION_EXPIRATION_UNIX %[2]d
show token
set -gx AWS_RUNAS_ASSUMED_ROLE_ARN arn:aws:iam::123456789012:role/r
show role
set -gx AWS_SESSION_EXPIRATION_UNIX %[3]d
show expired
set -gx AWS_RUNAS_PROFILE %[4]s
set -gx AWS_SESSION_EXPIRATION_UNIX %[2]d
show hostile
set -gx AWS_RUNAS_PROFILE ''
show empty
`, f, now+3600, now-1, q), "")
	if err != nil || stderr != "" {
		t.Fatalf("fish: %v\n%s", err, stderr)
	}
	parts := map[string]string{}
	for _, p := range strings.Split(out, "\n== ")[1:] {
		name, text, _ := strings.Cut(p, "\n")
		parts[name] = text
	}
	first, _, _ := strings.Cut(out, "\n")
	if first != "st=5 ps=2 5> " {
		t.Errorf("the wrapped prompt saw %q, want st=5 ps=2 5>", first)
	}
	const yellow, red = "\x1b[33m", "\x1b[31m"
	for name, want := range map[string]string{
		"token":   yellow + "(AWS)",
		"role":    yellow + "(AWS:prod)",
		"expired": red + "(AWS:prod)",
		"hostile": yellow + "(AWS:" + hostile + ")",
	} {
		got, ok := parts[name]
		if !ok {
			t.Errorf("%s: no prompt in %q", name, out)
			continue
		}
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s: prompt %q, want it to start with %q", name, got, want)
		}
		if !strings.Contains(got, "st=0 ps=0> ") {
			t.Errorf("%s: the wrapped prompt is missing: %q", name, got)
		}
	}
	if strings.Contains(parts["token"], "(AWS:") {
		t.Errorf("token: %q shows a profile", parts["token"])
	}
	for _, name := range []string{"unset", "empty"} {
		if got := parts[name]; strings.Contains(got, "AWS") || !strings.HasPrefix(got, "st=") {
			t.Errorf("%s: prompt %q, want the wrapped prompt alone", name, got)
		}
	}
	if strings.Contains(out, "pwned") && !strings.Contains(out, "$(echo pwned)") {
		t.Errorf("the profile was run: %q", out)
	}
}

// A theme loaded after the init replaces fish_prompt; running the init
// again wraps the theme's prompt (once, however often it runs). Control
// characters of the profile show as '?'.
func TestFishPromptRewrapAndControl(t *testing.T) {
	b := newFishBox(t)
	f := b.write(t, "init.fish", mustFishInit(t, InitOptions{Prompt: true, Binary: "/x"}), 0o644)
	q, err := fishDialect{}.Quote("a\x1b[2Jb\nc\x7fd\te")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := b.run(t, []string{"--no-config"}, fmt.Sprintf(`
function fish_prompt; printf 'old> '; end
source %[1]s
set -gx AWS_RUNAS_PROFILE %[2]s
set -gx AWS_RUNAS_ASSUMED_ROLE_ARN arn
set -gx AWS_SESSION_EXPIRATION_UNIX %[3]d
echo "1:"(fish_prompt | string collect)
function fish_prompt; printf 'theme> '; end
source %[1]s
source %[1]s
echo "2:"(fish_prompt | string collect)
`, f, q, time.Now().Unix()+3600), "")
	if err != nil || stderr != "" {
		t.Fatalf("fish: %v\n%s", err, stderr)
	}
	plain := regexp.MustCompile("\x1b[^m]*m|\x1b\\(B").ReplaceAllString(out, "")
	for _, want := range []string{"1:(AWS:a?[2Jb?c?d?e) old> \n", "2:(AWS:a?[2Jb?c?d?e) theme> \n"} {
		if !strings.Contains(plain, want) {
			t.Errorf("want %q in %q", want, plain)
		}
	}
}

// fakeBinary writes a stand-in for aws-runas that speaks the init
// functions' protocol and logs every call:
//
//   - --non-interactive ... : refresh; prints $FAKE_DIR/refresh.code
//   - PROFILE [--] COMMAND...: runs COMMAND (exit status, stdio untouched)
//   - PROFILE: writes $FAKE_DIR/switch.code to $__AWS_RUNAS_EVAL_FILE when
//     set (never creating it), else prints it
//   - with __AWS_RUNAS_EVAL_PLAN set: prints eval for PROFILE alone, else
//     run, and logs nothing
//
// It fails with status 3 while $FAKE_DIR/fail exists.
const fakeBinary = `#!/bin/sh
if [ -n "${__AWS_RUNAS_EVAL_PLAN-}" ]; then
  # The nushell wrapper's question: eval for PROFILE alone, else run.
  if [ $# -eq 1 ] && [ "${1#-}" = "$1" ]; then echo eval; else echo run; fi
  exit 0
fi
{
  printf 'call:'
  for a in "$@"; do printf ' [%s]' "$a"; done
  printf '\n'
  printf 'env: shell=%s file=%s user=%s\n' "${__AWS_RUNAS_EVAL_SHELL-unset}" "${__AWS_RUNAS_EVAL_FILE-unset}" "${AWS_RUNAS_SHELL-unset}"
} >> "$FAKE_DIR/log"
if [ -e "$FAKE_DIR/fail" ]; then
  echo 'fake aws-runas: failing as asked' >&2
  exit 3
fi
if [ "$1" = --non-interactive ]; then
  cat "$FAKE_DIR/refresh.code"
  exit 0
fi
shift
[ "${1-}" = -- ] && shift
if [ $# -gt 0 ]; then
  exec "$@"
fi
if [ -n "${__AWS_RUNAS_EVAL_FILE-}" ]; then
  [ -f "$__AWS_RUNAS_EVAL_FILE" ] || { echo "fake aws-runas: no eval file" >&2; exit 1; }
  cat "$FAKE_DIR/switch.code" > "$__AWS_RUNAS_EVAL_FILE"
else
  cat "$FAKE_DIR/switch.code"
fi
`

// installFake puts the fake binary at a path that needs quoting and
// returns that path.
func (b *fishBox) installFake(t *testing.T) string {
	t.Helper()
	return b.write(t, "bin dir/it's $(x) ‘q’/aws-runas", fakeBinary, 0o755)
}

// fakeCalls reads the fake binary's log: one entry per call, the call line
// and the env line.
func (b *fishBox) fakeCalls(t *testing.T) [][2]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(b.dir, "log"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var calls [][2]string
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		calls = append(calls, [2]string{lines[i], lines[i+1]})
	}
	return calls
}

func TestFishWrapper(t *testing.T) {
	b := newFishBox(t)
	bin := b.installFake(t)
	hostileProfile := "prod ‘it's’ $(x) \\"
	b.write(t, "switch.code", mustFishExport(t, Env{
		Set:   []Var{{"AWS_RUNAS_PROFILE", hostileProfile}, {"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "se'cr\\et\n"}},
		Unset: []string{"AWS_PROFILE"},
	}), 0o644)
	f := b.write(t, "init.fish", mustFishInit(t, InitOptions{Cmd: "awsr", Binary: bin}), 0o644)
	// stdout is a terminal: in place, unless redirected.
	b.ttyOut = true
	out, stderr, err := b.run(t, []string{"--no-config"}, `
source `+f+`
set -gx AWS_PROFILE dev
# The user's own choice of print-mode dialect: left alone.
set -gx AWS_RUNAS_SHELL zsh
# A command substitution, which cannot change the shell: the binary itself,
# which prints the code.
set -l code (awsr prod | string collect -N)
printf '%s' $code | source
printf '%s' "$AWS_SECRET_ACCESS_KEY" > $FAKE_DIR/got-secret-subst
set -e AWS_SECRET_ACCESS_KEY
set -gx AWS_PROFILE dev
# stdout a pipe or a file: in place all the same, nothing printed (issue 10).
awsr prod | source
printf '%s' "$AWS_SECRET_ACCESS_KEY" > $FAKE_DIR/got-secret-piped
set -e AWS_SECRET_ACCESS_KEY
set -gx AWS_PROFILE dev
awsr prod > $FAKE_DIR/printed
printf '%s' "$AWS_SECRET_ACCESS_KEY" > $FAKE_DIR/got-secret-file
set -e AWS_SECRET_ACCESS_KEY
set -gx AWS_PROFILE dev
# stdout a terminal: in place.
awsr prod
echo "switch status=$status"
printf '%s' "$AWS_RUNAS_PROFILE" > $FAKE_DIR/got-profile
printf '%s' "$AWS_SECRET_ACCESS_KEY" > $FAKE_DIR/got-secret
set -q AWS_PROFILE; and echo "AWS_PROFILE left"
test "$AWS_RUNAS_SHELL" = zsh; or echo "AWS_RUNAS_SHELL changed"
set -q __AWS_RUNAS_EVAL_SHELL; and echo "__AWS_RUNAS_EVAL_SHELL leaked"
set -q __AWS_RUNAS_EVAL_FILE; and echo "__AWS_RUNAS_EVAL_FILE leaked"
set -q __aws_runas_eval_files[1]; and echo "pending files: $__aws_runas_eval_files"
awsr prod -- sh -c 'echo command-out; exit 7'
echo "command status=$status"
echo piped-in | awsr prod -- cat
echo "pipe status=$status"
awsr prod -- sh -c 'echo to-pipe' | string upper
touch $FAKE_DIR/fail
awsr other
echo "failed status=$status"
echo "profile still=$AWS_RUNAS_PROFILE" | string match -q "*prod*"; and echo "profile kept"
`, "")
	if err != nil {
		t.Fatalf("fish: %v\n%s", err, stderr)
	}
	want := "switch status=0\ncommand-out\ncommand status=7\npiped-in\npipe status=0\nTO-PIPE\nfailed status=3\nprofile kept\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if stderr != "fake aws-runas: failing as asked\n" {
		t.Errorf("stderr %q: want only the binary's own message", stderr)
	}
	for name, want := range map[string]string{"got-profile": hostileProfile, "got-secret": "se'cr\\et\n", "got-secret-subst": "se'cr\\et\n", "got-secret-piped": "se'cr\\et\n", "got-secret-file": "se'cr\\et\n", "printed": ""} {
		if got, err := os.ReadFile(filepath.Join(b.dir, name)); err != nil || string(got) != want {
			t.Errorf("%s: %q (%v), want %q", name, got, err, want)
		}
	}
	calls := b.fakeCalls(t)
	if len(calls) != 8 {
		t.Fatalf("the binary ran %d times, want 8: %q", len(calls), calls)
	}
	if calls[3][0] != "call: [prod]" || calls[4][0] != "call: [prod] [--] [sh] [-c] [echo command-out; exit 7]" {
		t.Errorf("arguments: %q", calls)
	}
	// A command substitution (call 0): the binary as it is; everywhere
	// else, whatever stdout is, the eval file.
	envRE := regexp.MustCompile(`^env: shell=fish file=(` + regexp.QuoteMeta(b.tmp) + `/aws-runas\.[^/]{10}) user=zsh$`)
	for i, c := range calls {
		if i == 0 {
			if c[1] != "env: shell=unset file=unset user=zsh" {
				t.Errorf("call %d (command substitution): the binary saw %q, want neither eval variable", i, c[1])
			}
			continue
		}
		m := envRE.FindStringSubmatch(c[1])
		if m == nil {
			t.Errorf("call %d: the binary saw %q, want __AWS_RUNAS_EVAL_SHELL=fish, a file aws-runas.XXXXXXXXXX in %s, the user's AWS_RUNAS_SHELL", i, c[1], b.tmp)
			continue
		}
		if _, err := os.Stat(m[1]); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was not removed (%v)", m[1], err)
		}
	}
	if left, _ := os.ReadDir(b.tmp); len(left) != 0 {
		t.Errorf("files left in TMPDIR: %v", left)
	}
}

// A call cut short (a COMMAND killed by Ctrl-C ends the function) leaves its
// file in __aws_runas_eval_files; the next prompt removes it.
func TestFishWrapperCleanupAtPrompt(t *testing.T) {
	b := newFishBox(t)
	f := b.write(t, "init.fish", mustFishInit(t, InitOptions{Cmd: "awsr", Binary: "/x"}), 0o644)
	left := b.write(t, "tmp/left-over", "", 0o600)
	out, stderr, err := b.run(t, []string{"--no-config"}, `
source `+f+`
set -g __aws_runas_eval_files `+left+`
emit fish_prompt
test -e `+left+`; and echo "still there"
set -q __aws_runas_eval_files; and echo "still listed"
emit fish_prompt
`, "")
	if err != nil || stderr != "" || out != "" {
		t.Errorf("fish: %v, stdout %q, stderr %q", err, out, stderr)
	}
}

// The refresh hook starts no process far from expiry (not even date), asks
// the binary near expiry with the right arguments, applies its code, and
// tries a failing expiry value once.
func TestFishRefresh(t *testing.T) {
	b := newFishBox(t)
	bin := b.installFake(t)
	realDate := testtool.Require(t, "date")
	b.write(t, "fakebin/date", "#!/bin/sh\necho date >> \"$FAKE_DIR/date.log\"\nexec "+realDate+" \"$@\"\n", 0o755)
	for i, kv := range b.env {
		if strings.HasPrefix(kv, "PATH=") {
			b.env[i] = "PATH=" + filepath.Join(b.dir, "fakebin") + ":" + strings.TrimPrefix(kv, "PATH=")
		}
	}
	now := time.Now().Unix()
	// The refreshed code carries the whole corpus: it travels through a
	// command substitution, which must not change a byte.
	refresh := Env{Set: []Var{
		{"AWS_SESSION_EXPIRATION_UNIX", strconv.FormatInt(now+3600, 10)},
		{"REFRESHED", "yes"},
	}}
	values := fpHostile()
	for i, v := range values {
		refresh.Set = append(refresh.Set, Var{fmt.Sprintf("V%d", i), v})
	}
	b.write(t, "refresh.code", mustFishExport(t, refresh), 0o644)
	outDir := filepath.Join(b.dir, "out")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := b.write(t, "init.fish", mustFishInit(t, InitOptions{Refresh: true, Binary: bin}), 0o644)
	out, stderr, err := b.run(t, []string{"--no-config"}, fmt.Sprintf(`
source %[1]s
function phase
    echo "phase $argv" >> $FAKE_DIR/log
    echo "phase $argv" >> $FAKE_DIR/log
end
phase none
set -gx AWS_SESSION_EXPIRATION_UNIX %[3]d
emit fish_prompt
phase far
set -gx AWS_RUNAS_PROFILE prod
set -gx AWS_RUNAS_ASSUMED_ROLE_ARN arn:aws:iam::123456789012:role/r
set -gx AWS_SESSION_EXPIRATION_UNIX %[2]d
emit fish_prompt; emit fish_prompt; emit fish_prompt
phase near-role
set -gx AWS_SESSION_EXPIRATION_UNIX %[3]d
emit fish_prompt; emit fish_prompt
echo "refreshed=$REFRESHED"
for n in (set -n | string match -r '^V[0-9]+$')
    printf '%%s' $$n > $FAKE_DIR/out/$n
end
test "$AWS_SESSION_EXPIRATION_UNIX" = %[2]d; and echo "expiry applied"
phase failing
touch $FAKE_DIR/fail
set -e AWS_RUNAS_ASSUMED_ROLE_ARN
set -gx AWS_SESSION_EXPIRATION_UNIX %[4]d
emit fish_prompt; emit fish_prompt; emit fish_prompt
phase new-expiry
set -gx AWS_SESSION_EXPIRATION_UNIX %[5]d
emit fish_prompt; emit fish_prompt
phase expired
set -gx AWS_SESSION_EXPIRATION_UNIX %[6]d
emit fish_prompt; emit fish_prompt
phase no-record
set -e __AWS_RUNAS_RENEW
set -gx AWS_SESSION_EXPIRATION_UNIX %[4]d
emit fish_prompt; emit fish_prompt
phase end
`, f, now+3600, now+100, now+120, now+50, now-5), "")
	if err != nil || stderr != "" {
		t.Fatalf("fish: %v\nstderr: %q", err, stderr)
	}
	if out != "refreshed=yes\nexpiry applied\n" {
		t.Errorf("stdout %q", out)
	}
	for i, v := range values {
		got, err := os.ReadFile(filepath.Join(outDir, fmt.Sprintf("V%d", i)))
		if err != nil || string(got) != v {
			t.Errorf("refreshed V%d: sent %.40q, fish has %.40q (%v)", i, v, got, err)
		}
	}
	phases := map[string][]string{}
	phase := ""
	for _, c := range b.fakeCalls(t) {
		if p, ok := strings.CutPrefix(c[0], "phase "); ok {
			phase = p
			continue
		}
		phases[phase] = append(phases[phase], c[0])
	}
	// The same call for a role and a session token: the record says which.
	role := "call: [--non-interactive] [--renew] [-O] [fish]"
	token := role
	for name, want := range map[string][]string{
		"none":       nil,
		"far":        nil,
		"near-role":  {role},
		"failing":    {token},
		"new-expiry": {token},
		"expired":    {token},
		"no-record":  nil,
	} {
		if strings.Join(phases[name], "\n") != strings.Join(want, "\n") {
			t.Errorf("phase %s: calls %q, want %q", name, phases[name], want)
		}
	}
	if data, err := os.ReadFile(filepath.Join(b.dir, "date.log")); err == nil {
		// fish 3.5+ reads the clock with the path builtin; before, date(1).
		t.Logf("date(1) ran %d times (a fish older than 3.5?)", strings.Count(string(data), "\n"))
		if v, _ := exec.Command(b.fish, "--version").Output(); regexp.MustCompile(`version 3\.[5-9]|version [4-9]`).Match(v) {
			t.Errorf("date(1) ran on %s", strings.TrimSpace(string(v)))
		}
	}
}

// A real interactive fish in tmux: the prompt, $status kept through the
// event handlers, a refresh before a prompt, and the cleanup of a call cut
// short by SIGINT.
func TestFishInteractive(t *testing.T) {
	b := newFishBox(t)
	tmux := testtool.Require(t, "tmux")
	bin := b.installFake(t)
	now := time.Now().Unix()
	b.write(t, "refresh.code", mustFishExport(t, Env{Set: []Var{
		{"AWS_SESSION_EXPIRATION_UNIX", strconv.FormatInt(now+3600, 10)},
		{"REFRESHED", "yes"},
	}}), 0o644)
	b.write(t, "switch.code", mustFishExport(t, Env{Set: []Var{{"SWITCHED", "yes"}}}), 0o644)
	init := "function fish_prompt; printf 'st=%s ps=%s> ' $status \"$pipestatus\"; end\n" +
		mustFishInit(t, InitOptions{Cmd: "awsr", Prompt: true, Refresh: true, Binary: bin})
	f := b.write(t, "init.fish", init, 0o644)
	sock := filepath.Join(b.dir, "tmux.sock")
	tm := func(args ...string) string {
		cmd := exec.Command(tmux, append([]string{"-S", sock, "-f", "/dev/null"}, args...)...)
		cmd.Env = b.env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tm("new-session", "-d", "-x", "200", "-y", "40", b.fish+" --no-config -C 'source "+f+"'")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", sock, "kill-server").Run() })
	waitFor := func(what string, ok func(screen string) bool) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			screen := tm("capture-pane", "-p", "-J")
			if ok(screen) {
				return screen
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the screen:\n%s", what, screen)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	lastLine := func(screen string) string {
		lines := strings.Split(strings.TrimRight(screen, "\n "), "\n")
		return strings.TrimRight(lines[len(lines)-1], " ")
	}
	waitFor("the first prompt", func(s string) bool { return strings.Contains(s, "st=0 ps=0>") })
	tm("send-keys", fmt.Sprintf("set -gx AWS_RUNAS_PROFILE prod; set -gx AWS_RUNAS_ASSUMED_ROLE_ARN arn:r; set -gx AWS_SESSION_EXPIRATION_UNIX %d", now+3600), "Enter")
	waitFor("the segment", func(s string) bool { return lastLine(s) == "(AWS:prod) st=0 ps=0>" })
	tm("send-keys", "sh -c 'exit 2' | sh -c 'exit 5'", "Enter")
	waitFor("the status kept", func(s string) bool { return lastLine(s) == "(AWS:prod) st=5 ps=2 5>" })
	tm("send-keys", fmt.Sprintf("set -gx AWS_SESSION_EXPIRATION_UNIX %d", now+60), "Enter")
	tm("send-keys", "echo R=$REFRESHED", "Enter")
	waitFor("the refresh", func(s string) bool { return strings.Contains(s, "\nR=yes") })
	tm("send-keys", "awsr prod; echo S=$SWITCHED", "Enter")
	waitFor("the switch", func(s string) bool { return strings.Contains(s, "\nS=yes") })
	tm("send-keys", "awsr prod -- sh -c 'kill -INT $$'", "Enter")
	tm("send-keys", "echo done", "Enter")
	waitFor("the prompt after SIGINT", func(s string) bool { return strings.Contains(s, "\ndone\n") })
	calls := b.fakeCalls(t)
	if len(calls) != 3 {
		t.Fatalf("the binary ran %d times, want 3 (refresh, switch, command): %q", len(calls), calls)
	}
	if left, _ := filepath.Glob(filepath.Join(b.tmp, "tmp.*")); len(left) != 0 {
		t.Errorf("files left in TMPDIR after the next prompt: %v", left)
	}
}

// The subshell runs the init code after the configuration, interactively.
func TestFishSubshell(t *testing.T) {
	b := newFishBox(t)
	code := mustFishInit(t, InitOptions{Prompt: true, Refresh: true, Binary: "/x"})
	l, err := Subshell(fishDialect{}, b.fish, code)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Cleanup()
	if len(l.Argv) != 4 || l.Argv[0] != b.fish || l.Argv[1] != "-i" || l.Argv[2] != "-C" || l.Argv[3] != code {
		t.Fatalf("argv %q", l.Argv)
	}
	b.write(t, "config/fish/config.fish", "set -g from_config yes\n", 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.Argv[0], l.Argv[1:]...)
	cmd.Env = append(append([]string{}, b.env...), l.Env...)
	cmd.Stdin = strings.NewReader("functions -q aws_session_expired __aws_runas_refresh; and echo defined=$from_config\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "defined=yes") {
		t.Errorf("fish subshell: %v\n%s", err, out)
	}
}

// Names are checked before they reach the code: a variable or function name
// that is not a plain word is an error, in both dialects.
func TestFishPowerShellRefuseBadNames(t *testing.T) {
	for _, d := range []Dialect{fishDialect{}, powershellDialect{}} {
		for _, n := range []string{"", "A B", "A;B", "A$(x)", "1A", "A-B", "A\nB"} {
			if code, err := Export(d, Env{Set: []Var{{n, "v"}}}); err == nil {
				t.Errorf("%s: Export set %q: %q", d.Name(), n, code)
			}
			if code, err := Export(d, Env{Unset: []string{n}}); err == nil {
				t.Errorf("%s: Export unset %q: %q", d.Name(), n, code)
			}
		}
		for _, c := range []string{"a b", "a;b", "$(x)", "-x", "a\nb", "a'b"} {
			if code, err := Init(d, InitOptions{Cmd: c, Binary: "/x"}); err == nil {
				t.Errorf("%s: Init with --cmd %q: %.80q", d.Name(), c, code)
			}
		}
	}
}
