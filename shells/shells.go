// Package shells knows the shells aws-runas prints code for: how each one
// quotes a value, how it sets and removes environment variables, and how its
// rc-file integration (prompt, wrapper function, refresh hook) is written.
//
// Each shell is one Dialect (a file named for it) plus one template in
// templates/.
package shells

import (
	"fmt"
	"strings"
)

// Var is one environment variable to set.
type Var struct{ Name, Value string }

// Env is what print mode changes in a shell: variables to set, then
// variables to remove.
type Env struct {
	Set   []Var
	Unset []string
}

// InitOptions are the choices of `aws-runas init`.
type InitOptions struct {
	Cmd     string // name of the wrapper function; "" defines none
	Prompt  bool   // add the (AWS:profile) prompt segment
	Refresh bool   // add the refresh-before-expiry prompt hook
	Binary  string // path of the aws-runas binary the functions call
}

// Dialect is one shell's syntax.
type Dialect interface {
	// Name is the canonical name: bash, zsh, sh, fish, powershell or nu.
	Name() string
	// Quote returns s as one literal word of the shell, so that it arrives
	// byte for byte. It fails on what the shell cannot hold (NUL).
	Quote(s string) (string, error)
}

var dialects = map[string]Dialect{}

// register is called from each dialect's file.
func register(d Dialect, aliases ...string) {
	dialects[d.Name()] = d
	for _, a := range aliases {
		dialects[a] = d
	}
}

// Names lists the canonical shell names, in the order the contract gives them.
func Names() []string { return []string{"bash", "zsh", "sh", "fish", "powershell", "nu"} }

// Lookup finds a dialect by name or alias (pwsh, nushell).
func Lookup(name string) (Dialect, error) {
	if d, ok := dialects[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown shell %q: want one of %s", name, strings.Join(Names(), ", "))
}

// isName says whether s is [A-Za-z_][A-Za-z0-9_]*, plus extra characters
// after the first. (A loop, not a regexp: a package-level regexp is
// compiled at every start of the program, on the warm path.)
func isName(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0):
		default:
			return false
		}
	}
	return s != ""
}

// checkVarName refuses what no shell accepts as an environment variable
// name: [A-Za-z_][A-Za-z0-9_]*.
func checkVarName(name string) (string, error) {
	if !isName(name, "") {
		return "", fmt.Errorf("invalid environment variable name %q", name)
	}
	return name, nil
}

// reservedWords of bash, zsh, fish, PowerShell and nushell cannot name a function
// (or would shadow the language itself).
var reservedWords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "case": true, "esac": true,
	"for": true, "while": true, "until": true, "do": true, "done": true, "in": true, "select": true,
	"function": true, "time": true, "coproc": true, "repeat": true, "foreach": true, "end": true,
	"begin": true, "switch": true, "and": true, "or": true, "not": true, "return": true, "break": true,
	"continue": true, "exit": true, "set": true, "builtin": true, "command": true, "exec": true,
	"eval": true, "source": true, "test": true, "param": true, "filter": true, "trap": true, "throw": true,
	"try": true, "catch": true, "finally": true, "data": true, "dynamicparam": true, "process": true,
	"def": true, "let": true, "mut": true, "const": true, "alias": true, "extern": true, "module": true, "use": true,
	"hide": true, "overlay": true, "match": true, "loop": true, "export": true,
}

// checkFuncName refuses a --cmd name that is not a plain word in every
// shell, or that is one of the shells' own words.
func checkFuncName(name string) (string, error) {
	if !isName(name, "-") {
		return "", fmt.Errorf("invalid function name %q: use letters, digits, '_' and '-'", name)
	}
	if reservedWords[strings.ToLower(name)] {
		return "", fmt.Errorf("invalid function name %q: it is a shell keyword or builtin", name)
	}
	return name, nil
}

// errNUL is returned by every Quote: no environment variable can hold a NUL
// byte, and bash and fish would silently cut the value there.
func errNUL(s string) error {
	return fmt.Errorf("value contains a NUL byte, which no shell variable can hold (at byte %d)", strings.IndexByte(s, 0))
}

// Launch is how to start an interactive subshell that runs init code after
// the user's own rc files.
type Launch struct {
	Argv    []string // Argv[0] is the shell's path
	Env     []string // KEY=VALUE entries to add to the shell's environment
	Cleanup func()   // removes temporary files; call after the shell exits
}

// subsheller is implemented by the dialects that can start a subshell.
type subsheller interface {
	subshell(shellPath, initCode string) (*Launch, error)
}

// Subshell prepares an interactive shellPath of dialect d that runs initCode
// (the output of Init) at start-up. Credentials travel in the environment,
// never in initCode, so nothing secret is written to disk.
func Subshell(d Dialect, shellPath, initCode string) (*Launch, error) {
	s, ok := d.(subsheller)
	if !ok {
		return nil, fmt.Errorf("a %s subshell is not supported: use print mode (-O %s)", d.Name(), d.Name())
	}
	return s.subshell(shellPath, initCode)
}
