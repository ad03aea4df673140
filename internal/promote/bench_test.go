package promote

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// BenchmarkHistory reads a history of 1,000 records: the newest 20 (what
// `slipway history` shows) and all of them. It runs against the registry
// named by SLIPWAY_BENCH_REGISTRY (scripts/bench_promote.sh starts one) in
// the repository SLIPWAY_BENCH_HISTORY_REPO, seeding it when it has fewer
// records; without them, against an in-process registry. It reports the
// requests each read makes.
func BenchmarkHistory(b *testing.B) {
	const records = 1000
	ctx := context.Background()
	upstream := os.Getenv("SLIPWAY_BENCH_REGISTRY")
	if upstream == "" {
		upstream = registrytest.InProcess(b)
	}
	host, stats := registrytest.Counting(b, upstream)
	name := os.Getenv("SLIPWAY_BENCH_HISTORY_REPO")
	if name == "" {
		name = "bench/history"
	}
	store := repoIn(b, host, name)
	head, err := readHead(ctx, store, "production")
	if err != nil {
		b.Fatal(err)
	}
	if head.Count < records {
		d := pushImage(b, store, nil)
		seed(b, store, "production", d, records-head.Count)
	}
	for _, limit := range []int{20, 0} {
		b.Run("limit="+strconv.Itoa(limit), func(b *testing.B) {
			stats.Reset()
			for b.Loop() {
				recs, _, err := History(ctx, store, "production", limit)
				if err != nil {
					b.Fatal(err)
				}
				want := limit
				if limit == 0 {
					want = records
				}
				if len(recs) < want {
					b.Fatalf("History(limit %d) gave %d records, want %d", limit, len(recs), want)
				}
			}
			b.ReportMetric(float64(len(stats.Requests()))/float64(b.N), "requests/op")
		})
	}
}
