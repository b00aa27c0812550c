package shells

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// hostile is the corpus of values every quoting test runs: what shells and
// prompts read specially, bytes no encoding reads, and the edges.
func hostile() []string {
	var all strings.Builder // every byte but NUL
	for b := 1; b < 256; b++ {
		all.WriteByte(byte(b))
	}
	return []string{
		"", "plain", "a b  c", " ", "\t", "  leading", "trailing  ",
		// quotes of all kinds
		"it's", "'", "''", "'''", "'a'", "a''b", `"`, `"double"`, "'\"'\"", "`", "``",
		"‘typographic’ “quotes” ‚low‛ „low“", "\\'", "'\\''",
		// expansions
		"`id`", "$(id)", "$(touch /tmp/aws-runas-quote-pwned)", "${HOME}", "$HOME", "$", "$$", "$?", "$'\\x41'",
		"$((1+1))", "$[1+1]", "${(%):-%n}", "<(id)", ">(id)", "=(id)",
		// prompt escapes
		"%", "%%", "%d %s %n", "%F{red}x%f", "%{\x1b[31m%}", `\u@\h \w \$`, `\[\e[31m\]`,
		// backslashes
		`\`, `\\`, `a\`, `\n`, `\x41`, `\0`, `\` + "\n",
		// line ends and control characters
		"line1\nline2", "\n", "\n\n", "trailing\n", "cr\rlf", "\r\n", "\x1b[31mred\x1b[0m", "\x01\x02", "\x7f", "\f\v\b\a",
		// bytes over 0x7f: Latin-1, invalid UTF-8, zsh's Meta (0x83), C1 CSI (0x9b), BOM, U+2028
		"\x80\xff\xfe", "caf\xc3\xa9", "caf\xe9", "\xc3", "x\x83y", "\x83", "\x9b31m", "\xef\xbb\xbfbom", "a\u2028b", "\xed\xa0\x80",
		"emoji 😀 🚀 👩‍👩‍👧", "日本語", "עברית",
		// words that mean something at the start
		"-", "-n", "-e", "--help", "-u x", "~", "~root", "~/x", "a:~/b", "=", "=ls", "a=b", "==",
		"!", "!!", "!$", "^x^y", "#", "#comment", "*", "?", "[a]", "{a,b}", "a{1..3}", "**/*",
		";", "&", "&&", "|", "||", "<>", ">x", "(", ")", "{", "}", "!(x)", "@(x)",
		// long
		strings.Repeat("x'y", 3000),
		all.String(),
	}
}

func TestPOSIXQuoteGolden(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "''"},
		{"plain", "'plain'"},
		{"it's", `'it'\''s'`},
		{"'", `\'`},
		{"''", `\'\'`},
		{"'a'", `\''a'\'`},
		{"a b", "'a b'"},
		{"$(id)", "'$(id)'"},
		{"a\nb", "'a\nb'"},
		{"%", "'%'"},
		{"\\", `'\'`},
	} {
		got, err := posixQuote(c.in)
		if err != nil || got != c.want {
			t.Errorf("posixQuote(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestPOSIXQuoteCorpus(t *testing.T) {
	for _, s := range hostile() {
		q, err := posixQuote(s)
		if err != nil {
			t.Errorf("posixQuote(%s): %v", short(s), err)
			continue
		}
		checkPOSIXQuoted(t, s, q)
	}
}

// checkPOSIXQuoted fails unless q is one shell word that reads back as s,
// with and without zsh's RC_QUOTES, and never glues two quoted runs.
func checkPOSIXQuoted(t *testing.T, s, q string) {
	t.Helper()
	for _, rc := range []bool{false, true} {
		got, err := parsePOSIXWord(q, rc)
		if err != nil {
			t.Errorf("quote of %s = %s: does not parse (RC_QUOTES=%v): %v", short(s), short(q), rc, err)
		} else if got != s {
			t.Errorf("quote of %s = %s: reads back as %s (RC_QUOTES=%v)", short(s), short(q), short(got), rc)
		}
	}
	if gluedRuns(q) {
		t.Errorf("quote of %s = %s: has two quoted runs side by side, which zsh's RC_QUOTES reads as a quote", short(s), short(q))
	}
}

// gluedRuns reports whether q closes a single-quoted run and opens another
// at once ('a”b').
func gluedRuns(q string) bool {
	in := false
	for i := 0; i < len(q); i++ {
		switch {
		case in && q[i] == '\'':
			in = false
			if i+1 < len(q) && q[i+1] == '\'' {
				return true
			}
		case in:
		case q[i] == '\'':
			in = true
		case q[i] == '\\':
			i++
		}
	}
	return false
}

// short is %q of s, cut for a readable failure message.
func short(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q...(%d bytes)", s[:80], len(s))
	}
	return fmt.Sprintf("%q", s)
}

func TestGluedRuns(t *testing.T) {
	for q, want := range map[string]bool{`'a''b'`: true, `'a'\''b'`: false, `\'\'`: false, `''`: false, `'a'''`: true, `\'''`: false} {
		if got := gluedRuns(q); got != want {
			t.Errorf("gluedRuns(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestPOSIXQuoteNUL(t *testing.T) {
	for _, s := range []string{"\x00", "a\x00b", "abc\x00", "\x00'"} {
		q, err := posixQuote(s)
		if err == nil {
			t.Errorf("posixQuote(%q) = %q, want an error", s, q)
		}
		for _, name := range []string{"bash", "zsh", "sh"} {
			d, _ := Lookup(name)
			if _, err := d.Quote(s); err == nil {
				t.Errorf("%s Quote(%q): no error", name, s)
			}
			if _, err := Export(d, Env{Set: []Var{{"X", s}}}); err == nil {
				t.Errorf("%s Export of %q: no error", name, s)
			}
		}
	}
}

func TestPOSIXDialectsQuoteAlike(t *testing.T) {
	for _, name := range []string{"bash", "zsh", "sh"} {
		d, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name() != name {
			t.Errorf("Lookup(%q).Name() = %q", name, d.Name())
		}
		for _, s := range hostile() {
			want, _ := posixQuote(s)
			if got, err := d.Quote(s); err != nil || got != want {
				t.Errorf("%s Quote(%s) = %s, %v; want %s", name, short(s), short(got), err, short(want))
			}
		}
	}
}

func TestExportRefusesBadNames(t *testing.T) {
	for _, name := range []string{"bash", "zsh", "sh"} {
		d, _ := Lookup(name)
		for _, bad := range []string{"", "1A", "A-B", "A B", "A=B", "$(id)", "A;id", "Ä"} {
			if out, err := Export(d, Env{Set: []Var{{bad, "v"}}}); err == nil {
				t.Errorf("%s: Export set %q = %q, want an error", name, bad, out)
			}
			if out, err := Export(d, Env{Unset: []string{bad}}); err == nil {
				t.Errorf("%s: Export unset %q = %q, want an error", name, bad, out)
			}
		}
		if out, err := Init(d, InitOptions{Cmd: "a;id", Binary: "/x"}); err == nil {
			t.Errorf("%s: Init with --cmd 'a;id' = %q, want an error", name, out)
		}
	}
}

// parsePOSIXWord reads q as the shell would read one word made of
// single-quoted runs and backslash-escaped characters, and fails on anything
// else outside quotes (which the shell would expand, split or glob). With
// rcQuotes, ” inside single quotes is one quote, as zsh's RC_QUOTES reads it.
func parsePOSIXWord(q string, rcQuotes bool) (string, error) {
	if q == "" {
		return "", errors.New("empty text is no word")
	}
	var b strings.Builder
	for i := 0; i < len(q); {
		switch q[i] {
		case '\'':
			i++
			for {
				if i >= len(q) {
					return "", errors.New("unterminated single quote")
				}
				if q[i] == '\'' {
					if rcQuotes && i+1 < len(q) && q[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(q[i])
				i++
			}
		case '\\':
			if i+1 >= len(q) {
				return "", errors.New("backslash at the end")
			}
			// Outside quotes a backslash quotes the next character, but
			// backslash-newline is a line continuation: it must not occur.
			if q[i+1] == '\n' {
				return "", errors.New("backslash-newline outside quotes")
			}
			b.WriteByte(q[i+1])
			i += 2
		default:
			return "", fmt.Errorf("unquoted %q at byte %d", q[i], i)
		}
	}
	return b.String(), nil
}

func TestParsePOSIXWordCatchesBadQuoting(t *testing.T) {
	// The checker itself must be able to fail.
	for _, q := range []string{"a", "'a", "'a'b", "'a'$x", `'a''b'`, "\\", "'x'\\\n"} {
		if got, err := parsePOSIXWord(q, false); err == nil && strings.Contains(q, "''") {
			if rc, _ := parsePOSIXWord(q, true); rc == got {
				t.Errorf("%q reads the same with and without RC_QUOTES", q)
			}
		} else if err == nil {
			t.Errorf("parsePOSIXWord(%q) = %q, want an error", q, got)
		}
	}
}

func FuzzPOSIXQuote(f *testing.F) {
	for _, s := range hostile() {
		f.Add(s)
	}
	f.Add("a\x00b")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := posixQuote(s)
		if strings.IndexByte(s, 0) >= 0 {
			if err == nil {
				t.Fatalf("posixQuote(%q) = %q, want an error for NUL", s, q)
			}
			return
		}
		if err != nil {
			t.Fatalf("posixQuote(%q): %v", s, err)
		}
		checkPOSIXQuoted(t, s, q)
	})
}

func TestInitEmptyBinaryIsOnPath(t *testing.T) {
	for _, name := range []string{"bash", "zsh", "sh"} {
		code, err := Init(mustDialect(t, name), InitOptions{Cmd: "awsr", Prompt: true, Refresh: true})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(code, `\command 'aws-runas' "$@"`) || strings.Contains(code, `\command ''`) {
			t.Errorf("%s: with no Binary the wrapper must call aws-runas on PATH", name)
		}
	}
}
