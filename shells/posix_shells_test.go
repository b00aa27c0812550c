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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

// These tests run the code of the bash, zsh and sh templates in the real
// shells, in strict modes and under options users set that break careless
// code.

// shellSpec is one way of running a shell on a script.
type shellSpec struct {
	name    string   // subtest name
	dialect string   // bash, zsh or sh: the template it runs
	prog    string   // program, looked up on PATH
	args    []string // arguments before the script (they end with -c)
	prelude string   // first lines of every script: the options under test
}

var strictSpecs = []shellSpec{
	{"bash", "bash", "bash", []string{"--noprofile", "--norc", "-euo", "pipefail", "-c"}, ""},
	{"bash-options", "bash", "bash", []string{"--noprofile", "--norc", "-euo", "pipefail", "-c"},
		"shopt -s extglob nullglob failglob nocasematch nocaseglob dotglob globstar\nset -o noclobber\nIFS='x/-='\n"},
	{"zsh", "zsh", "zsh", []string{"-f", "-eu", "-c"}, ""},
	{"zsh-options", "zsh", "zsh", []string{"-f", "-eu", "-c"},
		"setopt KSH_ARRAYS NO_UNSET RC_QUOTES SH_WORD_SPLIT WARN_CREATE_GLOBAL WARN_NESTED_VAR PIPE_FAIL OCTAL_ZEROES KSH_GLOB NO_GLOB\nIFS='x/-='\n"},
	{"dash", "sh", "dash", []string{"-eu", "-c"}, ""},
	{"bash-posix", "sh", "bash", []string{"--posix", "--noprofile", "--norc", "-eu", "-c"}, ""},
}

// specsFor is the strict specs that run dialect's code.
func specsFor(dialect string) []shellSpec {
	var out []shellSpec
	for _, s := range strictSpecs {
		if s.dialect == dialect {
			out = append(out, s)
		}
	}
	return out
}

func mustDialect(t testing.TB, name string) Dialect {
	t.Helper()
	d, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// baseEnv is a clean environment: nothing of the developer's AWS_* or
// shell start-up leaks in.
func baseEnv(t testing.TB) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"LC_ALL=C.UTF-8",
		"TERM=xterm",
		// The record of exported credentials, as after a switch: the
		// refresh hook renews only what it describes.
		"__AWS_RUNAS_RENEW=" + testRenewRecord,
	}
}

// testRenewRecord stands for __AWS_RUNAS_RENEW: opaque to the shells.
const testRenewRecord = "eyJ2IjoxfQ"

type result struct {
	stdout, stderr string
	code           int
}

// runArgv runs argv with env and stdin, and fails the test if it cannot
// start or takes more than 30 s.
func runArgv(t testing.TB, argv, env []string, stdin string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", argv[0], err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out; stderr: %s", argv[0], errb.String())
	}
	return result{out.String(), errb.String(), code}
}

// runSpec runs script (after the spec's prelude) in the spec's shell.
func runSpec(t testing.TB, s shellSpec, script string, env []string) result {
	t.Helper()
	argv := append([]string{testtool.Require(t, s.prog)}, s.args...)
	argv = append(argv, s.prelude+script)
	return runArgv(t, argv, env, "")
}

// wantClean fails unless the run exited 0 with an empty stderr.
func wantClean(t testing.TB, r result) {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", r.code, r.stderr, r.stdout)
	}
}

