package shells

// Benchmarks of print mode's rendering (issue #5). Export parses the
// dialect's template on every call; BenchmarkTemplateParse and
// BenchmarkTemplateExecute split that cost. Run:
//
//	go test -run '^$' -bench . -benchmem ./shells

import (
	"bytes"
	"strings"
	"testing"
)

// benchEnv is what print mode renders for a cached role.
var benchEnv = Env{
	Set: []Var{
		{"AWS_ACCESS_KEY_ID", "ASIAHANKCP2AZNHH5SHW"},
		{"AWS_SECRET_ACCESS_KEY", "5lcQrlDJA9tzaejiIhnsyiNQesRVozjv80nc3Xtt"},
		{"AWS_SESSION_TOKEN", strings.Repeat("d7rLInTWqwnMRwNwvd2Ud6JOEBaF7utwyKaAO9PG", 6)},
		{"AWS_SECURITY_TOKEN", strings.Repeat("d7rLInTWqwnMRwNwvd2Ud6JOEBaF7utwyKaAO9PG", 6)},
		{"AWS_RUNAS_PROFILE", "prod"},
		{"AWS_RUNAS_ASSUMED_ROLE_ARN", "arn:aws:iam::123456789012:role/admin"},
		{"AWS_ROLE_SESSION_NAME", "aws-runas-session_123456789012_demo_1795327330"},
		{"AWS_REGION", "eu-west-1"},
		{"AWS_DEFAULT_REGION", "eu-west-1"},
		{"AWS_SESSION_EXPIRATION", "2026-11-22T07:02:10Z"},
		{"AWS_SESSION_EXPIRATION_UNIX", "1795330930"},
		{"AWS_CREDENTIAL_EXPIRATION", "2026-11-22T07:02:10Z"},
	},
	Unset: []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"},
}

func benchDialects(b *testing.B) []Dialect {
	var ds []Dialect
	for _, n := range Names() {
		d, err := Lookup(n)
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, d)
	}
	return ds
}

// BenchmarkExport is print mode's rendering as it runs today: parse the
// template file, then execute "export".
func BenchmarkExport(b *testing.B) {
	for _, d := range benchDialects(b) {
		b.Run(d.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Export(d, benchEnv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTemplateParse is the parse of the export template alone: what
// a template parsed once would save per run.
func BenchmarkTemplateParse(b *testing.B) {
	for _, d := range benchDialects(b) {
		b.Run(d.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parse(d, "export"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTemplateExecute is "export" on a template parsed beforehand.
func BenchmarkTemplateExecute(b *testing.B) {
	for _, d := range benchDialects(b) {
		b.Run(d.Name(), func(b *testing.B) {
			t, err := parse(d, "export")
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := t.Execute(&buf, benchEnv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQuote is one value through each dialect's quoting.
func BenchmarkQuote(b *testing.B) {
	v := benchEnv.Set[2].Value
	for _, d := range benchDialects(b) {
		b.Run(d.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Quote(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
