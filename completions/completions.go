// Package completions holds the tab-completion scripts of aws-runas, one per
// shell, bundled into the binary for `aws-runas completion SHELL` and for the
// init code of `aws-runas init SHELL`.
//
// Each script completes options, the values of -O, --saml-provider,
// --web-identity-provider and --prompt, files for --path, profile names (by
// running the binary the user typed with -l, or `aws-runas -l` when that word
// is a shell function such as the init wrapper), the subcommands init,
// completion, doctor [PROFILE] and sso (login, logout, list, config; profile
// names after login and logout), and the COMMAND after the profile (or after
// -p NAME, or after PROFILE --), handing it to that command's own completion.
// A lone `--` before the profile only ends the options: the next word is
// still the profile, as the parser in main.go reads it.
//
// Which options take a value decides where the profile and the COMMAND
// start, so each script keeps them on one line, after the comment
// "value-taking options of aws-runas:" (and "... aws-runas init:", "...
// aws-runas sso:" for those subcommands), and its parser reads that list.
// The root package's test holds these lines and the offered options to
// main.go's option structs. A wrapper under another name
// reuses them: bash `complete -F _aws_runas NAME`, zsh `compdef _aws_runas
// NAME`, fish `complete -c NAME -w aws-runas`. When the binary is not on PATH
// as aws-runas, a shell variable __aws_runas_bin (PowerShell:
// $global:__aws_runas_bin) may name it.
package completions

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed aws-runas.bash
var bashScript string

//go:embed _aws-runas
var zshScript string

//go:embed aws-runas.fish
var fishScript string

//go:embed aws-runas.ps1
var powershellScript string

//go:embed aws-runas.nu
var nuScript string

// NuExtern declares the binary to nushell with the completer of nuScript.
// `aws-runas init nu` writes it only when its wrapper has another name:
// nushell refuses two definitions of a name in one file.
//
// The completer is the command's (@complete), not the parameter's: nushell
// asks a parameter's completer for no word that starts with "-".
const NuExtern = "@complete __aws_runas_complete_spans\nextern \"aws-runas\" [...args: string]\n"

// Shells lists the shells Script knows, canonical names only (Script also
// takes pwsh for powershell, nushell for nu).
func Shells() []string { return []string{"bash", "zsh", "fish", "powershell", "nu"} }

// Script returns the completion script for shell: bash, zsh, fish,
// powershell or its alias pwsh, nu or its alias nushell.
func Script(shell string) (string, error) {
	switch shell {
	case "bash":
		return bashScript, nil
	case "zsh":
		return zshScript, nil
	case "fish":
		return fishScript, nil
	case "powershell", "pwsh":
		return powershellScript, nil
	case "nu", "nushell":
		return nuScript + "\n# The binary itself.\n" + NuExtern, nil
	}
	return "", fmt.Errorf("no completion for shell %q: want one of %s (or pwsh)", shell, strings.Join(Shells(), ", "))
}

// InitScript is the completion that `aws-runas init SHELL` embeds: Script,
// except that for nushell the init writes NuExtern itself, when its wrapper
// does not take the name.
func InitScript(shell string) (string, error) {
	if shell == "nu" || shell == "nushell" {
		return nuScript, nil
	}
	return Script(shell)
}
