package shells

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	tparse "text/template/parse"

	"github.com/aws-runas/aws-runas/templates"
)

// outputFuncs are the only functions whose result a template may write:
// each makes its argument safe for the shell (or refuses it).
var outputFuncs = map[string]bool{"quote": true, "varname": true, "funcname": true}

// constFuncs may be written too, when called without arguments: their
// result is fixed code of the binary (the completion script), no data.
var constFuncs = map[string]bool{"completion": true}

// parseTemplateText parses one template file without checking function
// names, so that a function another dialect adds does not stop the walk.
func parseTemplateText(name, text string) (map[string]*tparse.Tree, error) {
	trees := map[string]*tparse.Tree{}
	tr := tparse.New(name)
	tr.Mode = tparse.SkipFuncCheck | tparse.ParseComments
	_, err := tr.Parse(text, "{{", "}}", trees)
	return trees, err
}

// unsafeActions lists, as "line: action", every action of the trees that
// writes a value not produced by an output function.
func unsafeActions(trees map[string]*tparse.Tree) []string {
	var bad []string
	var walk func(tr *tparse.Tree, n tparse.Node)
	walk = func(tr *tparse.Tree, n tparse.Node) {
		switch n := n.(type) {
		case nil:
		case *tparse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(tr, c)
			}
		case *tparse.TextNode, *tparse.CommentNode, *tparse.BreakNode, *tparse.ContinueNode:
		case *tparse.ActionNode:
			if !safePipe(n.Pipe) {
				loc, _ := tr.ErrorContext(n)
				bad = append(bad, fmt.Sprintf("%s: {{%s}} in %q", loc, n.Pipe, tr.ParseName))
			}
		case *tparse.IfNode:
			walk(tr, n.List)
			walk(tr, n.ElseList)
		case *tparse.RangeNode:
			walk(tr, n.List)
			walk(tr, n.ElseList)
		case *tparse.WithNode:
			walk(tr, n.List)
			walk(tr, n.ElseList)
		case *tparse.TemplateNode:
			// Runs another tree of the set, which is walked on its own.
		default:
			loc, _ := tr.ErrorContext(n)
			bad = append(bad, fmt.Sprintf("%s: unexpected node %T %s", loc, n, n))
		}
	}
	for _, tr := range trees {
		walk(tr, tr.Root)
	}
	return bad
}

// safePipe: a pipeline that declares variables writes nothing; any other
// writes the result of its last command, which must be an output function.
func safePipe(p *tparse.PipeNode) bool {
	if p == nil || len(p.Cmds) == 0 {
		return false
	}
	if len(p.Decl) > 0 {
		return true
	}
	last := p.Cmds[len(p.Cmds)-1]
	if len(last.Args) == 0 {
		return false
	}
	id, ok := last.Args[0].(*tparse.IdentifierNode)
	if ok && constFuncs[id.Ident] {
		return len(last.Args) == 1 && len(p.Cmds) == 1
	}
	return ok && outputFuncs[id.Ident]
}

func TestTemplatesQuoteEveryValue(t *testing.T) {
	files, err := fs.Glob(templates.FS, "*.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[strings.TrimSuffix(f, ".tmpl")] = true
		text, err := fs.ReadFile(templates.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		trees, err := parseTemplateText(f, string(text))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if trees[f] == nil {
			t.Errorf("%s: no template", f)
		}
		for _, b := range unsafeActions(trees) {
			t.Errorf("%s: action writes a value not passed through quote, varname or funcname: %s", f, b)
		}
	}
	for _, name := range Names() {
		for _, kind := range []string{"export", "init"} {
			if !seen[name+"."+kind] {
				t.Errorf("templates/%s.%s.tmpl is missing", name, kind)
			}
		}
	}
}

// The walk must catch what it is there to catch.
func TestTemplateWalkFindsUnquotedValues(t *testing.T) {
	bad := []string{
		`{{.Cmd}}`,
		`{{.}}`,
		`{{printf "%s" .Cmd}}`,
		`{{quote .Binary | printf "%s"}}`,
		`{{if .Prompt}}{{.Cmd}}{{end}}`,
		`{{if .Prompt}}{{else}}{{.Cmd}}{{end}}`,
		`{{range .Set}}export {{.Name}}={{quote .Value}}{{end}}`,
		`{{range .Set}}{{else}}{{$}}{{end}}`,
		`{{with .Cmd}}{{.}}{{end}}`,
		`{{define "init"}}{{html .Cmd}}{{end}}`,
		`{{block "b" .}}{{.Cmd}}{{end}}`,
		`{{$x := .Cmd}}{{$x}}`,
		`{{(quote .Cmd)}}`,
		`{{index .Set 0}}`,
		`{{completion .Cmd}}`,
		`{{.Cmd | completion}}`,
	}
	for _, text := range bad {
		trees, err := parseTemplateText("bad", text)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got := unsafeActions(trees); len(got) == 0 {
			t.Errorf("walk passed %s", text)
		}
	}
	good := []string{
		`{{range .Set}}export {{varname .Name}}={{quote .Value}}{{end}}`,
		`{{if and .Cmd (ne .Cmd "aws-runas")}}{{funcname .Cmd}}{{end}}`,
		`{{.Binary | quote}}`,
		`{{completion}}`,
		`{{$x := .Cmd}}{{funcname $x}}`,
		`{{define "x"}}{{/* c */}}text{{end}}{{template "x" .}}`,
	}
	for _, text := range good {
		trees, err := parseTemplateText("good", text)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got := unsafeActions(trees); len(got) != 0 {
			t.Errorf("walk refused %s: %v", text, got)
		}
	}
}
