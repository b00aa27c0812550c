package shells

import (
	"os"
	"path/filepath"
	"strings"
)

// zshDialect is zsh 5.0 and up. Its quoting is posixQuote; its templates are
// templates/zsh.{export,init}.tmpl.
type zshDialect struct{}

func init() { register(zshDialect{}) }

func (zshDialect) Name() string { return "zsh" }

func (zshDialect) Quote(s string) (string, error) { return posixQuote(s) }

// subshell starts `zsh -i` with ZDOTDIR pointing at a private directory.
// zsh looks for .zshenv and .zshrc in $ZDOTDIR at the moment it reads each
// one, so:
//
//   - our .zshenv gives the user's ZDOTDIR back (or unsets it), sources the
//     user's own ${ZDOTDIR:-$HOME}/.zshenv, remembers the ZDOTDIR that file
//     may have set, and points ZDOTDIR at our directory again;
//   - our .zshrc restores the user's ZDOTDIR for good, sources the user's
//     ${ZDOTDIR:-$HOME}/.zshrc, then runs initCode.
//
// The subshell is not a login shell, so .zprofile and .zlogin are not read,
// as for any `zsh -i`.
func (d zshDialect) subshell(shellPath, initCode string) (*Launch, error) {
	dir, err := privateDir()
	if err != nil {
		return nil, err
	}
	qdir, err := posixQuote(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	restore := "builtin unset ZDOTDIR\n"
	if orig, ok := os.LookupEnv("ZDOTDIR"); ok {
		q, err := posixQuote(orig)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		restore = "ZDOTDIR=" + q + "\n"
	}
	zshenv := strings.Join([]string{
		"# aws-runas subshell start-up: the user's .zshenv, with the user's ZDOTDIR.",
		"__aws_runas_zdotdir=" + qdir,
		restore +
			`if [[ -f ${ZDOTDIR:-$HOME}/.zshenv ]]; then builtin source "${ZDOTDIR:-$HOME}/.zshenv"; fi`,
		`if (( ${+ZDOTDIR} )); then __aws_runas_user_zdotdir=$ZDOTDIR; else builtin unset __aws_runas_user_zdotdir; fi`,
		"# Back to our directory, so that zsh reads our .zshrc next.",
		`ZDOTDIR=$__aws_runas_zdotdir`,
		"",
	}, "\n")
	zshrc := strings.Join([]string{
		"# aws-runas subshell start-up: the user's .zshrc, then aws-runas's init code.",
		`if (( ${+__aws_runas_user_zdotdir} )); then ZDOTDIR=$__aws_runas_user_zdotdir; else builtin unset ZDOTDIR; fi`,
		"builtin unset __aws_runas_user_zdotdir __aws_runas_zdotdir",
		`if [[ -f ${ZDOTDIR:-$HOME}/.zshrc ]]; then builtin source "${ZDOTDIR:-$HOME}/.zshrc"; fi`,
		initCode,
	}, "\n")
	for name, content := range map[string]string{".zshenv": zshenv, ".zshrc": zshrc} {
		if err := writePrivate(filepath.Join(dir, name), content); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return &Launch{
		Argv:    []string{shellPath, "-i"},
		Env:     []string{"ZDOTDIR=" + dir},
		Cleanup: func() { os.RemoveAll(dir) },
	}, nil
}