// readEnv0 parses `env -0` output.
func readEnv0(b []byte) map[string]string {
	m := map[string]string{}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestExportRoundTripInShells(t *testing.T) {
	var values []string
	for _, v := range hostile() {
		values = append(values, v)
	}
	env := Env{Unset: []string{"T_GONE", "T_NEVER_SET"}}
	for i, v := range values {
		env.Set = append(env.Set, Var{fmt.Sprintf("T_V%d", i), v})
	}
	for _, s := range strictSpecs {
		for _, locale := range []string{"C.UTF-8", "C"} {
			for _, inFunc := range []bool{false, true} {
				s, locale, inFunc := s, locale, inFunc
				t.Run(fmt.Sprintf("%s/%s/function=%v", s.name, locale, inFunc), func(t *testing.T) {
					t.Parallel()
					code, err := Export(mustDialect(t, s.dialect), env)
					if err != nil {
						t.Fatal(err)
					}
					out := t.TempDir()
					var sc strings.Builder
					if inFunc {
						// Code eval'd inside a function (the wrapper, the
						// refresh hook) must still set global variables.
						sc.WriteString("__t_apply() { eval \"$__T_CODE\"; }\n__t_apply\n")
					} else {
						sc.WriteString("eval \"$__T_CODE\"\n")
					}
					sc.WriteString("unset -v __T_CODE\n")
					for i := range values {
						fmt.Fprintf(&sc, "printf '%%s' \"$T_V%d\" >\"$__T_OUT/%d\"\n", i, i)
					}
					fmt.Fprintf(&sc, "%s -0 >\"$__T_OUT/env\"\n", testtool.Require(t, "env"))
					e := append(baseEnv(t), "LC_ALL="+locale, "__T_CODE="+code, "__T_OUT="+out, "T_GONE=here")
					r := runSpec(t, s, sc.String(), e)
					wantClean(t, r)
					if r.stdout != "" {
						t.Errorf("stdout not empty: %q", r.stdout)
					}
					envb, err := os.ReadFile(filepath.Join(out, "env"))
					if err != nil {
						t.Fatal(err)
					}
					exported := readEnv0(envb)
					for i, want := range values {
						got, err := os.ReadFile(filepath.Join(out, strconv.Itoa(i)))
						if err != nil {
							t.Fatal(err)
						}
						if string(got) != want {
							t.Errorf("T_V%d: shell variable = %s, want %s", i, short(string(got)), short(want))
						}
						if ev, ok := exported[fmt.Sprintf("T_V%d", i)]; !ok || ev != want {
							t.Errorf("T_V%d: environment = %s (exported %v), want %s", i, short(ev), ok, short(want))
						}
					}
					for _, gone := range env.Unset {
						if v, ok := exported[gone]; ok {
							t.Errorf("%s still in the environment: %q", gone, v)
						}
					}
				})
			}
		}
	}
}

// initMatrix is every combination of init options.
func initMatrix(binary string) []InitOptions {
	var all []InitOptions
	for _, cmd := range []string{"", "aws-runas", "awsr"} {
		for _, prompt := range []bool{false, true} {
			for _, refresh := range []bool{false, true} {
				all = append(all, InitOptions{Cmd: cmd, Prompt: prompt, Refresh: refresh, Binary: binary})
			}
		}
	}
	return all
}

func optName(o InitOptions) string {
	return fmt.Sprintf("cmd=%s,prompt=%v,refresh=%v", o.Cmd, o.Prompt, o.Refresh)
}

// hookCall is the function the dialect runs before each prompt.
var hookCall = map[string]string{"bash": "__aws_runas_hook", "zsh": "__aws_runas_precmd"}

func TestInitMatrixInShells(t *testing.T) {
	// A binary path with a space and a quote: it is quoted like a value.
	binary := filepath.Join(t.TempDir(), "it's a dir", "aws-runas")
	for _, s := range strictSpecs {
		for _, o := range initMatrix(binary) {
			s, o := s, o
			t.Run(s.name+"/"+optName(o), func(t *testing.T) {
				t.Parallel()
				code, err := Init(mustDialect(t, s.dialect), o)
				if err != nil {
					t.Fatal(err)
				}
				wantRC := fmt.Sprintf("# eval \"$(aws-runas init %s", s.dialect)
				lines := strings.Split(strings.TrimRight(code, "\n"), "\n")
				if last := lines[len(lines)-1]; !strings.HasPrefix(last, wantRC) || !strings.HasSuffix(last, ")\"") {
					t.Errorf("last line %q, want the rc line %s...)\"", last, wantRC)
				}
				hooks := o.Prompt || o.Refresh
				var sc strings.Builder
				sc.WriteString("PS1='user$ '\n")
				// Defined twice: installed once.
				sc.WriteString("eval \"$__T_CODE\"\neval \"$__T_CODE\"\n")
				// Two prompts, with the credentials far from expiry.
				sc.WriteString("export AWS_RUNAS_PROFILE=prod AWS_SESSION_EXPIRATION_UNIX=99999999999\n")
				if hooks && s.dialect != "sh" {
					sc.WriteString(hookCall[s.dialect] + "\n" + hookCall[s.dialect] + "\n")
				}
				switch s.dialect {
				case "bash":
					sc.WriteString(`printf 'PC<%s>\n' "${PROMPT_COMMAND[*]-}"` + "\n")
					sc.WriteString(`printf 'PS1<%s>\n' "$PS1"` + "\n")
					if o.Cmd != "" {
						fmt.Fprintf(&sc, "printf 'TYPE<%%s>\\n' \"$(type -t %s)\"\n", o.Cmd)
					}
				case "zsh":
					sc.WriteString(`() { emulate -L zsh; print -r -- "PC<${(j: :)precmd_functions}>"; print -r -- "PS1<$PROMPT>"; }` + "\n")
					if o.Cmd != "" {
						fmt.Fprintf(&sc, "() { emulate -L zsh; print -r -- \"TYPE<${$(whence -w %s)#*: }>\"; }\n", o.Cmd)
					}
				case "sh":
					sc.WriteString(`printf 'PC<>\n'; printf 'PS1<%s>\n' "$PS1"` + "\n")
					if o.Cmd != "" {
						fmt.Fprintf(&sc, "alias %s >/dev/null && printf 'TYPE<function>\\n'\n", o.Cmd)
					}
				}
				sc.WriteString("aws_session_expired || printf 'EXPIRED<%s>\\n' $?\n")
				r := runSpec(t, s, sc.String(), append(baseEnv(t), "__T_CODE="+code))
				wantClean(t, r)
				pc := between(r.stdout, "PC<", ">\n")
				wantHooks := 0
				if hooks && s.dialect != "sh" {
					wantHooks = 1
				}
				if n := strings.Count(pc, "__aws_runas_"); n != wantHooks {
					t.Errorf("prompt hooks %q: %d of ours, want %d", pc, n, wantHooks)
				}
				ps1 := between(r.stdout, "PS1<", ">\n")
				wantSeg := 0
				if o.Prompt {
					wantSeg = 1
				}
				ref := "${__aws_runas_ps1-}"
				switch s.dialect {
				case "sh":
					ref = "${AWS_RUNAS_PROFILE:+"
				case "zsh":
					// Without PROMPT_SUBST, the segment's text itself.
					ref = "%F{yellow}(AWS)%f "
				}
				if n := strings.Count(ps1, ref); n != wantSeg {
					t.Errorf("PS1 %q: %d references to the segment, want %d", ps1, n, wantSeg)
				}
				if !strings.HasSuffix(ps1, "user$ ") {
					t.Errorf("PS1 %q lost the user's prompt", ps1)
				}
				if o.Cmd != "" && between(r.stdout, "TYPE<", ">\n") != "function" {
					t.Errorf("%s is not defined: %q", o.Cmd, r.stdout)
				}
				if !strings.Contains(r.stdout, "EXPIRED<1>") {
					t.Errorf("aws_session_expired with a far expiry: %q", r.stdout)
				}
			})
		}
	}
}

// between is the text of s after the first start and before the next end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return "<missing " + start + ">"
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

func TestInitLint(t *testing.T) {
	binary := "/opt/it's here/aws-runas"
	for _, dialect := range []string{"bash", "zsh", "sh"} {
		for _, o := range initMatrix(binary) {
			dialect, o := dialect, o
			t.Run(dialect+"/"+optName(o), func(t *testing.T) {
				t.Parallel()
				code, err := Init(mustDialect(t, dialect), o)
				if err != nil {
					t.Fatal(err)
				}
				var argv []string
				switch dialect {
				case "bash", "sh":
					argv = []string{testtool.Require(t, "shellcheck"), "--norc", "-s", dialect, "-"}
				case "zsh":
					// shellcheck has no zsh mode.
					argv = []string{testtool.Require(t, "zsh"), "-n", "-f"}
				}
				r := runArgv(t, argv, baseEnv(t), code)
				if r.code != 0 || r.stderr != "" || r.stdout != "" {
					t.Errorf("%s: exit %d\n%s%s", argv[0], r.code, r.stdout, r.stderr)
				}
			})
		}
	}
	for _, dialect := range []string{"bash", "zsh", "sh"} {
		code, err := Export(mustDialect(t, dialect), Env{Set: []Var{{"A", "it's"}, {"B", ""}}, Unset: []string{"C"}})
		if err != nil {
			t.Fatal(err)
		}
		if dialect == "zsh" {
			continue
		}
		r := runArgv(t, []string{testtool.Require(t, "shellcheck"), "--norc", "-s", dialect, "-"}, baseEnv(t), code)
		if r.code != 0 {
			t.Errorf("shellcheck %s export: %s", dialect, r.stdout)
		}
	}
}

func TestSessionExpiredAndColor(t *testing.T) {
	now := time.Now().Unix()
	cases := []struct {
		value   *string
		expired bool
	}{
		{nil, true},
		{ptr(""), true},
		{ptr("garbage"), true},
		{ptr("12a"), true},
		{ptr("-5"), true},
		{ptr(" 99999999999"), true},
		{ptr("0"), true},
		{ptr("09"), true}, // not octal
		{ptr("0000000000000000000000001"), true},
		{ptr(strconv.FormatInt(now-10, 10)), true},
		{ptr(strconv.FormatInt(now+100, 10)), false},
		{ptr("000" + strconv.FormatInt(now+100, 10)), false},
		{ptr("99999999999999999999999999"), false},
		// Around the 18 digits that 64-bit arithmetic holds for sure.
		{ptr("999999999999999999"), false},
		{ptr("1000000000000000000"), false},
		{ptr("9223372036854775808"), false},  // 2^63: would wrap negative
		{ptr("18446744073709551617"), false}, // 2^64+1: would wrap to 1
		{ptr("0000000000000000000000000"), true},
		{ptr("0000000000" + strconv.FormatInt(now-10, 10)), true},
		{ptr("0000000000" + strconv.FormatInt(now+100, 10)), false},
		{ptr("08"), true},
	}
	colors := map[string]map[bool]string{
		"bash": {true: "31", false: "33"}, "sh": {true: "31", false: "33"},
		"zsh": {true: "red", false: "yellow"}, "fish": {true: "red", false: "yellow"},
		"powershell": {true: "Red", false: "Yellow"}, "pwsh": {true: "Red", false: "Yellow"},
	}
	for _, s := range strictSpecs {
		s := s
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			code, err := Init(mustDialect(t, s.dialect), InitOptions{Binary: "/nonexistent/aws-runas"})
			if err != nil {
				t.Fatal(err)
			}
			var sc strings.Builder
			sc.WriteString("eval \"$__T_CODE\"\n")
			for i, c := range cases {
				if c.value == nil {
					sc.WriteString("unset -v AWS_SESSION_EXPIRATION_UNIX\n")
				} else {
					q, _ := posixQuote(*c.value)
					fmt.Fprintf(&sc, "AWS_SESSION_EXPIRATION_UNIX=%s\n", q)
				}
				fmt.Fprintf(&sc, "if aws_session_expired; then echo 'C%d expired=true'; else echo \"C%d expired=false status=$?\"; fi\n", i, i)
				fmt.Fprintf(&sc, "echo \"C%d color=$(aws_session_status_color)\"\n", i)
				for _, arg := range []string{"bash", "sh", "zsh", "fish", "powershell", "pwsh"} {
					fmt.Fprintf(&sc, "echo \"C%d color-%s=$(aws_session_status_color %s)\"\n", i, arg, arg)
				}
			}
			sc.WriteString("if aws_session_status_color tcsh 2>/dev/null; then echo 'BAD ok'; else echo \"BAD status=$?\"; fi\n")
			r := runSpec(t, s, sc.String(), append(baseEnv(t), "__T_CODE="+code))
			wantClean(t, r)
			for i, c := range cases {
				var want []string
				if c.expired {
					want = append(want, fmt.Sprintf("C%d expired=true", i))
				} else {
					want = append(want, fmt.Sprintf("C%d expired=false status=1", i))
				}
				want = append(want, fmt.Sprintf("C%d color=%s", i, colors[s.dialect][c.expired]))
				for _, arg := range []string{"bash", "sh", "zsh", "fish", "powershell", "pwsh"} {
					want = append(want, fmt.Sprintf("C%d color-%s=%s", i, arg, colors[arg][c.expired]))
				}
				for _, w := range want {
					if !strings.Contains(r.stdout, w+"\n") {
						t.Errorf("value %s: want %q in output:\n%s", showPtr(c.value), w, r.stdout)
					}
				}
			}
			if !strings.Contains(r.stdout, "BAD status=2") {
				t.Errorf("aws_session_status_color tcsh: want status 2, got %q", between(r.stdout, "BAD", "\n"))
			}
		})
	}
}

func ptr(s string) *string { return &s }

func showPtr(p *string) string {
	if p == nil {
		return "(unset)"
	}
	return strconv.Quote(*p)
}

