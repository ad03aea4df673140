package drift_test

import (
	"bytes"
	"context"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// record is one row of the test data: pointers are optional columns, nil
// a null.
type record struct {
	X     *float64 `parquet:"x,optional"`
	N     *int64   `parquet:"n,optional"`
	Small int32    `parquet:"small"`
	Ratio float32  `parquet:"ratio"`
	Price int64    `parquet:"price,decimal(2:18)"`
	Kind  *string  `parquet:"kind,optional"`
	Flag  bool     `parquet:"flag"`
}

// records makes n rows: numbers shifted by shift, a category cycling
// through cats, a null every seventh row in the optional columns.
func records(n int, shift float64, cats ...string) []record {
	rs := make([]record, n)
	for i := range rs {
		r := record{
			Small: int32(i%13) - 6,
			Ratio: float32(i%10) / 4,
			Price: int64(i*37%1000) + int64(shift),
			Flag:  i%3 == 0,
		}
		if i%7 != 3 {
			x := math.Sin(float64(i))*10 + shift
			n := int64(i*i%97) + int64(shift)
			k := cats[i%len(cats)]
			r.X, r.N, r.Kind = &x, &n, &k
		}
		if i%11 == 5 {
			nan := math.NaN() // missing, as "NaN" is in a CSV
			r.X = &nan
		}
		rs[i] = r
	}
	return rs
}

// parquetOf writes rows as Parquet in small pages and row groups, so the
// reader crosses both.
func parquetOf(t testing.TB, rows []record) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[record](&b, parquet.PageBufferSize(128), parquet.MaxRowsPerRowGroup(64))
	for i := 0; i < len(rows); i += 8 { // a page ends only between writes
		_, err := w.Write(rows[i:min(i+8, len(rows))])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return b.Bytes()
}

// csvOfRecords writes the same rows as CSV, a null as an empty cell.
func csvOfRecords(rows []record) string {
	var b strings.Builder
	b.WriteString("x,n,small,ratio,price,kind,flag\n")
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range rows {
		cells := []string{"", "", strconv.Itoa(int(r.Small)), f(float64(r.Ratio)), strconv.FormatFloat(float64(r.Price)/100, 'f', 2, 64), "", strconv.FormatBool(r.Flag)}
		if r.X != nil {
			cells[0] = f(*r.X)
		}
		if r.N != nil {
			cells[1] = strconv.FormatInt(*r.N, 10)
		}
		if r.Kind != nil {
			cells[5] = *r.Kind
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	return b.String()
}

func TestParquetGivesTheSameResultAsCSV(t *testing.T) {
	ref, cur := records(300, 0, "a", "b", "c"), records(250, 3, "a", "b", "d")
	dir := write(t, map[string]string{
		"ref.csv":     csvOfRecords(ref),
		"cur.csv":     csvOfRecords(cur),
		"ref.parquet": string(parquetOf(t, ref)),
		"cur.parquet": string(parquetOf(t, cur)),
		// no extension: told by its PAR1 magic bytes
		"cur.bin": string(parquetOf(t, cur)),
	})
	at := func(n string) string { return filepath.Join(dir, n) }
	ctx := context.Background()
	fromCSV, err := drift.Run(ctx, drift.Request{Reference: at("ref.csv"), Current: []string{at("cur.csv")}})
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		ref, cur string
	}{
		{"parquet both", "ref.parquet", "cur.parquet"},
		{"parquet reference", "ref.parquet", "cur.csv"},
		{"parquet current", "ref.csv", "cur.parquet"},
		{"magic bytes", "ref.parquet", "cur.bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := drift.Run(ctx, drift.Request{Reference: at(tc.ref), Current: []string{at(tc.cur)}})
			require.NoError(t, err)
			got.Reference, got.Current = fromCSV.Reference, fromCSV.Current
			assert.Equal(t, fromCSV, got, "drift from %s vs %s differs from the same data in CSV", tc.ref, tc.cur)
		})
	}

	// the kinds the Parquet types map to, and the nulls counted
	f := fromCSV.Features
	for col, kind := range map[string]string{"x": drift.KindNumeric, "n": drift.KindNumeric, "small": drift.KindNumeric, "ratio": drift.KindNumeric, "price": drift.KindNumeric, "kind": drift.KindCategorical, "flag": drift.KindCategorical} {
		require.Contains(t, f, col)
		assert.Equal(t, kind, f[col].Kind, "column %s", col)
	}
	assert.Equal(t, 66, f["x"].ReferenceMissing, "x: 43 nulls (i%7 == 3) and 27 NaNs (i%11 == 5), 4 rows both, in 300 rows")
	assert.Equal(t, 43, f["kind"].ReferenceMissing)
	assert.Equal(t, []string{"d"}, f["kind"].UnseenCategories)
}

func TestParquetStringsOfDigitsAreCategorical(t *testing.T) {
	type row struct {
		Code string `parquet:"code"`
	}
	var b bytes.Buffer
	w := parquet.NewGenericWriter[row](&b)
	_, err := w.Write([]row{{"1"}, {"2"}, {"2"}})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	var tab drift.Table
	require.NoError(t, tab.ReadParquet(bytes.NewReader(b.Bytes()), int64(b.Len()), "codes.parquet", nil))
	c := tab.Column("code")
	require.NotNil(t, c)
	assert.False(t, c.IsNumeric, "a BYTE_ARRAY string column is categorical even when it holds digits")
	assert.Equal(t, map[string]int{"1": 1, "2": 2}, c.Categories)
}

func TestRunOnTheArtifactsParquetDataset(t *testing.T) {
	ctx := context.Background()
	rows := records(120, 0, "a", "b")
	model := write(t, map[string]string{
		"model.safetensors":  "weights",
		"data/train.parquet": string(parquetOf(t, rows)),
		"README.md":          "# m\n",
	})
	layout := filepath.Join(t.TempDir(), "store")
	local := oci.OpenLayout(layout)
	p, err := modelpack.Pack(ctx, local, modelpack.PackOptions{Dir: model, Name: "m", Version: "1.0.0", Epoch: time.Unix(0, 0)})
	require.NoError(t, err)
	require.NoError(t, local.Tag(ctx, p.Descriptor, "1.0.0"))
	cur := write(t, map[string]string{"today.csv": csvOfRecords(rows)})

	res, err := drift.Run(ctx, drift.Request{Reference: "oci:" + layout + ":1.0.0", Current: []string{filepath.Join(cur, "today.csv")}})
	require.NoError(t, err)
	assert.Equal(t, "data/train.parquet", res.ReferenceFile)
	assert.Contains(t, res.Reference, "@"+p.Descriptor.Digest.String(), "the reference is pinned by digest")
	assert.Equal(t, 120, res.ReferenceRows)
	assert.False(t, res.DatasetDrift, "the same data drifted: %+v", res)
	assert.Zero(t, res.Drifted)
}

func TestRunOnAFolder(t *testing.T) {
	ref, cur := records(200, 0, "a", "b"), records(200, 0, "a", "b")
	dir := write(t, map[string]string{
		"ref.csv":                csvOfRecords(ref),
		"all.csv":                csvOfRecords(cur),
		"days/1.csv":             csvOfRecords(cur[:50]),
		"days/2.parquet":         string(parquetOf(t, cur[50:120])),
		"days/3.CSV":             csvOfRecords(cur[120:]),
		"days/notes.txt":         "not data",
		"days/deeper/4.csv":      csvOfRecords(cur), // not read: folders are not recursed
		"empty/readme.md":        "nothing here",
		"empty/sub/hidden.csv":   csvOfRecords(cur),
		"bad/0.csv":              csvOfRecords(cur[:10]),
		"bad/1.parquet":          "PAR1 not really",
		"nodata/skipped.parquet": "",
	})
	at := func(n string) string { return filepath.Join(dir, n) }
	ctx := context.Background()
	whole, err := drift.Run(ctx, drift.Request{Reference: at("ref.csv"), Current: []string{at("all.csv")}})
	require.NoError(t, err)
	split, err := drift.Run(ctx, drift.Request{Reference: at("ref.csv"), Current: []string{at("days")}})
	require.NoError(t, err)
	assert.Equal(t, []string{at("days/1.csv"), at("days/2.parquet"), at("days/3.CSV")}, split.Current, "the folder's data files, sorted")
	split.Current = whole.Current
	assert.Equal(t, whole, split, "a folder of the pieces gives what the whole file gives")

	for _, tc := range []struct {
		name string
		cur  string
		want string
	}{
		{"empty folder", "empty", "holds no .csv or .parquet file"},
		{"a bad file in the folder", "bad", "1.parquet is not a valid Parquet file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drift.Run(ctx, drift.Request{Reference: at("ref.csv"), Current: []string{at(tc.cur)}})
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRunRefusesBadParquet(t *testing.T) {
	good := parquetOf(t, records(100, 0, "a", "b"))
	flipped := bytes.Clone(good)
	// the footer: its Thrift metadata sits before the 4-byte length and PAR1
	for i := len(flipped) - 40; i < len(flipped)-8; i++ {
		flipped[i] ^= 0xA5
	}
	badLength := bytes.Clone(good)
	copy(badLength[len(badLength)-8:], []byte{0xff, 0xff, 0xff, 0x7f})
	type onlyNulls struct {
		X *float64 `parquet:"x,optional"`
	}
	var header bytes.Buffer
	w := parquet.NewGenericWriter[onlyNulls](&header)
	require.NoError(t, w.Close())
	dir := write(t, map[string]string{
		"ref.csv":        csvOfRecords(records(100, 0, "a", "b")),
		"good.parquet":   string(good),
		"trunc.parquet":  string(good[:len(good)*2/3]),
		"tail.parquet":   string(good[:len(good)-3]),
		"flip.parquet":   string(flipped),
		"len.parquet":    string(badLength),
		"empty.parquet":  "",
		"norows.parquet": header.String(),
		"text.parquet":   "x,kind\n1,a\n2,b\n",
	})
	at := func(n string) string { return filepath.Join(dir, n) }
	for _, tc := range []struct {
		name, ref, cur, want string
	}{
		{"truncated current", "ref.csv", "trunc.parquet", "trunc.parquet is not a valid Parquet file"},
		{"footer cut", "ref.csv", "tail.parquet", "tail.parquet is not a valid Parquet file"},
		{"footer bytes flipped", "ref.csv", "flip.parquet", "flip.parquet"},
		{"footer length flipped", "ref.csv", "len.parquet", "len.parquet is not a valid Parquet file"},
		{"truncated reference", "trunc.parquet", "good.parquet", "trunc.parquet is not a valid Parquet file"},
		{"empty", "ref.csv", "empty.parquet", "empty.parquet is not a valid Parquet file"},
		{"no rows", "ref.csv", "norows.parquet", "norows.parquet has columns but no data rows"},
		{"CSV named .parquet", "ref.csv", "text.parquet", "text.parquet is not a valid Parquet file"},
		{"missing parquet reference", "nope.parquet", "good.parquet", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drift.Run(context.Background(), drift.Request{Reference: at(tc.ref), Current: []string{at(tc.cur)}})
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// hugePage rewrites the first page header of a valid file (at byte 4) to
// claim size bytes, compressed and uncompressed.
func hugePage(t *testing.T, good []byte, size int32) []byte {
	t.Helper()
	var compact thrift.CompactProtocol
	r := &countingReader{r: bytes.NewReader(good[4:])}
	var h format.PageHeader
	require.NoError(t, thrift.NewDecoder(compact.NewReader(r)).Decode(&h))
	h.CompressedPageSize, h.UncompressedPageSize = size, size
	header, err := thrift.Marshal(&compact, &h)
	require.NoError(t, err)
	out := append([]byte("PAR1"), header...)
	return append(out, good[4+r.n:]...)
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestReadParquetBoundsWhatAPageHeaderClaims: parquet-go allocates the
// size a page header claims before reading the page; a 20 KB file must not
// cost a gigabyte.
func TestReadParquetBoundsWhatAPageHeaderClaims(t *testing.T) {
	huge := hugePage(t, parquetOf(t, records(50, 0, "a")), 1<<30)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var tab drift.Table
	err := tab.ReadParquet(bytes.NewReader(huge), int64(len(huge)), "huge.parquet", nil)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
	assert.Contains(t, err.Error(), "huge.parquet is not a valid Parquet file")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated reading a %d-byte file whose page claims 1 GiB", len(huge))
}

// FuzzReadParquet feeds the Parquet reader arbitrary bytes, seeded with a
// valid file: it returns a table or a usage error, never panics, and never
// counts more values than rows.
func FuzzReadParquet(f *testing.F) {
	f.Add(parquetOf(f, records(20, 0, "a", "b")))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tab drift.Table
		if err := tab.ReadParquet(bytes.NewReader(data), int64(len(data)), "fuzz.parquet", nil); err != nil {
			if k := fault.KindOf(err); k != fault.Usage {
				t.Fatalf("ReadParquet error is %v, not usage: %v", k, err)
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
