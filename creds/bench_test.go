package creds

// Benchmark of the whole warm path (issue #5): Load, Resolve, lock, cache
// read. The parts have theirs in creds/config and creds/cache. Run:
//
//	go test -run '^$' -bench . -benchmem ./creds

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/credtest"
)

// BenchmarkWarmGet is the whole warm path of the creds package: Load,
// Resolve, lock, cache read; no STS client is built.
func BenchmarkWarmGet(b *testing.B) {
	for _, size := range credtest.BenchSizes {
		b.Run(size.Name, func(b *testing.B) {
			c, cr := credtest.WriteFiles(b, credtest.BenchConfig(size.N), credtest.BenchCredentials)
			files := config.Files{Config: c, Credentials: cr}
			now := time.Now()
			cc := &cache.Cache{Dir: filepath.Dir(files.Config)}
			cc.Store(cache.Role, "prod", credtest.BenchEntry(now))
			getenv := func(string) string { return "" }
			b.ReportAllocs()
			for b.Loop() {
				cfg, err := config.Load(files)
				if err != nil {
					b.Fatal(err)
				}
				p := &Provider{Config: cfg, Cache: cc, Getenv: getenv, Now: func() time.Time { return now }}
				res, err := p.Get(context.Background(), Request{Profile: "prod"})
				if err != nil || res.RoleARN == "" {
					b.Fatal(res, err)
				}
			}
		})
	}
}
