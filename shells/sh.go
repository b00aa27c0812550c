package shells

import (
	"os"
	"path/filepath"
)

// shDialect is POSIX sh: dash, ksh, mksh, busybox ash, bash as sh. Its
// quoting is posixQuote; its templates are templates/sh.{export,init}.tmpl.
type shDialect struct{}

func init() { register(shDialect{}) }

func (shDialect) Name() string { return "sh" }

func (shDialect) Quote(s string) (string, error) { return posixQuote(s) }

// subshell starts `sh -i` with ENV naming a private start-up file: an
// interactive POSIX shell reads the file $ENV names. The file gives the
// user's own ENV back (or unsets it), sources the file it named, then runs
// initCode. The user's ENV is taken as a path as it stands; the parameter
// expansion a shell would apply to it is not repeated.
func (d shDialect) subshell(shellPath, initCode string) (*Launch, error) {
	dir, err := privateDir()
	if err != nil {
		return nil, err
	}
	rc := "# aws-runas subshell start-up: the user's $ENV file, then aws-runas's init code.\n"
	if orig, ok := os.LookupEnv("ENV"); ok {
		q, err := posixQuote(orig)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		rc += "ENV=" + q + "\n" + `if [ -f "$ENV" ] && [ -r "$ENV" ]; then . "$ENV"; fi` + "\n"
	} else {
		rc += "unset -v ENV\n"
	}
	rc += initCode
	f := filepath.Join(dir, "env.sh")
	if err := writePrivate(f, rc); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Launch{
		Argv:    []string{shellPath, "-i"},
		Env:     []string{"ENV=" + f},
		Cleanup: func() { os.RemoveAll(dir) },
	}, nil
}
