package contract

import (
	"context"
	"sort"
	"sync"
	"time"
)

// BenchResult is the `bench` answer: how many calls, how many failed, how long it all took.
type BenchResult struct {
	Calls      int                `json:"calls"`
	Errors     int                `json:"errors"`
	WallMS     float64            `json:"wall_ms"`
	LatencyMS  map[string]float64 `json:"latency_ms"`
	FirstError *Status            `json:"first_error,omitempty"`
}

// bench makes the case's call n times, at most concurrency at once, each with its own deadline.
func (cl *call) bench(ctx context.Context, n, concurrency int) *BenchResult {
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		latencies = make([]float64, 0, n)
		res       = &BenchResult{Calls: n}
		slots     = make(chan struct{}, concurrency)
	)
	start := time.Now()
	for i := 0; i < n; i++ {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			began := time.Now()
			r := cl.run(ctx)
			ms := float64(time.Since(began).Microseconds()) / 1000
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, ms)
			if r.Status.Code != 0 {
				res.Errors++
				if res.FirstError == nil {
					res.FirstError = r.Status
				}
			}
		}()
	}
	wg.Wait()
	res.WallMS = float64(time.Since(start).Microseconds()) / 1000
	sort.Float64s(latencies)
	res.LatencyMS = map[string]float64{
		"p50": percentile(latencies, 50), "p90": percentile(latencies, 90),
		"p99": percentile(latencies, 99), "max": latencies[len(latencies)-1],
	}
	return res
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p int) float64 {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
