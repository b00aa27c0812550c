// Package templates holds the shell code aws-runas prints, text/template
// files bundled into the binary, two per shell:
//
//	SHELL.export.tmpl  print mode: set .Set, remove .Unset (data: shells.Env)
//	SHELL.init.tmpl    rc-file integration and subshell start-up (data: shells.InitOptions)
//
// Print mode runs on every warm call and parses only its own few lines;
// the init file, with the comments that explain each shell rule, is parsed
// only by `aws-runas init` and the subshell.
//
// text/template escapes nothing: every value must pass through the shell's
// `quote` (or `varname`/`funcname`) function. shells/templates_test.go walks
// the parse trees and fails on any action that does not.
package templates

import "embed"

//go:embed *.tmpl
var FS embed.FS
