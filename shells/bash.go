package shells

import (
	"os"
	"path/filepath"
)

// bashDialect is GNU bash, 3.2 (macOS) and up. Its quoting is posixQuote;
// its templates are templates/bash.{export,init}.tmpl.
type bashDialect struct{}

func init() { register(bashDialect{}) }

func (bashDialect) Name() string { return "bash" }

func (bashDialect) Quote(s string) (string, error) { return posixQuote(s) }

// subshell starts `bash --rcfile F -i`. bash reads F instead of ~/.bashrc,
// so F sources ~/.bashrc itself (when present) and then runs initCode, which
// keeps the user's own prompt, aliases and hooks under ours.
func (d bashDialect) subshell(shellPath, initCode string) (*Launch, error) {
	dir, err := privateDir()
	if err != nil {
		return nil, err
	}
	rc := "# aws-runas subshell start-up: the user's ~/.bashrc, then aws-runas's init code.\n" +
		"if [ -f ~/.bashrc ]; then . ~/.bashrc; fi\n" + initCode
	f := filepath.Join(dir, "bashrc")
	if err := writePrivate(f, rc); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Launch{
		Argv:    []string{shellPath, "--rcfile", f, "-i"},
		Cleanup: func() { os.RemoveAll(dir) },
	}, nil
}
