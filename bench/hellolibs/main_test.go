package main

import (
	"go/parser"
	"go/token"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestImportsEveryLibrary fails when aws-runas starts or stops importing a
// library and main.go's list was not changed with it: the benchmark's
// "every library" line would otherwise measure something else.
func TestImportsEveryLibrary(t *testing.T) {
	const module = "github.com/aws-runas/aws-runas"
	// Every package linked into the aws-runas binary, with whether it is
	// the standard library's and what it imports.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{join .Imports \" \"}}", module).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	standard := map[string]bool{}
	own := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		standard[f[0]] = f[1] == "true"
		if f[0] == module || strings.HasPrefix(f[0], module+"/") {
			own[f[0]] = f[2:]
		}
	}
	var want []string
	for _, imports := range own {
		for _, p := range imports {
			if _, ok := own[p]; !ok && !standard[p] && !slices.Contains(want, p) {
				want = append(want, p)
			}
		}
	}
	slices.Sort(want)

	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, spec := range f.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		if strings.Contains(p, ".") {
			got = append(got, p)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("main.go blank-imports\n  %s\naws-runas imports\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
