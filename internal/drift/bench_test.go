package drift_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/slipwayhq/slipway/internal/drift"
)

// benchmarkRun compares two CSVs of rows × 10 normal columns; limit is
// the exact limit (-1: every value exact).
func benchmarkRun(b *testing.B, rows, limit int) {
	dir := b.TempDir()
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	normalCSV(b, ref, rows, 10, 1, 0, 1)
	normalCSV(b, cur, rows, 10, 2, 0.05, 1.1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := drift.Run(context.Background(), drift.Request{Reference: ref, Current: []string{cur}, ExactLimit: limit}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*rows*10)/b.Elapsed().Seconds()*float64(b.N), "values/s")
}

func BenchmarkRun100kExact(b *testing.B)  { benchmarkRun(b, 100_000, -1) }
func BenchmarkRun100kSketch(b *testing.B) { benchmarkRun(b, 100_000, 10_000) }
func BenchmarkRun1MExact(b *testing.B)    { benchmarkRun(b, 1_000_000, -1) }
func BenchmarkRun1MSketch(b *testing.B)   { benchmarkRun(b, 1_000_000, 10_000) }