// hostileProfile is a profile name that would run a command, expand a
// variable or read as prompt escapes, were it not shown literally. $M is
// the path of the marker file a command would create.
const hostileProfile = `$(touch "$M")` + "`touch \"$M\"`" + `${HOME}$HOME\u\w\$\[x\]%n%F{red}%%%{!!!'"\`

func TestPromptSegment(t *testing.T) {
	type pcase struct {
		name, profile, role, exp string
		want                     string // the segment's text, "" for none
		color                    string // yellow or red
	}
	now := time.Now().Unix()
	far := strconv.FormatInt(now+3600, 10)
	cases := []pcase{
		{"role", "prod", "arn:aws:iam::1:role/x", far, "(AWS:prod)", "yellow"},
		{"no-role", "prod", "", far, "(AWS)", "yellow"},
		{"expired", "prod", "arn:aws:iam::1:role/x", strconv.FormatInt(now-1, 10), "(AWS:prod)", "red"},
		{"no-expiry", "prod", "arn", "", "(AWS:prod)", "red"},
		{"unset", "", "arn", far, "", ""},
		{"hostile", hostileProfile, "arn", far, "(AWS:" + hostileProfile + ")", "yellow"},
		{"control", "a\x1b[2Jb\x01c\x02d\ne\x7ff", "arn", far, "(AWS:a?[2Jb?c?d?e?f)", "yellow"},
		{"utf8", "prod-ü-😀", "arn", far, "(AWS:prod-ü-😀)", "yellow"},
	}
	sgr := map[string]map[string]string{
		"bash": {"yellow": "\x01\x1b[33m\x02", "red": "\x01\x1b[31m\x02", "off": "\x01\x1b[0m\x02"},
		"zsh":  {"yellow": "\x1b[33m", "red": "\x1b[31m", "off": "\x1b[39m"},
	}
	// How each shell prints its expanded prompt: bash's ${PS1@P}, zsh's
	// (%%) flag (full prompt expansion, as the line editor does it).
	expand := map[string]string{
		"bash": `printf '%s' "${PS1@P}" >"$__T_OUT"`,
		"zsh":  `print -rn -- "${(%%)PROMPT}" >"$__T_OUT"`,
	}
	specs := append(specsFor("bash"), specsFor("zsh")...)
	// zsh with PROMPT_BANG: a ! of the profile must not become the history number.
	specs = append(specs, shellSpec{"zsh-promptbang", "zsh", "zsh", []string{"-f", "-eu", "-c"}, "setopt PROMPT_BANG\n"})
	// zsh with PROMPT_SUBST (the reference in PROMPT) as well as without
	// (the text itself).
	specs = append(specs, shellSpec{"zsh-subst", "zsh", "zsh", []string{"-f", "-eu", "-c"}, "setopt PROMPT_SUBST\n"},
		shellSpec{"zsh-subst-promptbang", "zsh", "zsh", []string{"-f", "-eu", "-c"}, "setopt PROMPT_SUBST PROMPT_BANG\n"})
	for _, s := range specs {
		for _, c := range cases {
			s, c := s, c
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				code, err := Init(mustDialect(t, s.dialect), InitOptions{Prompt: true, Binary: "/nonexistent/aws-runas"})
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				marker := filepath.Join(dir, "marker")
				out := filepath.Join(dir, "prompt")
				var sc strings.Builder
				sc.WriteString("PS1='user> '\n")
				sc.WriteString("eval \"$__T_CODE\"\n")
				for name, v := range map[string]string{"AWS_RUNAS_PROFILE": c.profile, "AWS_RUNAS_ASSUMED_ROLE_ARN": c.role, "AWS_SESSION_EXPIRATION_UNIX": c.exp} {
					if v == "" {
						fmt.Fprintf(&sc, "unset -v %s\n", name)
					} else {
						q, _ := posixQuote(v)
						fmt.Fprintf(&sc, "export %s=%s\n", name, q)
					}
				}
				sc.WriteString(hookCall[s.dialect] + "\n")
				sc.WriteString(expand[s.dialect] + "\n")
				r := runSpec(t, s, sc.String(), append(baseEnv(t), "__T_CODE="+code, "M="+marker, "__T_OUT="+out))
				wantClean(t, r)
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				want := "user> "
				if c.want != "" {
					want = sgr[s.dialect][c.color] + c.want + sgr[s.dialect]["off"] + " user> "
				}
				if string(got) != want {
					t.Errorf("prompt\n got %q\nwant %q", got, want)
				}
				if _, err := os.Stat(marker); err == nil {
					t.Errorf("the profile name ran a command")
				}
			})
		}
	}
}

// TestZshKeepsNoPromptSubst: a theme written for NO_PROMPT_SUBST puts data
// in PROMPT (a branch name with $(...) in it); the init must not turn
// PROMPT_SUBST on, which would run that data as code.
func TestZshKeepsNoPromptSubst(t *testing.T) {
	code, err := Init(mustDialect(t, "zsh"), InitOptions{Cmd: "aws-runas", Prompt: true, Refresh: true, Binary: "/nonexistent/aws-runas"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	far := strconv.FormatInt(time.Now().Unix()+3600, 10)
	// The theme's precmd, before ours, rebuilds PROMPT from the branch name.
	script := `__t_theme() { PROMPT="[$__t_branch] %%> " }
precmd_functions=(__t_theme)
__t_branch='$(touch "$M")'
eval "$__T_CODE"
if [[ -o PROMPT_SUBST ]]; then echo subst-after-init=on; fi
export AWS_RUNAS_PROFILE=prod AWS_RUNAS_ASSUMED_ROLE_ARN=arn AWS_SESSION_EXPIRATION_UNIX=` + far + `
for f in $precmd_functions; do $f; done
print -r -- "P<${(%%)PROMPT}>"
for f in $precmd_functions; do $f; done
print -r -- "P<${(%%)PROMPT}>"
if [[ -o PROMPT_SUBST ]]; then echo subst-after-hook=on; fi
`
	r := runSpec(t, shellSpec{"zsh", "zsh", "zsh", []string{"-f", "-eu", "-c"}, ""}, script, append(baseEnv(t), "__T_CODE="+code, "M="+marker))
	wantClean(t, r)
	if strings.Contains(r.stdout, "subst-after") {
		t.Errorf("PROMPT_SUBST turned on: %q", r.stdout)
	}
	want := `(AWS:prod) [$(touch "$M")] %> `
	got := regexp.MustCompile(`P<(.*)>
