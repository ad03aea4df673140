package drift_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// write writes files under a new folder and returns it.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

// csvOf makes a CSV of n rows: x rising by 1 from start, a category
// cycling through cats.
func csvOf(n int, start float64, cats ...string) string {
	var b strings.Builder
	b.WriteString("x,kind\n")
	for i := range n {
		b.WriteString(strconv.FormatFloat(start+float64(i), 'g', -1, 64) + "," + cats[i%len(cats)] + "\n")
	}
	return b.String()
}

func TestRunOnFiles(t *testing.T) {
	dir := write(t, map[string]string{
		"ref.csv":     csvOf(200, 0, "a", "b"),
		"same.csv":    csvOf(200, 0, "a", "b"),
		"shifted.csv": csvOf(200, 150, "a", "c"),
	})
	ctx := context.Background()
	same, err := drift.Run(ctx, drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "same.csv")}})
	require.NoError(t, err)
	assert.False(t, same.DatasetDrift, "identical data drifted: %+v", same)
	assert.NoError(t, same.Err())
	assert.Equal(t, 200, same.ReferenceRows)
	assert.Equal(t, []string{"x", "kind"}, same.Columns)

	shifted, err := drift.Run(ctx, drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "shifted.csv")}})
	require.NoError(t, err)
	assert.True(t, shifted.DatasetDrift, "shifted data did not drift: %+v", shifted)
	assert.Equal(t, fault.Denied, fault.KindOf(shifted.Err()), "dataset drift is a denial (exit 1)")
	x := shifted.Features["x"]
	require.NotNil(t, x)
	assert.Equal(t, "ks", x.Test)
	assert.InDelta(t, 0.75, x.Statistic, 1e-12, "KS statistic of two uniform runs overlapping by a quarter")
	assert.Equal(t, []string{"c"}, shifted.Features["kind"].UnseenCategories)

	// --ignore and stdin
	stdin, err := os.ReadFile(filepath.Join(dir, "shifted.csv"))
	require.NoError(t, err)
	onlyKind, err := drift.Run(ctx, drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{"-"}, Stdin: bytes.NewReader(stdin), Ignore: []string{"x"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"kind"}, onlyKind.Columns)
}

func TestRunOnTheArtifactsDataset(t *testing.T) {
	ctx := context.Background()
	model := write(t, map[string]string{
		"model.safetensors": "weights",
		"data/train.csv":    csvOf(100, 0, "a", "b"),
		"README.md":         "# m\n",
	})
	layout := filepath.Join(t.TempDir(), "store")
	local := oci.OpenLayout(layout)
	p, err := modelpack.Pack(ctx, local, modelpack.PackOptions{Dir: model, Name: "m", Version: "1.0.0", Epoch: time.Unix(0, 0)})
	require.NoError(t, err)
	require.NoError(t, local.Tag(ctx, p.Descriptor, "1.0.0"))
	cur := write(t, map[string]string{"today.csv": csvOf(100, 0, "a", "b")})

	res, err := drift.Run(ctx, drift.Request{Reference: "oci:" + layout + ":1.0.0", Current: []string{filepath.Join(cur, "today.csv")}})
	require.NoError(t, err)
	assert.Equal(t, "data/train.csv", res.ReferenceFile)
	assert.Contains(t, res.Reference, "@"+p.Descriptor.Digest.String(), "the reference is pinned by digest")
	assert.False(t, res.DatasetDrift)

	_, err = drift.Run(ctx, drift.Request{Reference: "oci:" + layout + ":1.0.0", ReferenceFile: "data/other.csv", Current: []string{filepath.Join(cur, "today.csv")}})
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
	assert.Contains(t, err.Error(), "data/train.csv", "the error lists the datasets there are")
}

func TestRunRefusesBadInput(t *testing.T) {
	dir := write(t, map[string]string{
		"ref.csv":      csvOf(50, 0, "a"),
		"empty.csv":    "",
		"header.csv":   "x,kind\n",
		"ragged.csv":   "x,kind\n1,a\n2\n",
		"one.csv":      "x,kind\n1,a\n",
		"dup.csv":      "x,x\n1,2\n3,4\n",
		"nameless.csv": "x,\n1,2\n3,4\n",
	})
	for _, tc := range []struct {
		name string
		req  drift.Request
		want string
	}{
		{"no reference", drift.Request{Current: []string{"x.csv"}}, "--reference is required"},
		{"missing reference", drift.Request{Reference: filepath.Join(dir, "nope.csv"), Current: []string{"x.csv"}}, "no such file"},
		{"no current", drift.Request{Reference: filepath.Join(dir, "ref.csv")}, "--current is required"},
		{"empty file", drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "empty.csv")}}, "empty.csv is empty"},
		{"header only", drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "header.csv")}}, "has a header but no data rows"},
		{"ragged row", drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "ragged.csv")}}, "ragged.csv, line 3"},
		{"one row", drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "one.csv")}}, "at least 2"},
		{"duplicate column", drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "dup.csv")}}, `column "x" appears twice`},
		{"nameless column", drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "nameless.csv")}}, "has no name"},
		{"unknown column", drift.Request{Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "ref.csv")}, Columns: []string{"y"}}, "--columns y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drift.Run(context.Background(), tc.req)
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// FuzzReadCSV feeds the CSV reader arbitrary bytes: it returns a table or
// a usage error, never panics, and never counts more values than rows.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("x,kind\n1,a\n2,b\n"))
	f.Add([]byte("x\n1\nNA\n\n"))
	f.Add([]byte("a,b\n1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tab drift.Table
		if err := tab.ReadCSV(bytes.NewReader(data), "fuzz.csv", nil); err != nil {
			if k := fault.KindOf(err); k != fault.Usage {
				t.Fatalf("ReadCSV error is %v, not usage: %v", k, err)
			}
			return
		}
		for _, c := range tab.Columns {
			if c.Count()+c.Missing != tab.Rows {
				t.Fatalf("column %q: %d values + %d missing != %d rows", c.Name, c.Count(), c.Missing, tab.Rows)
			}
		}
	})
}
