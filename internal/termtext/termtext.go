// Package termtext makes text from files, identity providers and servers
// safe to write to a terminal, a dialog or stderr.
package termtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape shows s as text: control characters (C0, DEL, C1, which a
// terminal obeys: escape sequences, a carriage return that overwrites the
// line), format characters (bidirectional overrides, zero-width joiners,
// which make text read other than it is), line and paragraph separators
// and bytes that are not UTF-8 are written as Go escapes: \n, \r, \t,
// \x1b, \x85, \u202e, \xff. A line break inside a value is shown as \n,
// so a value cannot start a line of its own. Backslashes are kept as they
// are (Windows paths read as written); text with nothing to escape is
// returned as it is, without a copy.
func Escape(s string) string {
	i := strings.IndexFunc(s, unsafe)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafe(r) && r < 0x100:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case unsafe(r):
			q := strconv.QuoteRuneToASCII(r) // '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Has says whether s holds anything Escape would change.
func Has(s string) bool { return strings.IndexFunc(s, unsafe) >= 0 }

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func unsafe(r rune) bool {
	if r >= 0x20 && r < 0x7f {
		return false
	}
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.In(r, unicode.Cf) || r == '\u2028' || r == '\u2029'
}
