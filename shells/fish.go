package shells

import "strings"

// fishDialect is fish 3.x. The init code reads the clock without a process
// on fish 3.5+ (the `path` builtin) and falls back to date(1) before that.
type fishDialect struct{}

func init() { register(fishDialect{}) }

func (fishDialect) Name() string { return "fish" }

// Quote writes s as one fish single-quoted word.
//
// Inside '...' fish knows exactly two escapes, \\ and \' (fish
// documentation, "Quotes"). Every other byte stands for itself: newlines,
// CR, ESC, $, backticks, ~, * and bytes that are not UTF-8 (fish keeps an
// undecodable byte in a private range and writes the same byte back to the
// environment). Every backslash is doubled, not only the ones before a quote
// or at the end, so the rule has no special case; the empty string is a
// pair of quotes.
func (fishDialect) Quote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		// fish would cut the variable at the NUL without a word.
		return "", errNUL(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '\'' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String(), nil
}

// subshell starts an interactive fish that runs initCode after the user's
// config.fish: -C (--init-command) runs after the configuration is read and
// before the first prompt. The code travels as the argument itself: it holds
// function definitions and the binary's path, never a secret (credentials
// come in the environment), and it is far below the per-argument limit
// (128 KiB on Linux), so there is no temporary file and Cleanup has nothing
// to do.
func (fishDialect) subshell(shellPath, initCode string) (*Launch, error) {
	return &Launch{
		Argv:    []string{shellPath, "-i", "-C", initCode},
		Cleanup: func() {},
	}, nil
}
