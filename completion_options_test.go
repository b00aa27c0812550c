package main

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jessevdk/go-flags"

	"github.com/aws-runas/aws-runas/completions"
)

// completedParsers are the option structs whose options every completion
// script must know: aws-runas's own and each subcommand's with options. sub
// names the script's marked line "value-taking options of aws-runas SUB:".
var completedParsers = []struct {
	sub  string
	data func() any
}{
	{"", func() any { return &options{} }},
	{"init", func() any { return &initOptions{} }},
	{"sso", func() any { return &ssoOptions{} }},
}

// parserOptions returns the visible option names (--long and -s) of data as
// go-flags reads them, with -h/--help, and those of them that take a value;
// hidden, every hidden option name.
func parserOptions(t *testing.T, data any) (visible, valued, hidden []string) {
	t.Helper()
	p := flags.NewNamedParser("aws-runas", flags.HelpFlag)
	if _, err := p.AddGroup("Options", "", data); err != nil {
		t.Fatal(err)
	}
	// go-flags adds -h/--help when it parses.
	if _, err := p.ParseArgs(nil); err != nil {
		t.Fatal(err)
	}
	var walk func(g *flags.Group)
	walk = func(g *flags.Group) {
		for _, o := range g.Options() {
			var names []string
			if o.LongName != "" {
				names = append(names, "--"+o.LongName)
			}
			if o.ShortName != 0 {
				names = append(names, "-"+string(o.ShortName))
			}
			switch {
			case o.Hidden:
				hidden = append(hidden, names...)
			case !takesValue(o.Field().Type):
				visible = append(visible, names...)
			default:
				visible = append(visible, names...)
				valued = append(valued, names...)
			}
		}
		for _, sub := range g.Groups() {
			walk(sub)
		}
	}
	walk(p.Command.Group)
	if len(visible) == 0 || !slices.Contains(visible, "--help") {
		t.Fatalf("read no options from %T (%q)", data, visible)
	}
	return visible, valued, hidden
}

// markedOptions reads the options on the line after the script's comment
// "value-taking options of aws-runas[ SUB]:", the list its parser uses to
// tell an option's value from the profile and the COMMAND.
func markedOptions(script, sub string) ([]string, bool) {
	marker := strings.TrimSpace("value-taking options of aws-runas "+sub) + ":"
	lines := strings.Split(script, "\n")
	var found []string
	n := 0
	for i, l := range lines {
		if !strings.Contains(l, "#") || !strings.HasSuffix(l, marker) || i+1 == len(lines) {
			continue
		}
		n++
		for _, f := range strings.FieldsFunc(lines[i+1], func(r rune) bool { return strings.ContainsRune(" \t'\"(),[]@=", r) }) {
			if len(f) > 1 && f[0] == '-' {
				found = append(found, f)
			}
		}
	}
	return found, n == 1
}

// TestCompletionsKnowEveryOption holds each shell's completion script to the
// options main.go declares: an option added there and forgotten in a script
// fails here. Every visible option is offered; every option taking a value
// is on the script's marked list, so the profile and COMMAND after it are
// found where parseArgs finds them (the completions package's tests show,
// in real shells, that the scripts act on that list); no hidden option is
// offered.
func TestCompletionsKnowEveryOption(t *testing.T) {
	for _, shell := range completions.Shells() {
		script, err := completions.Script(shell)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range completedParsers {
			what := strings.TrimSpace("aws-runas " + c.sub)
			visible, valued, hidden := parserOptions(t, c.data())
			for _, name := range visible {
				if !containsWord(script, name) {
					t.Errorf("%s completion does not offer %s %s", shell, what, name)
				}
			}
			for _, name := range hidden {
				if containsWord(script, name) {
					t.Errorf("%s completion mentions the hidden option %s", shell, name)
				}
			}
			marked, ok := markedOptions(script, c.sub)
			if !ok {
				t.Errorf("%s completion: no single line of value-taking options of %s", shell, what)
				continue
			}
			for _, name := range valued {
				if !slices.Contains(marked, name) {
					t.Errorf("%s completion does not know that %s %s takes a value", shell, what, name)
				}
			}
			// A name the parser does not know (an option of a branch not yet
			// merged) is let be; a flag taken for an option with a value
			// would swallow the profile.
			for _, name := range marked {
				if slices.Contains(visible, name) && !slices.Contains(valued, name) {
					t.Errorf("%s completion takes %s %s for an option with a value: it has none", shell, what, name)
				}
			}
		}
	}
}

// takesValue says whether go-flags reads an argument for a field of type
// t: not for a bool, a []bool or a func of no arguments (the help flag).
func takesValue(t reflect.Type) bool {
	switch {
	case t.Kind() == reflect.Bool, t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Bool:
		return false
	case t.Kind() == reflect.Func:
		return t.NumIn() > 0
	}
	return true
}

// containsWord says whether name occurs in s with no letter, digit, '_' or
// '-' either side of it.
func containsWord(s, name string) bool {
	return regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(name) + `($|[^\w-])`).MatchString(s)
}
