package drift_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
)

// normalCSV writes rows of cols columns x0…: normal values with the given
// mean and scale, from a fixed seed.
func normalCSV(t testing.TB, path string, rows, cols int, seed uint64, mean, scale float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	for c := range cols {
		if c > 0 {
			b.WriteByte(',')
		}
		b.WriteString("x" + strconv.Itoa(c))
	}
	b.WriteByte('\n')
	for range rows {
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(mean+scale*r.NormFloat64()+float64(c), 'g', 10, 64))
		}
		b.WriteByte('\n')
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

func TestSketchIsCloseToExact(t *testing.T) {
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	normalCSV(t, ref, 20000, 2, 1, 10, 2)
	normalCSV(t, cur, 15000, 2, 2, 10.3, 2.2)
	run := func(limit int) *drift.Result {
		res, err := drift.Run(context.Background(), drift.Request{Reference: ref, Current: []string{cur}, ExactLimit: limit})
		require.NoError(t, err)
		return res
	}
	exact, approx := run(-1), run(5000)
	assert.Equal(t, 5000, approx.ExactLimit)
	for _, name := range exact.Columns {
		e, a := exact.Features[name], approx.Features[name]
		assert.False(t, e.Approximate)
		assert.True(t, a.Approximate, "%s: past the limit the statistics are approximate", name)
		assert.Equal(t, e.ReferenceCount, a.ReferenceCount)
		assert.Equal(t, "asymp", a.Method)
		// Values moved by at most 0.1% (of about 10) move the KS statistic
		// by the share of values within that distance of its argmax.
		assert.InDelta(t, e.Statistic, a.Statistic, 0.003, "%s KS", name)
		assert.InEpsilon(t, *e.Wasserstein, *a.Wasserstein, 0.01, "%s Wasserstein", name)
		assert.InDelta(t, *e.WassersteinNorm, *a.WassersteinNorm, 0.01, "%s Wasserstein/σ (σ exact)", name)
		assert.InDelta(t, e.PSI, a.PSI, 0.005, "%s PSI", name)
		assert.InDelta(t, e.JS, a.JS, 0.005, "%s JS", name)
		assert.Equal(t, e.Drifted, a.Drifted, "%s: the same decision", name)
		assert.Equal(t, *e.Distribution.Min, *a.Distribution.Min, "min is exact")
	}
}

func TestSketchRefusesAWordAfterTheLimit(t *testing.T) {
	dir := write(t, map[string]string{
		"ref.csv": "x\n1\n2\n3\n4\n5\n",
		"cur.csv": "x\n1\n2\n3\n4\nfive\n",
	})
	_, err := drift.Run(context.Background(), drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "cur.csv")}, ExactLimit: 3})
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
	assert.Contains(t, err.Error(), `"five" is not a number, after more than 3 numbers`)
	assert.Contains(t, err.Error(), "--categorical x")
}
