package creds

// Benchmarks of the warm path (issue #5): profile resolution in a small and
// a 50,000-profile config file, cache reads, and a whole cached Get. Run:
//
//	go test -run '^$' -bench . -benchmem ./creds

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const benchSmallConfig = `[default]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/demo

[profile prod]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = default
region = eu-west-1

[profile ro]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = default
`

const benchCredentials = `[default]
aws_access_key_id = AKIADEMO00000EXAMPLE
aws_secret_access_key = demo/secret/key/for/the/sts/test/server0
`

// benchLargeConfig is benchSmallConfig followed by n role profiles, the
// same shape as bench/compare's, with a second [profile prod] section last.
func benchLargeConfig(n int) string {
	var b strings.Builder
	b.WriteString(benchSmallConfig)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\n[profile team%05d-dev]\nrole_arn = arn:aws:iam::%012d:role/developer\nsource_profile = default\nregion = us-east-1\n", i, 100000000000+i)
	}
	b.WriteString("\n[profile prod]\nregion = eu-west-1\n")
	return b.String()
}

func benchFiles(b *testing.B, config string) Files {
	b.Helper()
	dir := b.TempDir()
	f := Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(f.Config, []byte(config), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(f.Credentials, []byte(benchCredentials), 0o600); err != nil {
		b.Fatal(err)
	}
	return f
}

var benchSizes = []struct {
	name string
	n    int
}{{"small", 0}, {"50k", 50000}}

// BenchmarkResolve is what the warm path does with the config files: read
// them (Load) and follow prod's source_profile (Resolve).
func BenchmarkResolve(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			files := benchFiles(b, benchLargeConfig(size.n))
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
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			data := []byte(benchLargeConfig(size.n))
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

func benchEntry(now time.Time) *entry {
	return &entry{
		AccessKeyID: "ASIAHANKCP2AZNHH5SHW", SecretAccessKey: "5lcQrlDJA9tzaejiIhnsyiNQesRVozjv80nc3Xtt",
		SessionToken: strings.Repeat("d7rLInTWqwnMRwNwvd2Ud6JOEBaF7utwyKaAO9PG", 6),
		Expiration:   now.Add(time.Hour).UTC().Truncate(time.Second),
		RoleARN:      "arn:aws:iam::123456789012:role/admin", SourceKeyID: "AKIADEMO00000EXAMPLE",
		RoleSessionName: "aws-runas-session_123456789012_demo_1795327330",
	}
}

// BenchmarkCacheLoad reads one cached entry: open, fstat, JSON decode.
func BenchmarkCacheLoad(b *testing.B) {
	now := time.Now()
	c := &Cache{Dir: b.TempDir()}
	c.store(roleKind, "prod", benchEntry(now))
	b.ReportAllocs()
	for b.Loop() {
		if e := c.load(roleKind, "prod", now); e == nil {
			b.Fatal("no entry")
		}
	}
}

// BenchmarkCacheLock is the flock taken around every cache read.
func BenchmarkCacheLock(b *testing.B) {
	c := &Cache{Dir: b.TempDir()}
	b.ReportAllocs()
	for b.Loop() {
		c.lock(roleKind, "prod")()
	}
}

// BenchmarkWarmGet is the whole warm path of the creds package: Load,
// Resolve, lock, cache read; no STS client is built.
func BenchmarkWarmGet(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			files := benchFiles(b, benchLargeConfig(size.n))
			now := time.Now()
			cache := &Cache{Dir: filepath.Dir(files.Config)}
			cache.store(roleKind, "prod", benchEntry(now))
			getenv := func(string) string { return "" }
			b.ReportAllocs()
			for b.Loop() {
				cfg, err := Load(files)
				if err != nil {
					b.Fatal(err)
				}
				p := &Provider{Config: cfg, Cache: cache, Getenv: getenv, Now: func() time.Time { return now }}
				res, err := p.Get(context.Background(), Request{Profile: "prod"})
				if err != nil || res.RoleARN == "" {
					b.Fatal(res, err)
				}
			}
		})
	}
}
