package drift_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
)

// TestDistribution checks the bins a report draws are the ones PSI uses:
// the reference's deciles (a value on an edge counts above it) and the
// sorted categories, with every non-missing value counted once.
func TestDistribution(t *testing.T) {
	dir := write(t, map[string]string{
		"ref.csv": csvOf(100, 0, "a", "b"),
		"cur.csv": csvOf(50, 40, "b", "c"),
	})
	res, err := drift.Run(context.Background(), drift.Request{
		Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "cur.csv")},
	})
	require.NoError(t, err)

	x := res.Features["x"].Distribution
	require.NotNil(t, x, "numeric feature x has no distribution")
	assert.InDeltaSlice(t, []float64{9.9, 19.8, 29.7, 39.6, 49.5, 59.4, 69.3, 79.2, 89.1}, x.Edges, 1e-9, "edges: numpy.quantile(0..99, 0.1..0.9)")
	assert.Equal(t, []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, x.Reference)
	// 40..89: 40..49 is [39.6, 49.5) = 10, then 10 per bin up to 89 in [79.2, 89.1).
	assert.Equal(t, []int{0, 0, 0, 0, 10, 10, 10, 10, 10, 0}, x.Current)
	assert.Equal(t, res.Features["x"].Bins, len(x.Reference))
	assert.Equal(t, 0.0, *x.Min)
	assert.Equal(t, 99.0, *x.Max)

	k := res.Features["kind"].Distribution
	require.NotNil(t, k, "categorical feature kind has no distribution")
	assert.Equal(t, []string{"a", "b", "c"}, k.Categories)
	assert.Equal(t, []int{50, 50, 0}, k.Reference)
	assert.Equal(t, []int{0, 25, 25}, k.Current)
}
