package shells

import (
	"fmt"
	"os"
	"strings"
)

// posixQuote is the quoting rule of bash, zsh and POSIX sh (dash, ksh,
// busybox ash). It returns s as one word that every one of them reads back
// byte for byte, whatever options the user has set.
//
// The rule, and why each part of it holds:
//
//   - Text goes inside single quotes. POSIX (XCU 2.2.2) makes every byte
//     between single quotes literal: no parameter expansion ($), command
//     substitution ($(), backticks), history expansion (!), backslash
//     escapes, globbing or word splitting. That includes newlines, carriage
//     returns, ESC and bytes over 0x7f, valid UTF-8 or not, so no locale
//     setting can change the value. bash and zsh follow the same rule.
//   - A single quote cannot stand inside single quotes, so the quoted run is
//     closed, the quote is written as \' (a backslash outside quotes makes
//     the next character literal, XCU 2.2.1) and a new run is opened:
//     it's -> 'it'\”s'.
//   - Two quoted runs are never written side by side ('a”b'): with zsh's
//     RC_QUOTES option ” inside single quotes means one literal quote, so
//     zsh would read 'a”b' as a'b. Between two runs there is always \', and
//     a run is written only when it is not empty: ' -> \', 'x -> \”x'. So
//     the output holds ” only when s is empty.
//   - The empty string is ” so that it stays one (empty) word instead of
//     vanishing.
//   - $'...' is not used: dash and POSIX sh before 2024 do not have it, and
//     its \u escapes depend on the locale.
//   - NUL cannot be held by any environment variable (C strings end there)
//     and bash would cut the value silently, so it is an error.
//
// A value starting with '-', '~' or '=' needs nothing more: quoted, it is
// neither an option (it is never the first word of a command here), nor a
// tilde expansion (only an unquoted ~ expands), nor zsh's =cmd expansion
// (EQUALS applies to an unquoted = only).
func posixQuote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errNUL(s)
	}
	if s == "" {
		return "''", nil
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i, run := range strings.Split(s, "'") {
		if i > 0 {
			b.WriteString(`\'`)
		}
		if run != "" {
			b.WriteByte('\'')
			b.WriteString(run)
			b.WriteByte('\'')
		}
	}
	return b.String(), nil
}

// The subshell start-up files of bash, zsh and sh.

// privateDir makes a directory only the current user can enter (0700), for
// the start-up files of a subshell.
func privateDir() (string, error) {
	dir, err := os.MkdirTemp("", "aws-runas-")
	if err != nil {
		return "", fmt.Errorf("subshell start-up files: %w", err)
	}
	// MkdirTemp makes it 0700 (and a umask only takes bits away).
	return dir, nil
}

// writePrivate writes a new file readable by its owner only (0600).
func writePrivate(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("subshell start-up files: %w", err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return fmt.Errorf("subshell start-up files: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("subshell start-up files: %w", err)
	}
	return nil
}
