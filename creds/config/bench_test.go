package config

// Benchmarks of the warm path's profile resolution (issue #5), in a small
// and a 50,000-profile config file. Run:
//
//	go test -run '^$' -bench . -benchmem ./creds/config

import (
	"testing"

	"github.com/aws-runas/aws-runas/internal/credtest"
)

func benchFiles(b *testing.B, config string) Files {
	b.Helper()
	c, cr := credtest.WriteFiles(b, config, credtest.BenchCredentials)
	return Files{Config: c, Credentials: cr}
}

// BenchmarkResolve is what the warm path does with the config files: read
// them (Load) and follow prod's source_profile (Resolve).
func BenchmarkResolve(b *testing.B) {
	for _, size := range credtest.BenchSizes {
		b.Run(size.Name, func(b *testing.B) {
			files := benchFiles(b, credtest.BenchConfig(size.N))
			b.ReportAllocs()
			for b.Loop() {
				cfg, err := Load(files)
				if err != nil {
					b.Fatal(err)
				}
				ch, err := cfg.Resolve("prod")
				if err != nil || len(ch.Roles) != 1 {
					b.Fatal(ch, err)
				}
			}
		})
	}
}

// BenchmarkParseINI is the header scan alone, on data already in memory.
func BenchmarkParseINI(b *testing.B) {
	for _, size := range credtest.BenchSizes {
		b.Run(size.Name, func(b *testing.B) {
			data := []byte(credtest.BenchConfig(size.N))
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseINI("config", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
