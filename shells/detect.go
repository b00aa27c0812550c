package shells

import (
	"fmt"
	"strings"
)

// EvalFileVar and EvalShellVar are the private variables the wrapper
// function of `aws-runas init` passes to the binary for one call: the file
// to write shell code to instead of stdout, and the shell it is for.
// EvalPIDVar (POSIX sh only, which cannot tell a subshell from itself) is
// the pid of the user's shell: a binary whose parent is another process
// runs in a subshell or command substitution.
const (
	EvalFileVar  = "__AWS_RUNAS_EVAL_FILE"
	EvalShellVar = "__AWS_RUNAS_EVAL_SHELL"
	EvalPIDVar   = "__AWS_RUNAS_EVAL_PID"
	// EvalPlanVar asks the binary only which way a call of the wrapper
	// goes: it prints "eval" when it would write shell code to the eval
	// file, else "run", and does nothing else. The nushell wrapper needs
	// to know before the call: a nushell command that streams a program's
	// output cannot change its caller's environment after it.
	EvalPlanVar = "__AWS_RUNAS_EVAL_PLAN"
)

// Detect picks the dialect of print mode when -O is not given (contract
// §3.2): $__AWS_RUNAS_EVAL_SHELL when $__AWS_RUNAS_EVAL_FILE is set (the
// wrapper function of `aws-runas init` passes both, so that the user's own
// AWS_RUNAS_SHELL is left alone), else $AWS_RUNAS_SHELL, else the shell that
// started aws-runas (the parent process), else the base name of $SHELL,
// else sh.
//
// An __AWS_RUNAS_EVAL_SHELL or AWS_RUNAS_SHELL that names no known shell is
// an error: the first is set by the wrapper function, the second on purpose
// by the user, and printing sh code to, say, fish would fail later with a
// worse message. A parent process or $SHELL that is not a known shell (make,
// sudo, tcsh) is passed over.
func Detect(getenv func(string) string) (Dialect, error) {
	return detect(getenv, parentPrograms)
}

func detect(getenv func(string) string, parent func() []string) (Dialect, error) {
	vars := []string{"AWS_RUNAS_SHELL"}
	if getenv(EvalFileVar) != "" {
		vars = []string{EvalShellVar, "AWS_RUNAS_SHELL"}
	}
	for _, name := range vars {
		if v := getenv(name); v != "" {
			shell := ShellForProgram(v)
			if shell == "" {
				return nil, fmt.Errorf("%s=%q: unknown shell, want one of %s", name, v, strings.Join(Names(), ", "))
			}
			return Lookup(shell)
		}
	}
	for _, p := range parent() {
		if d := known(p); d != nil {
			return d, nil
		}
	}
	if d := known(getenv("SHELL")); d != nil {
		return d, nil
	}
	return Lookup("sh")
}

// known is the registered dialect for a program name, or nil.
func known(program string) Dialect {
	name := ShellForProgram(program)
	if name == "" {
		return nil
	}
	d, err := Lookup(name)
	if err != nil {
		return nil
	}
	return d
}

// ShellForProgram maps the name or path of a shell program to the canonical
// name of its dialect, or "" when it is not a shell aws-runas knows.
//
// It takes the base name (after '/' or '\'), drops the '-' a login shell's
// argv[0] starts with (-bash), drops ".exe" and ignores case (Windows). The
// POSIX shells without a dialect of their own (dash, ash, ksh, mksh, busybox,
// ...) are sh; pwsh is powershell; nushell is nu.
func ShellForProgram(program string) string {
	base := program
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.TrimPrefix(base, "-")
	base = strings.ToLower(base)
	base = strings.TrimSuffix(base, ".exe")
	switch base {
	case "bash", "zsh", "fish", "sh":
		return base
	case "powershell", "pwsh", "pwsh-preview":
		return "powershell"
	case "nu", "nushell":
		return "nu"
	case "dash", "ash", "busybox", "ksh", "ksh93", "mksh", "lksh", "pdksh", "oksh", "loksh", "posh", "yash":
		return "sh"
	}
	return ""
}
