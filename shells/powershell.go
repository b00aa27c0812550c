package shells

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// powershellDialect is Windows PowerShell 5.1 and PowerShell 7 (pwsh). The
// code it prints uses neither &&, ??, the ternary operator nor any other
// PowerShell 7 syntax, and it is meant for `... | Out-String |
// Invoke-Expression`.
type powershellDialect struct{}

func init() { register(powershellDialect{}, "pwsh") }

func (powershellDialect) Name() string { return "powershell" }

// psSingleQuotes are the characters PowerShell's tokenizer takes as a single
// quote: U+0027 and the typographic U+2018, U+2019, U+201A, U+201B
// (language specification 2.3.5.2, single-quote-character; the tokenizer's
// CharExtensions.IsSingleQuote). Any of them ends a '...' string, so `Bob’s`
// in a literal quoted by U+0027 alone ends the string after "Bob".
const psSingleQuotes = "'\u2018\u2019\u201a\u201b"

// psBase64Prefix and psBase64Suffix wrap a value that is not printable
// ASCII: the base64 of its UTF-8 bytes, decoded by .NET. Both .NET calls
// exist in .NET Framework 4.5 (Windows PowerShell 5.1) and in .NET 8+
// (PowerShell 7). The parentheses make the expression one argument in
// command mode too (`& (...) args`), not only after `=`.
const (
	psBase64Prefix = "([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('"
	psBase64Suffix = "')))"
)

// Quote returns s as one PowerShell expression whose value is s, written in
// printable ASCII only.
//
//   - NUL: an error (errNUL), as for every shell.
//   - Not valid UTF-8: an error. PowerShell strings, and environment
//     variables on Windows, are UTF-16: an invalid byte would arrive as
//     U+FFFD, not byte for byte, so refusing is the only honest answer.
//     The error gives the byte offset, never the value (it may be a
//     secret); Export names the variable.
//   - Printable ASCII (0x20 to 0x7e): a verbatim string '...' in which every
//     single-quote character is doubled (psLiteral). Nothing in a verbatim
//     string is expanded: $, `, ", %, \ and a leading - stand for themselves.
//   - Anything else (control characters, CR and LF among them, and every
//     non-ASCII character): base64 of the UTF-8 bytes, decoded by .NET.
//     Windows PowerShell 5.1 reads a native program's output in the console
//     code page, so a non-ASCII byte would be mis-decoded before
//     Invoke-Expression sees it; and PowerShell splits native output into
//     lines at CR, LF and CRLF and Out-String joins them with the platform's
//     newline, so a raw CR or LF inside a literal would not arrive byte for
//     byte either.
func (powershellDialect) Quote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errNUL(s)
	}
	if !utf8.ValidString(s) {
		return "", errNotUTF8(s)
	}
	if isPrintableASCII(s) {
		return psLiteral(s), nil
	}
	return psBase64Prefix + base64.StdEncoding.EncodeToString([]byte(s)) + psBase64Suffix, nil
}

// psLiteral writes s as a PowerShell verbatim string. In '...' the only
// special characters are the five single quotes: the tokenizer
// (Tokenizer.ScanStringLiteral, the same in 5.1 and 7) ends the string at a
// lone one and reads a pair of them, any two, as the second one (language
// specification 2.3.5.2, verbatim-string-part). Doubling each one therefore
// yields it back; PowerShell's own CodeGeneration.EscapeSingleQuotedStringContent
// does the same. Nothing else is special: $, `, " and \ stand for themselves.
// Newlines may stand inside too, but Quote keeps them out of literals.
func psLiteral(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		if strings.ContainsRune(psSingleQuotes, r) {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// errNotUTF8 reports a value PowerShell cannot hold byte for byte.
func errNotUTF8(s string) error {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return fmt.Errorf("value is not valid UTF-8 (at byte %d): PowerShell strings are UTF-16 and cannot carry it byte for byte", i)
}

// psInitEnv is the environment variable that tells the subshell's bootstrap
// where the init code is.
const psInitEnv = "__AWS_RUNAS_INIT_FILE"

// psBootstrap is the -Command of a PowerShell subshell. It runs after the
// user's profiles (-NoExit -Command runs the command, then stays
// interactive), reads the init code from the file named by psInitEnv, runs
// it as `| Out-String | Invoke-Expression` would, and removes the file and
// the variable at once so that nothing leaks into the session or its
// children. The code is read from a file, not passed on the command line,
// because Windows limits a whole command line to 32767 UTF-16 units; it is
// run through Invoke-Expression, not as a .ps1 script, so the execution
// policy (Restricted by default on Windows clients) does not apply. The text
// is ASCII without double quotes, so no command-line quoting rule of
// Windows can change it.
const psBootstrap = "$__aws_runas_f = $env:" + psInitEnv + "; " +
	"Remove-Item -LiteralPath Env:/" + psInitEnv + " -ErrorAction SilentlyContinue; " +
	"Invoke-Expression ([IO.File]::ReadAllText($__aws_runas_f)); " +
	"Remove-Item -LiteralPath $__aws_runas_f -Force -ErrorAction SilentlyContinue; " +
	"Remove-Variable -Name __aws_runas_f -ErrorAction SilentlyContinue"

// subshell starts an interactive PowerShell (powershell.exe or pwsh) that
// runs initCode after the user's profiles: `-NoLogo -NoExit -Command
// <bootstrap>`, the init code in a private temporary file (0600: os.CreateTemp)
// that the bootstrap deletes as soon as it has read it. Cleanup deletes it
// too, for a shell that never got that far. The file holds no secret.
func (powershellDialect) subshell(shellPath, initCode string) (*Launch, error) {
	f, err := os.CreateTemp("", "aws-runas-init-*.ps1")
	if err != nil {
		return nil, fmt.Errorf("powershell subshell: %w", err)
	}
	name := f.Name()
	cleanup := func() { _ = os.Remove(name) }
	if _, err := f.WriteString(initCode); err != nil {
		f.Close()
		cleanup()
		return nil, fmt.Errorf("powershell subshell: %w", err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return nil, fmt.Errorf("powershell subshell: %w", err)
	}
	if abs, err := filepath.Abs(name); err == nil {
		name = abs
	}
	return &Launch{
		Argv:    []string{shellPath, "-NoLogo", "-NoExit", "-Command", psBootstrap},
		Env:     []string{psInitEnv + "=" + name},
		Cleanup: cleanup,
	}, nil
}