`).FindAllStringSubmatch(r.stdout, -1)
	if len(got) != 2 {
		t.Fatalf("prompts: %q", r.stdout)
	}
	for _, g := range got {
		if plain := ansi.ReplaceAllString(g[1], ""); plain != want {
			t.Errorf("prompt %q, want %q", plain, want)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the theme's prompt data ran as a command")
	}
}

func TestShPromptSegment(t *testing.T) {
	// sh has no prompt hook: the segment is parameter expansion in PS1,
	// without color. An interactive dash prints its prompt on stderr.
	code, err := Init(mustDialect(t, "sh"), InitOptions{Prompt: true, Binary: "/nonexistent/aws-runas"})
	if err != nil {
		t.Fatal(err)
	}
	dash := testtool.Require(t, "dash")
	marker := filepath.Join(t.TempDir(), "marker")
	q, _ := posixQuote(hostileProfile)
	script := "PS1='user> '\neval \"$__T_CODE\"\neval \"$__T_CODE\"\n" +
		"export AWS_RUNAS_PROFILE=prod\n" +
		"export AWS_RUNAS_ASSUMED_ROLE_ARN=arn\n" +
		"export AWS_RUNAS_PROFILE=" + q + "\n" +
		"unset AWS_RUNAS_ASSUMED_ROLE_ARN\n" +
		"unset AWS_RUNAS_PROFILE\n" +
		"exit\n"
	r := runArgv(t, []string{dash, "-i"}, append(baseEnv(t), "__T_CODE="+code, "M="+marker), script)
	// What stands before each "user> " from the second prompt on: the
	// segment as it is before each command runs.
	prompts := strings.Split(r.stderr, "user> ")
	want := []string{"", "", "(AWS) ", "(AWS:prod) ", "(AWS:" + hostileProfile + ") ", "(AWS) ", ""}
	if len(prompts) < len(want)+1 {
		t.Fatalf("prompts %q, want %q", prompts, want)
	}
	for i := range want {
		if prompts[i+1] != want[i] {
			t.Errorf("prompt %d: %q, want %q", i+2, prompts[i+1], want[i])
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the profile name ran a command")
	}
}

// TestPromptHooksChainInteractive runs real interactive shells (stdin a
// pipe: the prompt goes to stderr, the hooks run as at a terminal), with
// the user's own hooks before and after ours.
func TestPromptHooksChainInteractive(t *testing.T) {
	type icase struct {
		name, prog string
		args       []string
		setup      string // before init: a hook that shows and keeps $?
		after      string // after init: one more hook that shows $?
		dialect    string
	}
	cases := []icase{
		{"bash-string", "bash", []string{"--noprofile", "--norc", "-i"},
			`__t_first() { local s=$?; echo "first status=$s"; return $s; }; PROMPT_COMMAND='__t_first'`,
			`PROMPT_COMMAND+=$'\n''echo "after status=$?"'`, "bash"},
		{"bash-string-semicolon", "bash", []string{"--noprofile", "--norc", "-i"},
			`__t_first() { local s=$?; echo "first status=$s"; return $s; }; PROMPT_COMMAND='__t_first; # a comment'`,
			`PROMPT_COMMAND+=$'\n''echo "after status=$?"'`, "bash"},
		{"bash-array", "bash", []string{"--noprofile", "--norc", "-i"},
			`__t_first() { local s=$?; echo "first status=$s"; return $s; }; PROMPT_COMMAND=(__t_first)`,
			`PROMPT_COMMAND+=('echo "after status=$?"')`, "bash"},
		{"zsh", "zsh", []string{"-f", "-i"},
			`__t_first() { local s=$?; echo "first status=$s"; return $s; }; precmd_functions=(__t_first)`,
			`__t_after() { echo "after status=$?"; }; precmd_functions+=(__t_after)`, "zsh"},
		{"zsh-options", "zsh", []string{"-f", "-i"},
			`setopt KSH_ARRAYS NO_UNSET RC_QUOTES SH_WORD_SPLIT; __t_first() { local s=$?; echo "first status=$s"; return $s; }; precmd_functions=(__t_first)`,
			`__t_after() { echo "after status=$?"; }; precmd_functions+=(__t_after)`, "zsh"},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, err := Init(mustDialect(t, c.dialect), InitOptions{Cmd: "aws-runas", Prompt: true, Refresh: true, Binary: "/nonexistent/aws-runas"})
			if err != nil {
				t.Fatal(err)
			}
			ps1 := `PS1='P[$?]> '`
			if c.dialect == "zsh" {
				ps1 = `PROMPT='P[%?]> '`
			}
			far := strconv.FormatInt(time.Now().Unix()+3600, 10)
			script := strings.Join([]string{
				ps1,
				// One line, so that each hook runs for the same prompts.
				c.setup + `; eval "$__T_CODE"; eval "$__T_CODE"; ` + c.after,
				"export AWS_RUNAS_PROFILE=prod AWS_RUNAS_ASSUMED_ROLE_ARN=arn AWS_SESSION_EXPIRATION_UNIX=" + far,
				"(exit 3)",
				"exit",
				"",
			}, "\n")
			r := runArgv(t, append([]string{testtool.Require(t, c.prog)}, c.args...), append(baseEnv(t), "__T_CODE="+code), script)
			// The status of (exit 3) reaches the hook before ours, the hook
			// after ours, and the prompt.
			for _, w := range []string{"first status=3\n", "after status=3\n"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("want %q in stdout:\n%s", w, r.stdout)
				}
			}
			// Once per prompt: the first hook ran as often as the last.
			if f, a := strings.Count(r.stdout, "first status="), strings.Count(r.stdout, "after status="); f != a || f < 3 {
				t.Errorf("hooks ran %d and %d times:\n%s", f, a, r.stdout)
			}
			if ours := strings.Count(r.stdout, "__aws_runas"); ours != 0 {
				t.Errorf("stdout mentions our functions:\n%s", r.stdout)
			}
			plain := ansi.ReplaceAllString(r.stderr, "")
			if !strings.Contains(plain, "(AWS:prod) P[3]> ") {
				t.Errorf("want the segment and status 3 in the prompts:\n%q", plain)
			}
			if strings.Contains(plain, "not found") || strings.Contains(plain, "rror") {
				t.Errorf("errors on stderr:\n%s", plain)
			}
		})
	}
}

// ansi matches the terminal control sequences a prompt holds.
var ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]|[\x01\x02\r]|\x1b\\[[0-9;]*m")

// fakeScript writes an executable sh script into dir.
func fakeScript(t testing.TB, dir, name, body string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!"+testtool.Require(t, "sh")+"\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRefreshHook(t *testing.T) {
	now := time.Now().Unix()
	near := strconv.FormatInt(now+120, 10)
	far := strconv.FormatInt(now+3600, 10)
	newExp := strconv.FormatInt(now+7200, 10)
	for _, s := range append(specsFor("bash"), specsFor("zsh")...) {
		s := s
		t.Run(s.name+"/far-starts-nothing", func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			marker := filepath.Join(dir, "marker")
			// The binary would leave a marker; PATH is an empty directory,
			// so any program the hook or the helpers start fails loudly.
			bin := fakeScript(t, filepath.Join(dir, "b'in dir"), "aws-runas", ": >\"$M\"\n")
			empty := filepath.Join(dir, "empty")
			os.Mkdir(empty, 0o755)
			code, err := Init(mustDialect(t, s.dialect), InitOptions{Cmd: "aws-runas", Prompt: true, Refresh: true, Binary: bin})
			if err != nil {
				t.Fatal(err)
			}
			script := "eval \"$__T_CODE\"\nPATH=\"$__T_EMPTY\"\n" +
				"export AWS_RUNAS_PROFILE=prod AWS_SESSION_EXPIRATION_UNIX=" + far + "\n" +
				strings.Repeat(hookCall[s.dialect]+"\n", 3) +
				"aws_session_expired || :\n__t_c=$(aws_session_status_color)\n" +
				"export AWS_SESSION_EXPIRATION_UNIX=garbage\n" + hookCall[s.dialect] + "\n" +
				"unset -v AWS_RUNAS_PROFILE\nexport AWS_SESSION_EXPIRATION_UNIX=" + near + "\n" + hookCall[s.dialect] + "\n" +
				// Near expiry without the record of what the credentials
				// are: nothing to renew.
				"export AWS_RUNAS_PROFILE=prod\nunset -v __AWS_RUNAS_RENEW\n" + hookCall[s.dialect] + "\n"
			r := runSpec(t, s, script, append(baseEnv(t), "__T_CODE="+code, "M="+marker, "__T_EMPTY="+empty))
			wantClean(t, r)
			if _, err := os.Stat(marker); err == nil {
				t.Error("the hook ran the binary far from expiry, with no number, with no profile, or with no record")
			}
		})
		for _, role := range []bool{true, false} {
			role := role
			t.Run(fmt.Sprintf("%s/near/role=%v", s.name, role), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				log := filepath.Join(dir, "log")
				codeFile := filepath.Join(dir, "code")
				bin := fakeScript(t, filepath.Join(dir, "b'in dir"), "aws-runas",
					"printf '%s\\n' \"$@\" >>\"$T_LOG\"\necho oops >&2\ncat \"$T_CODE_FILE\"\n")
				newKey := "new 'key' $(touch \"$M\") %n"
				refreshed, err := Export(mustDialect(t, s.dialect), Env{
					Set:   []Var{{"AWS_ACCESS_KEY_ID", newKey}, {"AWS_SESSION_EXPIRATION_UNIX", newExp}},
					Unset: []string{"AWS_SECURITY_TOKEN"},
				})
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(codeFile, []byte(refreshed), 0o600)
				code, err := Init(mustDialect(t, s.dialect), InitOptions{Prompt: true, Refresh: true, Binary: bin})
				if err != nil {
					t.Fatal(err)
				}
				profile := "p'rod $x"
				qp, _ := posixQuote(profile)
				script := "eval \"$__T_CODE\"\n" +
					"export AWS_RUNAS_PROFILE=" + qp + " AWS_SESSION_EXPIRATION_UNIX=" + near + " AWS_ACCESS_KEY_ID=old AWS_SECURITY_TOKEN=old\n"
				if role {
					script += "export AWS_RUNAS_ASSUMED_ROLE_ARN=arn:aws:iam::1:role/r\n"
				}
				script += hookCall[s.dialect] + "\n" + hookCall[s.dialect] + "\n" +
					"printf '%s' \"$AWS_ACCESS_KEY_ID\" >\"$__T_DIR/key\"\n" +
					"printf '%s' \"$AWS_SESSION_EXPIRATION_UNIX\" >\"$__T_DIR/exp\"\n" +
					"printf '%s' \"${AWS_SECURITY_TOKEN-unset}\" >\"$__T_DIR/token\"\n" +
					"env >\"$__T_DIR/env\"\n"
				r := runSpec(t, s, script, append(baseEnv(t), "__T_CODE="+code, "T_LOG="+log, "T_CODE_FILE="+codeFile, "__T_DIR="+dir, "M="+filepath.Join(dir, "marker")))
				wantClean(t, r)
				read := func(name string) string {
					b, _ := os.ReadFile(filepath.Join(dir, name))
					return string(b)
				}
				// The same call for a role and a session token: the record
				// (__AWS_RUNAS_RENEW) says what to renew.
				wantArgs := "--non-interactive\n--renew\n-O\n" + s.dialect + "\n"
				if got := read("log"); got != wantArgs {
					t.Errorf("binary called (once) with\n%q\nwant\n%q", got, wantArgs)
				}
				if got := read("key"); got != newKey {
					t.Errorf("AWS_ACCESS_KEY_ID = %q, want %q", got, newKey)
				}
				if got := read("exp"); got != newExp {
					t.Errorf("AWS_SESSION_EXPIRATION_UNIX = %q, want %q", got, newExp)
				}
				if got := read("token"); got != "unset" {
					t.Errorf("AWS_SECURITY_TOKEN = %q, want it removed", got)
				}
				if !strings.Contains(read("env"), "AWS_SESSION_EXPIRATION_UNIX="+newExp+"\n") {
					t.Errorf("the new expiry is not exported")
				}
				if _, err := os.Stat(filepath.Join(dir, "marker")); err == nil {
					t.Errorf("a value of the refreshed code ran a command")
				}
			})
		}
		for _, mode := range []string{"fails", "same-expiry"} {
			mode := mode
			t.Run(s.name+"/near/"+mode+"-not-retried", func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				calls := filepath.Join(dir, "calls")
				body := "echo call >>\"$T_CALLS\"\nexit 1\n"
				if mode == "same-expiry" {
					body = "echo call >>\"$T_CALLS\"\necho 'export AWS_ACCESS_KEY_ID=same'\n"
				}
				bin := fakeScript(t, dir, "aws-runas", body)
				code, err := Init(mustDialect(t, s.dialect), InitOptions{Prompt: true, Refresh: true, Binary: bin})
				if err != nil {
					t.Fatal(err)
				}
				hook := hookCall[s.dialect] + "\n"
				script := "eval \"$__T_CODE\"\n" +
					"export AWS_RUNAS_PROFILE=prod AWS_SESSION_EXPIRATION_UNIX=" + near + "\n" +
					strings.Repeat(hook, 3) +
					// A new expiry, near again: one more try.
					"export AWS_SESSION_EXPIRATION_UNIX=" + strconv.FormatInt(now+60, 10) + "\n" +
					strings.Repeat(hook, 3) +
					"printf '%s' \"$AWS_SESSION_EXPIRATION_UNIX\" >\"$__T_DIR/exp\"\n"
				r := runSpec(t, s, script, append(baseEnv(t), "__T_CODE="+code, "T_CALLS="+calls, "__T_DIR="+dir))
				wantClean(t, r)
				b, _ := os.ReadFile(calls)
				if n := strings.Count(string(b), "call"); n != 2 {
					t.Errorf("binary ran %d times over 6 prompts and 2 expiries, want 2", n)
				}
			})
		}
	}
}

// hookPromptExpand prints the prompt as the shell shows it, between P< and
// >: bash's ${PS1@P}, zsh's (%%) flag (full prompt expansion, PROMPT_BANG
// included).
var hookPromptExpand = map[string]string{
	"bash": `printf 'P<%s>\n' "${PS1@P}"`,
	"zsh":  `print -r -- "P<${(%%)PROMPT}>"`,
}

// segmentColor tells the color of the segment in an expanded prompt: red,
// yellow or "" (none).
func segmentColor(dialect, prompt string) string {
	sgr := map[string]map[string]string{
		"bash": {"yellow": "\x01\x1b[33m\x02", "red": "\x01\x1b[31m\x02"},
		"zsh":  {"yellow": "\x1b[33m", "red": "\x1b[31m"},
	}
	for c, seq := range sgr[dialect] {
		if strings.HasPrefix(prompt, seq) {
			return c
		}
	}
	return ""
}

// clockLoop is shell code that calls the hook until the clock reaches
// $__t_until, writing to $__T_LOG, for each call, "B <clock before>", then
// "A <clock after> <expanded prompt>". The binary the hook may run writes
// CALL to the same file, in between.
func clockLoop(dialect string) string {
	expand := map[string]string{
		"bash": `"${PS1@P}"`,
		"zsh":  `"${(%%)PROMPT}"`,
	}
	return "while :; do\n" +
		"    __t_b=$EPOCHSECONDS\n" +
		"    printf 'B %s\\n' \"$__t_b\" >>\"$__T_LOG\"\n" +
		"    " + hookCall[dialect] + "\n" +
		"    printf 'A %s %s\\n' \"$EPOCHSECONDS\" " + expand[dialect] + " >>\"$__T_LOG\"\n" +
		"    if (( __t_b >= __t_until )); then break; fi\n" +
		"    sleep 0.1\n" +
		"done\n"
}

// hookCallLog is one hook call of clockLoop's log.
type hookCallLog struct {
	before, after int64
	prompt        string
	calls         int // CALL lines during this hook call
}

func parseClockLog(t *testing.T, log string) []hookCallLog {
	t.Helper()
	var out []hookCallLog
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		switch {
		case line == "CALL":
			if len(out) == 0 {
				t.Fatalf("the binary ran before the first hook call:\n%s", log)
			}
			out[len(out)-1].calls++
		case strings.HasPrefix(line, "B "):
			b, err := strconv.ParseInt(line[2:], 10, 64)
			if err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			out = append(out, hookCallLog{before: b, after: -1})
		case strings.HasPrefix(line, "A ") && len(out) > 0:
			n, prompt, _ := strings.Cut(line[2:], " ")
			a, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			out[len(out)-1].after, out[len(out)-1].prompt = a, prompt
		default:
			t.Fatalf("log line %q", line)
		}
	}
	if len(out) == 0 || out[len(out)-1].after < 0 {
		t.Fatalf("log incomplete:\n%s", log)
	}
	return out
}

// TestHookDeadlines checks the moments the hook acts on while the
// variables stay the same (its fast path then only compares them and reads
// the clock): the refresh starts at the first prompt from 300 s before the
// expiry on, not earlier, and the segment turns red at the first prompt
// from the expiry on.
func TestHookDeadlines(t *testing.T) {
	for _, s := range append(specsFor("bash"), specsFor("zsh")...) {
		s := s
		t.Run(s.name+"/refresh-at-expiry-300", func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			log := filepath.Join(dir, "log")
			bin := fakeScript(t, dir, "aws-runas",
				"echo CALL >>\"$__T_LOG\"\nprintf 'export AWS_SESSION_EXPIRATION_UNIX=%s\\n' \"$__T_NEW\"\n")
			code, err := Init(mustDialect(t, s.dialect), InitOptions{Prompt: true, Refresh: true, Binary: bin})
			if err != nil {
				t.Fatal(err)
			}
			script := "eval \"$__T_CODE\"\n" +
				// The refresh is due 2 s from now.
				"__t_exp=$((EPOCHSECONDS + 302)) __t_until=$((EPOCHSECONDS + 2))\n" +
				"export AWS_RUNAS_PROFILE=prod AWS_RUNAS_ASSUMED_ROLE_ARN=arn AWS_SESSION_EXPIRATION_UNIX=$__t_exp\n" +
				"export __T_NEW=$((__t_exp + 3600))\n" +
				clockLoop(s.dialect) +
				// Once more: the new expiry is far.
				hookCall[s.dialect] + "\n" +
				"printf '%s %s\\n' \"$__t_exp\" \"$AWS_SESSION_EXPIRATION_UNIX\" >\"$__T_DIR/exp\"\n"
			r := runSpec(t, s, script, append(baseEnv(t), "__T_CODE="+code, "__T_LOG="+log, "__T_DIR="+dir))
			wantClean(t, r)
			b, _ := os.ReadFile(filepath.Join(dir, "exp"))
			var exp, newExp int64
			if _, err := fmt.Sscan(string(b), &exp, &newExp); err != nil {
				t.Fatalf("exp file %q: %v", b, err)
			}
			if newExp != exp+3600 {
				t.Errorf("expiry %d after the refresh, want %d", newExp, exp+3600)
			}
			lb, _ := os.ReadFile(log)
			due, total := exp-300, 0
			for i, c := range parseClockLog(t, string(lb)) {
				total += c.calls
				switch {
				case c.calls > 0 && c.after < due:
					t.Errorf("call %d (clock %d..%d) refreshed before %d, 300 s before the expiry", i, c.before, c.after, due)
				case c.before >= due && total == 0:
					t.Errorf("call %d (clock %d) did not refresh, due at %d", i, c.before, due)
				}
				if segmentColor(s.dialect, c.prompt) != "yellow" {
					t.Errorf("call %d: prompt %q, want the segment in yellow", i, c.prompt)
				}
			}
			if total != 1 {
				t.Errorf("the binary ran %d times, want once:\n%s", total, lb)
			}
		})
		t.Run(s.name+"/red-at-expiry", func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			log := filepath.Join(dir, "log")
			// Near the expiry the refresh runs once and fails: the
			// variables stay as they are, and the segment still turns red.
			bin := fakeScript(t, dir, "aws-runas", "echo CALL >>\"$__T_LOG\"\nexit 1\n")
			code, err := Init(mustDialect(t, s.dialect), InitOptions{Prompt: true, Refresh: true, Binary: bin})
			if err != nil {
				t.Fatal(err)
			}
			script := "eval \"$__T_CODE\"\n" +
				"__t_until=$((EPOCHSECONDS + 2))\n" +
				"export AWS_RUNAS_PROFILE=prod AWS_RUNAS_ASSUMED_ROLE_ARN=arn AWS_SESSION_EXPIRATION_UNIX=$__t_until\n" +
				clockLoop(s.dialect) +
				strings.Repeat(hookCall[s.dialect]+"\n", 2) +
				"printf '%s\\n' \"$__t_until\" >\"$__T_DIR/exp\"\n"
			r := runSpec(t, s, script, append(baseEnv(t), "__T_CODE="+code, "__T_LOG="+log, "__T_DIR="+dir))
			wantClean(t, r)
			b, _ := os.ReadFile(filepath.Join(dir, "exp"))
			exp, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				t.Fatalf("exp file %q: %v", b, err)
			}
			lb, _ := os.ReadFile(log)
			calls := parseClockLog(t, string(lb))
			total := 0
			for i, c := range calls {
				total += c.calls
				got := segmentColor(s.dialect, c.prompt)
				switch {
				case c.after < exp && got != "yellow":
					t.Errorf("call %d (clock %d..%d, expiry %d): prompt %q, want yellow", i, c.before, c.after, exp, c.prompt)
				case c.before >= exp && got != "red":
					t.Errorf("call %d (clock %d, expiry %d): prompt %q, want red", i, c.before, exp, c.prompt)
				}
			}
			if calls[0].calls != 1 || total != 1 {
				t.Errorf("the binary ran %d times (%d at the first prompt), want once, at the first prompt:\n%s", total, calls[0].calls, lb)
			}
		})
	}
}

// TestHookFollowsChanges checks that the hook's fast path gives way to each
// change that matters, at the next prompt: the variables (the profile's
// case only, a '/' that moves from the role to the profile), a theme that
// rebuilds PS1/PROMPT (with a '*' in it) or turns PROMPT_SUBST off, zsh's
// PROMPT_BANG.
func TestHookFollowsChanges(t *testing.T) {
	now := time.Now().Unix()
	far := strconv.FormatInt(now+3600, 10)
	past := strconv.FormatInt(now-1, 10)
	type step struct {
		set     string // shell code, before the hook runs
		prompt  string // the expanded prompt, colors removed
		color   string
		dialect string // only for this dialect
	}
	steps := []step{
		{set: "export AWS_RUNAS_PROFILE=prod AWS_RUNAS_ASSUMED_ROLE_ARN=arn AWS_SESSION_EXPIRATION_UNIX=" + far, prompt: "(AWS:prod) user> ", color: "yellow"},
		{set: ":", prompt: "(AWS:prod) user> ", color: "yellow"},
		{set: "AWS_RUNAS_PROFILE=staging", prompt: "(AWS:staging) user> ", color: "yellow"},
		// nocasematch (bash-options) must not take one for the other.
		{set: "AWS_RUNAS_PROFILE=STAGING", prompt: "(AWS:STAGING) user> ", color: "yellow"},
		{set: "unset -v AWS_RUNAS_ASSUMED_ROLE_ARN", prompt: "(AWS) user> ", color: "yellow"},
		// profile/role/expiry joined with '/' would read the same here and
		// in the next step.
		{set: "AWS_RUNAS_PROFILE=a AWS_RUNAS_ASSUMED_ROLE_ARN=b/", prompt: "(AWS:a) user> ", color: "yellow"},
		{set: "AWS_RUNAS_PROFILE=a/b; unset -v AWS_RUNAS_ASSUMED_ROLE_ARN", prompt: "(AWS) user> ", color: "yellow"},
		{set: "AWS_RUNAS_ASSUMED_ROLE_ARN=arn AWS_SESSION_EXPIRATION_UNIX=" + past, prompt: "(AWS:a/b) user> ", color: "red"},
		{set: "AWS_SESSION_EXPIRATION_UNIX=0" + far, prompt: "(AWS:a/b) user> ", color: "yellow"},
		{set: "AWS_SESSION_EXPIRATION_UNIX=garbage", prompt: "(AWS:a/b) user> ", color: "red"},
		{set: "AWS_SESSION_EXPIRATION_UNIX=" + far, prompt: "(AWS:a/b) user> ", color: "yellow"},
		// A theme builds the prompt afresh: the segment comes back, once.
		{set: "PS1='theme*> '", prompt: "(AWS:a/b) theme*> ", color: "yellow", dialect: "bash"},
		{set: "PROMPT='theme*> '", prompt: "(AWS:a/b) theme*> ", color: "yellow", dialect: "zsh"},
		{set: ":", prompt: "(AWS:a/b) theme*> ", color: "yellow"},
		// PROMPT_SUBST switched either way: the reference or the text,
		// never both, never none; and the option stays as the user set it.
		{set: "unsetopt PROMPT_SUBST", prompt: "(AWS:a/b) theme*> ", color: "yellow", dialect: "zsh"},
		{set: "setopt PROMPT_SUBST", prompt: "(AWS:a/b) theme*> ", color: "yellow", dialect: "zsh"},
		{set: ":", prompt: "(AWS:a/b) theme*> ", color: "yellow", dialect: "zsh"},
		{set: "unsetopt PROMPT_SUBST; AWS_RUNAS_PROFILE=c", prompt: "(AWS:c) theme*> ", color: "yellow", dialect: "zsh"},
		{set: "PROMPT='theme2> '", prompt: "(AWS:c) theme2> ", color: "yellow", dialect: "zsh"},
		{set: "PROMPT=\"x$PROMPT\"", prompt: "(AWS:c) x(AWS:c) theme2> ", color: "yellow", dialect: "zsh"},
		{set: "PROMPT='theme*> '", prompt: "(AWS:c) theme*> ", color: "yellow", dialect: "zsh"},
		// zsh: the escaping of ! follows PROMPT_BANG, % PROMPT_PERCENT.
		{set: "AWS_RUNAS_PROFILE='x!%y'", prompt: "(AWS:x!%y) theme*> ", color: "yellow"},
		{set: "setopt PROMPT_BANG", prompt: "(AWS:x!%y) theme*> ", color: "yellow", dialect: "zsh"},
		{set: "unsetopt PROMPT_BANG", prompt: "(AWS:x!%y) theme*> ", color: "yellow", dialect: "zsh"},
		{set: "unset -v AWS_RUNAS_PROFILE", prompt: "theme*> "},
	}
	specs := append(specsFor("bash"), specsFor("zsh")...)
	// The zsh hook's fast path runs under the user's options: these would
	// glob PROMPT's text ('*') or split a value, were it not quoted.
	specs = append(specs, shellSpec{"zsh-glob", "zsh", "zsh", []string{"-f", "-eu", "-c"},
		"setopt GLOB_ASSIGN GLOB_SUBST EXTENDED_GLOB NO_CASE_GLOB KSH_ARRAYS\nIFS=onf\n"},
		// The steps from PROMPT_SUBST on, as most themes set it.
		shellSpec{"zsh-subst", "zsh", "zsh", []string{"-f", "-eu", "-c"}, "setopt PROMPT_SUBST\n"},
		shellSpec{"zsh-subst-options", "zsh", "zsh", []string{"-f", "-eu", "-c"},
			"setopt PROMPT_SUBST GLOB_ASSIGN GLOB_SUBST EXTENDED_GLOB KSH_ARRAYS NO_UNSET RC_QUOTES SH_WORD_SPLIT WARN_CREATE_GLOBAL WARN_NESTED_VAR\nIFS=onf\n"})
	for _, s := range specs {
		s := s
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			code, err := Init(mustDialect(t, s.dialect), InitOptions{Prompt: true, Refresh: true, Binary: "/nonexistent/aws-runas"})
			if err != nil {
				t.Fatal(err)
			}
			var sc strings.Builder
			sc.WriteString("PS1='user> '\neval \"$__T_CODE\"\n")
			var want []step
			for _, st := range steps {
				if st.dialect != "" && st.dialect != s.dialect {
					continue
				}
				want = append(want, st)
				sc.WriteString(st.set + "\n" + hookCall[s.dialect] + "\n" + hookPromptExpand[s.dialect] + "\n")
			}
			if s.dialect == "zsh" {
				sc.WriteString("if [[ -o PROMPT_SUBST ]]; then echo subst=on; else echo subst=off; fi\n")
			}
			r := runSpec(t, s, sc.String(), append(baseEnv(t), "__T_CODE="+code))
			wantClean(t, r)
			got := regexp.MustCompile(`P<([^>]*>[^>]*)>\n`).FindAllStringSubmatch(r.stdout, -1)
			if len(got) != len(want) {
				t.Fatalf("%d prompts, want %d:\n%q", len(got), len(want), r.stdout)
			}
			for i, w := range want {
				if plain := ansi.ReplaceAllString(got[i][1], ""); plain != w.prompt {
					t.Errorf("after %q: prompt %q, want %q", w.set, plain, w.prompt)
				}
				if c := segmentColor(s.dialect, got[i][1]); c != w.color {
					t.Errorf("after %q: segment color %q, want %q (%q)", w.set, c, w.color, got[i][1])
				}
			}
			// The last step turned it off: the hook never turns it on.
			if s.dialect == "zsh" && !strings.Contains(r.stdout, "subst=off\n") {
				t.Errorf("PROMPT_SUBST is on after the hook, although the user turned it off")
			}
		})
	}
}

// TestNoProcessStrace checks with strace that the prompt hook (far from
// expiry), aws_session_expired and aws_session_status_color start no
// process: no fork, clone or exec between two marker opens.
func TestNoProcessStrace(t *testing.T) {
	strace := testtool.Require(t, "strace")
	if r := runArgv(t, []string{strace, "-o", "/dev/null", "true"}, baseEnv(t), ""); r.code != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("strace cannot trace here: %s", r.stderr)
		}
		t.Skipf("strace cannot trace here: %s", r.stderr)
	}
	far := strconv.FormatInt(time.Now().Unix()+3600, 10)
	for _, s := range append(specsFor("bash"), specsFor("zsh")...) {
		s := s
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			m1, m2 := filepath.Join(dir, "mark-1"), filepath.Join(dir, "mark-2")
			os.WriteFile(m1, nil, 0o600)
			os.WriteFile(m2, nil, 0o600)
			code, err := Init(mustDialect(t, s.dialect), InitOptions{Cmd: "aws-runas", Prompt: true, Refresh: true, Binary: "/nonexistent/aws-runas"})
			if err != nil {
				t.Fatal(err)
			}
			hook := hookCall[s.dialect]
			script := "eval \"$__T_CODE\"\n" +
				"export AWS_RUNAS_PROFILE=prod AWS_RUNAS_ASSUMED_ROLE_ARN=arn AWS_SESSION_EXPIRATION_UNIX=" + far + "\n" +
				"read -r __t_x <\"$__T_M1\" || :\n" +
				hook + "\n" + hook + "\n" +
				"aws_session_expired || :\naws_session_status_color >/dev/null\n" +
				// Expired, and a refresh already failed for this expiry.
				"AWS_SESSION_EXPIRATION_UNIX=1 __aws_runas_refresh_failed=1\n" + hook + "\naws_session_status_color >/dev/null\n" +
				"read -r __t_x <\"$__T_M2\" || :\n"
			log := filepath.Join(dir, "strace.log")
			argv := append([]string{strace, "-f", "-qq", "-o", log, "-e", "trace=openat,open,clone,clone3,fork,vfork,execve", testtool.Require(t, s.prog)}, s.args...)
			argv = append(argv, s.prelude+script)
			r := runArgv(t, argv, append(baseEnv(t), "__T_CODE="+code, "__T_M1="+m1, "__T_M2="+m2), "")
			wantClean(t, r)
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			trace := string(b)
			i, j := strings.Index(trace, m1), strings.Index(trace, m2)
			if i < 0 || j < i {
				t.Fatalf("markers not found in the trace:\n%s", trace)
			}
			for _, call := range []string{"clone(", "clone3(", "fork(", "vfork(", "execve("} {
				if strings.Contains(trace[i:j], call) {
					t.Errorf("a process was started between the markers (%s):\n%s", call, trace[i:j])
				}
			}
		})
	}
}

func TestWrapper(t *testing.T) {
	for _, s := range strictSpecs {
		for _, cmd := range []string{"aws-runas", "awsr"} {
			s, cmd := s, cmd
			t.Run(s.name+"/"+cmd, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				tmp := filepath.Join(dir, "tmp")
				os.Mkdir(tmp, 0o700)
				// The fake binary speaks the eval-file protocol: given only a
				// profile (or -u), it writes the code to the file, or to
				// stdout without one; given a COMMAND, it runs it. Given
				// the sh function's pid, it prints to stdout when its parent
				// is another process and stdout is not a terminal, as the
				// binary does (run.go, evalFile).
				bin := fakeScript(t, filepath.Join(dir, "b'in dir"), "aws-runas", `
