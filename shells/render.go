package shells

import (
	"bytes"
	"fmt"
	"text/template"

	"github.com/aws-runas/aws-runas/completions"
	"github.com/aws-runas/aws-runas/templates"
)

// parse loads d's template file with the functions every template may use.
func parse(d Dialect) (*template.Template, error) {
	funcs := template.FuncMap{
		"quote":    d.Quote,
		"varname":  checkVarName,
		"funcname": checkFuncName,
		// completion is the shell's completion script: fixed code from the
		// binary, no user data (templates_test.go allows it without arguments only).
		"completion": func() (string, error) { return completions.Script(d.Name()) },
	}
	return template.New(d.Name()).Funcs(funcs).ParseFS(templates.FS, d.Name()+".tmpl")
}

func render(d Dialect, name string, data any) (string, error) {
	t, err := parse(d)
	if err != nil {
		return "", fmt.Errorf("%s template: %w", d.Name(), err)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
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
