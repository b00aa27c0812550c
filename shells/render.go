package shells

import (
	"bytes"
	"fmt"
	"text/template"

	"github.com/aws-runas/aws-runas/completions"
	"github.com/aws-runas/aws-runas/templates"
)

// parse loads d's template of one kind (templates/<shell>.<kind>.tmpl:
// "export" or "init") with the functions every template may use. Print
// mode, on the warm path, parses only its own few lines.
func parse(d Dialect, kind string) (*template.Template, error) {
	funcs := template.FuncMap{
		"quote":    d.Quote,
		"varname":  checkVarName,
		"funcname": checkFuncName,
		// completion is the shell's completion script: fixed code from the
		// binary, no user data (templates_test.go allows it without arguments only).
		"completion": func() (string, error) { return completions.InitScript(d.Name()) },
	}
	name := d.Name() + "." + kind + ".tmpl"
	return template.New(name).Funcs(funcs).ParseFS(templates.FS, name)
}

func render(d Dialect, kind string, data any) (string, error) {
	t, err := parse(d, kind)
	if err != nil {
		return "", fmt.Errorf("%s template: %w", d.Name(), err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Export renders the code that applies env to a running shell. Every value
// is checked first, so that a value the shell cannot hold is reported by
// its variable's name (text/template would name only the template action),
// and never by its content, which may be a secret.
func Export(d Dialect, env Env) (string, error) {
	for _, v := range env.Set {
		if _, err := d.Quote(v.Value); err != nil {
			return "", fmt.Errorf("cannot set %s in %s: %w", v.Name, d.Name(), err)
		}
	}
	return render(d, "export", env)
}

// Init renders the rc-file integration for d.
func Init(d Dialect, o InitOptions) (string, error) { return render(d, "init", o) }