f=${__AWS_RUNAS_EVAL_FILE-}
if [ -n "${__AWS_RUNAS_EVAL_PID-}" ] && [ "$__AWS_RUNAS_EVAL_PID" != "$PPID" ] && [ ! -t 1 ]; then
  f=
fi
if [ -n "$f" ]; then
  printf '%s %s\n' "${__AWS_RUNAS_EVAL_SHELL-unset}" "${AWS_RUNAS_SHELL-unset}" >"$__T_DIR/shell"
  ls -ln "$f" | cut -c1-10 >"$__T_DIR/mode"
else
  f=/dev/stdout
fi
case $1 in
fail) exit 5 ;;
-u) cat "$__T_DIR/unset-code" >"$f"; exit 0 ;;
esac
if [ $# -eq 1 ]; then
  cat "$__T_DIR/code" >"$f"
  exit 0
fi
shift
exec "$@"
`)
				d := mustDialect(t, s.dialect)
				key := "it's $(touch \"$M\") `x` %n\nline"
				setCode, err := Export(d, Env{Set: []Var{{"AWS_RUNAS_PROFILE", "prod"}, {"AWS_ACCESS_KEY_ID", key}}, Unset: []string{"AWS_PROFILE"}})
				if err != nil {
					t.Fatal(err)
				}
				unsetCode, _ := Export(d, Env{Unset: []string{"AWS_RUNAS_PROFILE", "AWS_ACCESS_KEY_ID"}})
				os.WriteFile(filepath.Join(dir, "code"), []byte(setCode), 0o600)
				os.WriteFile(filepath.Join(dir, "unset-code"), []byte(unsetCode), 0o600)
				code, err := Init(d, InitOptions{Cmd: cmd, Prompt: true, Refresh: true, Binary: bin})
				if err != nil {
					t.Fatal(err)
				}
				script := strings.Join([]string{
					`eval "$__T_CODE"`,
					`export AWS_PROFILE=old`,
					// The user's own choice of print-mode dialect.
					`export AWS_RUNAS_SHELL=fish`,
					// A command substitution, where the function cannot
					// change the shell: the binary itself, which prints the
					// code. eval "$(...)" applies it.
					`eval "$(` + cmd + ` prod)"`,
					`printf '%s' "$AWS_ACCESS_KEY_ID" >"$__T_DIR/key-eval"`,
					`unset -v AWS_ACCESS_KEY_ID AWS_RUNAS_PROFILE`,
					`export AWS_PROFILE=old`,
					// A subshell whose stdout is a file: the code, there.
					`( ` + cmd + ` prod ) >"$__T_DIR/sub-printed"`,
					`echo "after-sub-print=${AWS_ACCESS_KEY_ID-unset}"`,
					// The shell itself with stdout a file (a CI log): it
					// switches in place and prints nothing (issue 10).
					cmd + ` prod >"$__T_DIR/printed"`,
					`printf '%s' "$AWS_ACCESS_KEY_ID" >"$__T_DIR/key-print"`,
					`unset -v AWS_ACCESS_KEY_ID AWS_RUNAS_PROFILE`,
					`export AWS_PROFILE=old`,
					// In place (stdout a terminal): the variables land in this
					// shell, exported.
					cmd + ` prod >"$__T_TTY"`,
					`printf '%s' "$AWS_ACCESS_KEY_ID" >"$__T_DIR/key"`,
					`printf '%s' "${AWS_PROFILE-unset}" >"$__T_DIR/profile"`,
					`env >"$__T_DIR/env"`,
					// A COMMAND: its exit status, its stdout and stdin are its own.
					`if ` + cmd + ` prod sh -c 'exit 7'; then echo "status=0"; else echo "status=$?"; fi`,
					`__t_out=$(` + cmd + ` prod printf '%s' 'export T_PWNED=1')`,
					`printf 'out<%s>\n' "$__t_out"`,
					`echo "pwned=${T_PWNED-no}"`,
					`printf 'piped' | ` + cmd + ` prod cat; echo`,
					`if ` + cmd + ` fail; then echo "fail=0"; else echo "fail=$?"; fi`,
					cmd + ` -u >"$__T_TTY"`,
					`echo "after-unset=${AWS_RUNAS_PROFILE-unset}"`,
					`echo "user-shell=$AWS_RUNAS_SHELL"`,
					"",
				}, "\n")
				r := runSpec(t, s, script, append(baseEnv(t), "__T_CODE="+code, "__T_DIR="+dir, "TMPDIR="+tmp, "M="+filepath.Join(dir, "marker"), "__T_TTY="+ttyPath(t)))
				wantClean(t, r)
				read := func(name string) string {
					b, _ := os.ReadFile(filepath.Join(dir, name))
					return string(b)
				}
				if got := read("key"); got != key {
					t.Errorf("in place: AWS_ACCESS_KEY_ID = %q, want %q", got, key)
				}
				if got := read("key-eval"); got != key {
					t.Errorf(`eval "$(%s prod)": AWS_ACCESS_KEY_ID = %q, want %q`, cmd, got, key)
				}
				if got := read("sub-printed"); got != setCode {
					t.Errorf("( %s prod ) > file: the file holds %q, want the code %q", cmd, got, setCode)
				}
				if got := read("printed"); got != "" {
					t.Errorf("%s prod > file: the file holds %q, want nothing (the shell switched)", cmd, got)
				}
				if got := read("key-print"); got != key {
					t.Errorf("%s prod > file: AWS_ACCESS_KEY_ID = %q, want %q (switched in place)", cmd, got, key)
				}
				if got := read("profile"); got != "unset" {
					t.Errorf("AWS_PROFILE = %q, want it removed", got)
				}
				if !strings.Contains(read("env"), "AWS_RUNAS_PROFILE=prod\n") {
					t.Errorf("AWS_RUNAS_PROFILE not exported")
				}
				if got := read("shell"); got != s.dialect+" fish\n" {
					t.Errorf("__AWS_RUNAS_EVAL_SHELL and AWS_RUNAS_SHELL = %q, want %s and the user's fish", got, s.dialect)
				}
				if got := read("mode"); got != "-rw-------\n" {
					t.Errorf("eval file mode %q, want -rw-------", got)
				}
				for _, w := range []string{"status=7\n", "out<export T_PWNED=1>\n", "pwned=no\n", "piped\n", "fail=5\n", "after-unset=unset\n", "after-sub-print=unset\n", "user-shell=fish\n"} {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("want %q in stdout:\n%s", w, r.stdout)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, "marker")); err == nil {
					t.Errorf("a value ran a command")
				}
				left, _ := os.ReadDir(tmp)
				if len(left) != 0 {
					t.Errorf("temporary files left in TMPDIR: %v", left)
				}
			})
		}
	}
}

// writeFiles creates each file (path relative to dir) with its content.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkLaunchFiles fails unless every start-up file is private (0600 in a
// 0700 directory), and returns the directory.
func checkLaunchFiles(t testing.TB, file string) string {
	t.Helper()
	dir := filepath.Dir(file)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: mode %v, want 0700", dir, fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 {
		t.Errorf("%s is empty", dir)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
	return dir
}

// runLaunch runs a prepared subshell on stdin, then its Cleanup, and
// checks the start-up files are gone.
func runLaunch(t testing.TB, l *Launch, env []string, stdin string) result {
	t.Helper()
	var dir string
	for _, a := range append(append([]string{}, l.Argv...), l.Env...) {
		if _, v, ok := strings.Cut(a, "="); ok {
			a = v
		}
		if strings.Contains(a, "aws-runas-") {
			if fi, err := os.Stat(a); err == nil && fi.IsDir() {
				dir = checkLaunchFiles(t, filepath.Join(a, "x"))
			} else {
				dir = checkLaunchFiles(t, a)
			}
		}
	}
	if dir == "" {
		t.Fatalf("no start-up file in %q %q", l.Argv, l.Env)
	}
	r := runArgv(t, l.Argv, append(env, l.Env...), stdin)
	l.Cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Cleanup left %s", dir)
	}
	if strings.Contains(r.stderr, "not found") || strings.Contains(r.stderr, "rror") {
		t.Errorf("errors on stderr:\n%s", r.stderr)
	}
	return r
}

func TestSubshell(t *testing.T) {
	initCode := func(t *testing.T, d string) string {
		code, err := Init(mustDialect(t, d), InitOptions{Cmd: "awsr", Prompt: true, Refresh: true, Binary: "/nonexistent/aws-runas"})
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	t.Run("bash", func(t *testing.T) {
		bash := testtool.Require(t, "bash")
		home := t.TempDir()
		writeFiles(t, home, map[string]string{".bashrc": "T_BASHRC=loaded\nPS1='user> '\n"})
		l, err := Subshell(mustDialect(t, "bash"), bash, initCode(t, "bash"))
		if err != nil {
			t.Fatal(err)
		}
		if l.Argv[0] != bash || l.Argv[1] != "--rcfile" || l.Argv[3] != "-i" {
			t.Errorf("argv %q", l.Argv)
		}
		r := runLaunch(t, l, append(baseEnv(t), "HOME="+home), `printf 'RC=%s PS1=%s\n' "$T_BASHRC" "$PS1"; type -t aws_session_expired awsr; exit`+"\n")
		for _, w := range []string{"RC=loaded PS1=${__aws_runas_ps1-}user> \n", "function\nfunction\n"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("want %q in stdout:\n%s", w, r.stdout)
			}
		}
	})
	t.Run("zsh", func(t *testing.T) {
		zsh := testtool.Require(t, "zsh")
		probe := `print -r -- "ENV=${T_ENV-} RC=${T_RC-} ZDOTDIR=${ZDOTDIR-unset}"; whence -w aws_session_expired awsr; exit` + "\n"
		for _, c := range []struct {
			name    string
			zdotdir string // "" for unset; relative to home
			files   map[string]string
			want    string
		}{
			{"home", "", map[string]string{".zshenv": "T_ENV=home\n", ".zshrc": "T_RC=home\n"}, "ENV=home RC=home ZDOTDIR=unset\n"},
			{"zdotdir", "zd", map[string]string{".zshenv": "T_ENV=home\n", ".zshrc": "T_RC=home\n", "zd/.zshenv": "T_ENV=zd\n", "zd/.zshrc": "T_RC=zd\n"}, "ENV=zd RC=zd ZDOTDIR=$HOME/zd\n"},
			{"zshenv-moves-zdotdir", "", map[string]string{".zshenv": "T_ENV=home\nZDOTDIR=$HOME/moved\n", ".zshrc": "T_RC=home\n", "moved/.zshrc": "T_RC=moved\n"}, "ENV=home RC=moved ZDOTDIR=$HOME/moved\n"},
		} {
			t.Run(c.name, func(t *testing.T) {
				home := t.TempDir()
				writeFiles(t, home, c.files)
				t.Setenv("ZDOTDIR", "")
				if c.zdotdir == "" {
					os.Unsetenv("ZDOTDIR")
				} else {
					os.Setenv("ZDOTDIR", filepath.Join(home, c.zdotdir))
				}
				l, err := Subshell(mustDialect(t, "zsh"), zsh, initCode(t, "zsh"))
				if err != nil {
					t.Fatal(err)
				}
				r := runLaunch(t, l, append(baseEnv(t), "HOME="+home), probe)
				want := strings.ReplaceAll(c.want, "$HOME", home)
				for _, w := range []string{want, "aws_session_expired: function\nawsr: function\n"} {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("want %q in stdout:\n%s", w, r.stdout)
					}
				}
			})
		}
	})
	t.Run("sh", func(t *testing.T) {
		dash := testtool.Require(t, "dash")
		for _, withEnv := range []bool{false, true} {
			t.Run(fmt.Sprintf("ENV=%v", withEnv), func(t *testing.T) {
				home := t.TempDir()
				userEnv := filepath.Join(home, "my env.sh")
				writeFiles(t, home, map[string]string{"my env.sh": "T_ENVFILE=yes\n"})
				t.Setenv("ENV", userEnv)
				want := "E=yes ENV=" + userEnv + "\n"
				if !withEnv {
					os.Unsetenv("ENV")
					want = "E= ENV=unset\n"
				}
				l, err := Subshell(mustDialect(t, "sh"), dash, initCode(t, "sh"))
				if err != nil {
					t.Fatal(err)
				}
				r := runLaunch(t, l, append(baseEnv(t), "HOME="+home), `printf 'E=%s ENV=%s\n' "${T_ENVFILE-}" "${ENV-unset}"; command -v aws_session_expired; alias awsr; exit`+"\n")
				for _, w := range []string{want, "aws_session_expired\n", "awsr="} {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("want %q in stdout:\n%s", w, r.stdout)
					}
				}
			})
		}
	})
}

func TestCompletionRegistered(t *testing.T) {
	for _, c := range []struct {
		spec   shellSpec
		before string // what the user's rc runs before init
		probe  string
	}{
		{strictSpecs[0], "", `complete -p aws-runas awsr`},
		{strictSpecs[1], "", `complete -p aws-runas awsr`},
		{strictSpecs[2], "autoload -Uz compinit; compinit -u -D\n", `print -r -- "complete -F ${_comps[aws-runas]-} aws-runas" "complete -F ${_comps[awsr]-} awsr"`},
		{strictSpecs[3], "autoload -Uz compinit; compinit -u -D\n", `print -r -- "complete -F ${_comps[aws-runas]-} aws-runas" "complete -F ${_comps[awsr]-} awsr"`},
	} {
		c := c
		t.Run(c.spec.name, func(t *testing.T) {
			t.Parallel()
			code, err := Init(mustDialect(t, c.spec.dialect), InitOptions{Cmd: "awsr", Prompt: true, Refresh: true, Binary: "/opt/b in/aws-runas"})
			if err != nil {
				t.Fatal(err)
			}
			r := runSpec(t, c.spec, c.before+"eval \"$__T_CODE\"\neval \"$__T_CODE\"\nprintf 'BIN<%s>\\n' \"$__aws_runas_bin\"\n"+c.probe+"\n", append(baseEnv(t), "__T_CODE="+code))
			wantClean(t, r)
			for _, w := range []string{"complete -F _aws_runas aws-runas", "complete -F _aws_runas awsr", "BIN</opt/b in/aws-runas>"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("want %q in:\n%s", w, r.stdout)
				}
			}
		})
	}
}
