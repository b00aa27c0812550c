package credserver

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkRequest measures one credential request over a kept-alive
// connection, as an SDK makes it, and reports the p50 and p99 latency of
// 10,000 requests.
func BenchmarkRequest(b *testing.B) {
	f := newFixture(b)
	client := &http.Client{}
	get := func() {
		req, _ := http.NewRequest("GET", f.srv.URL(), nil)
		req.Header.Set("Authorization", f.srv.Token())
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	get()
	const n = 10000
	lat := make([]time.Duration, 0, n)
	b.ResetTimer()
	for b.Loop() {
		lat = lat[:0]
		for range n {
			t := time.Now()
			get()
			lat = append(lat, time.Since(t))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[n/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[n*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
}
