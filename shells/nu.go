package shells

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// nuDialect is nushell (0.115 and later). Nushell has no eval of a string:
// its print mode is data, a NUON record that `from nuon` reads, and a
// command changes its caller's environment only when defined with
// `def --env` (see nu.export.tmpl and nu.init.tmpl).
type nuDialect struct{}

func init() { register(nuDialect{}, "nushell") }

func (nuDialect) Name() string { return "nu" }

// Quote writes s as one nushell double-quoted string, which NUON reads
// alike (`from nuon` runs nushell's own parser), in printable ASCII only.
//
// In "..." a backslash starts an escape (nushell book, "Working with
// strings", double-quoted strings): \" and \\ stand for the quote and the
// backslash, and \u{X} for the Unicode code point of 1 to 6 hex digits X.
// Nothing else is special: $, (, ', #, ` and ; stand for themselves (only
// $"..." interpolates). So the quote and the backslash get their escape,
// printable ASCII stands for itself, and every other character (controls,
// DEL, everything over 0x7f) is written as \u{X}, so that no console code
// page, terminal or line splitting can touch it on the way. Go's JSON
// escapes (\u003c) are not nushell's: \u wants braces.
//
// Nushell strings are UTF-8: bytes that are not UTF-8 cannot arrive byte for
// byte and are refused, as NUL is. The error gives the offset, never the
// value; Export names the variable.
func (nuDialect) Quote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errNUL(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return "", fmt.Errorf("value is not valid UTF-8 (at byte %d): nushell strings cannot carry it byte for byte", i)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		default:
			b.WriteString(`\u{`)
			b.WriteString(strconv.FormatInt(int64(r), 16))
			b.WriteByte('}')
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// subshell starts an interactive nu that runs initCode after the user's
// env.nu, config.nu and autoload files: -e (--execute) runs its commands
// after the configuration, then stays interactive, and what they define
// stays defined. The code travels as the argument itself, as fish's -C
// does: it holds definitions and the binary's path, never a secret
// (credentials come in the environment), and it is well below the limits
// on an argument.
func (nuDialect) subshell(shellPath, initCode string) (*Launch, error) {
	return &Launch{
		Argv:    []string{shellPath, "-e", initCode},
		Cleanup: func() {},
	}, nil
}
