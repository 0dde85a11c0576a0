package contract

// The `bench` request: one case called many times, a bounded number at a time, summarised as
// counts and latency percentiles instead of statuses and responses.

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// BenchResult is the result's `bench` object.
type BenchResult struct {
	Calls      int                `json:"calls"`
	Errors     int                `json:"errors"`
	WallMS     float64            `json:"wall_ms"`
	LatencyMS  map[string]float64 `json:"latency_ms"`
	FirstError *Status            `json:"first_error,omitempty"`
}

func (cl *call) bench(ctx context.Context, conn grpc.ClientConnInterface, b Bench) *BenchResult {
	latencies := make([]float64, b.Calls)
	statuses := make([]*Status, b.Calls)
	next := make(chan int)
	var wg sync.WaitGroup
	started := time.Now()
	for w := 0; w < b.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				statuses[i] = cl.run(ctx, conn).Status
				latencies[i] = ms(time.Since(t))
			}
		}()
	}
	for i := 0; i < b.Calls; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	res := &BenchResult{Calls: b.Calls, WallMS: ms(time.Since(started)), LatencyMS: percentiles(latencies)}
	for _, s := range statuses { // in the order the calls were started
		if s.Code != 0 {
			res.Errors++
			if res.FirstError == nil {
				res.FirstError = s
			}
		}
	}
	return res
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentiles uses the nearest-rank definition, as every reference client does.
func percentiles(latencies []float64) map[string]float64 {
	sorted := append([]float64(nil), latencies...)
	sort.Float64s(sorted)
	if len(sorted) == 0 {
		sorted = []float64{0}
	}
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
		return sorted[max(i, 0)]
	}
	return map[string]float64{"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": sorted[len(sorted)-1]}
}
