package cache_test

// Benchmarks of the warm path's cache reads (issue #5). Run:
//
//	go test -run '^$' -bench . -benchmem ./creds/cache

import (
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/internal/credtest"
)

// BenchmarkCacheLoad reads one cached entry: open, fstat, JSON decode.
func BenchmarkCacheLoad(b *testing.B) {
	now := time.Now()
	c := &cache.Cache{Dir: b.TempDir()}
	c.Store(cache.Role, "prod", credtest.BenchEntry(now))
	b.ReportAllocs()
	for b.Loop() {
		if e := c.Load(cache.Role, "prod", now); e == nil {
			b.Fatal("no entry")
		}
	}
}

// BenchmarkCacheLock is the flock taken around every cache read.
func BenchmarkCacheLock(b *testing.B) {
	c := &cache.Cache{Dir: b.TempDir()}
	b.ReportAllocs()
	for b.Loop() {
		c.Lock(cache.Role, "prod")()
	}
}
