// Package templates holds the shell code aws-runas prints, one text/template
// file per shell, bundled into the binary.
//
// Each file defines the same named templates:
//
//	"export"  print mode: set .Set, remove .Unset (data: shells.Env)
//	"init"    rc-file integration and subshell start-up (data: shells.InitOptions)
//
// text/template escapes nothing: every value must pass through the shell's
// `quote` (or `varname`/`funcname`) function. shells/templates_test.go walks
// the parse trees and fails on any action that does not.
package templates

import "embed"

//go:embed *.tmpl
var FS embed.FS
