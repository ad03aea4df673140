package drift

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/slipwayhq/slipway/internal/fault"
)

// parquetMagic opens and ends every Parquet file.
var parquetMagic = []byte("PAR1")

// isParquet tells a Parquet file by its first bytes.
func isParquet(head []byte) bool { return bytes.HasPrefix(head, parquetMagic) }

// valueBatch is how many values are decoded at a time: a page is read
// through one reused buffer, never the whole file as rows.
const valueBatch = 4096

// ReadParquet appends the rows of one Parquet file to t, column by column,
// row group by row group, page by page. Columns are matched by name like a
// CSV header's. INT32, INT64, FLOAT and DOUBLE columns (decimals as their
// value) are numeric; strings, booleans and other types are categorical;
// nulls and NaN are missing. A file that is not Parquet, is corrupt or is
// truncated is a usage error naming source.
func (t *Table) ReadParquet(r io.ReaderAt, size int64, source string, categorical map[string]bool) (err error) {
	defer func() {
		// parquet-go decodes untrusted bytes; a panic in it is a corrupt
		// file, not a crash.
		if p := recover(); p != nil {
			err = fault.Usagef("%s is not a valid Parquet file (%v); is it corrupt or truncated?", source, p)
		}
	}()
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return fault.Usagef("%s is not a valid Parquet file (%v); is it corrupt or truncated?", source, err)
	}
	if err := checkPages(r, size, f.Metadata()); err != nil {
		return fault.Usagef("%s is not a valid Parquet file (%v); is it corrupt or truncated?", source, err)
	}
	leaves := f.Root().Columns()
	if len(leaves) == 0 {
		return fault.Usagef("%s is a Parquet file with no columns", source)
	}
	names := make([]string, len(leaves))
	conv := make([]converter, len(leaves))
	for i, c := range leaves {
		if !c.Leaf() || c.MaxRepetitionLevel() > 0 {
			return fault.Usagef("%s: column %q is nested or repeated; only flat columns can be compared", source, c.Name())
		}
		names[i] = c.Name()
		conv[i] = converterOf(c.Type())
	}
	cols, err := t.bind(names, source, categorical)
	if err != nil {
		return err
	}
	for i, c := range cols {
		if conv[i].categorical {
			c.toCategorical()
		}
	}
	buf := make([]parquet.Value, valueBatch)
	var rows int64
	for g, rg := range f.RowGroups() {
		n := rg.NumRows()
		chunks := rg.ColumnChunks()
		if n < 0 || len(chunks) != len(leaves) {
			return fault.Usagef("%s: row group %d is corrupt (%d rows, %d of %d columns)", source, g, n, len(chunks), len(leaves))
		}
		for i, chunk := range chunks {
			got, err := readChunk(chunk, cols[i], conv[i], buf)
			if err != nil {
				return fault.Usagef("%s: column %q, row group %d: %v; is the file corrupt or truncated?", source, names[i], g, err)
			}
			if got != n {
				return fault.Usagef("%s: column %q, row group %d holds %d values for %d rows; the file is corrupt", source, names[i], g, got, n)
			}
		}
		rows += n
	}
	if rows == 0 {
		return fault.Usagef("%s has columns but no data rows", source)
	}
	t.Rows += int(rows)
	return t.columnErr(source)
}

// Bounds on one page, far above what writers make (1 MiB pages are the
// norm): parquet-go allocates what a page header claims before reading
// it, so a hostile header of a few bytes could ask for gigabytes.
const (
	maxPageBytes  = 64 << 20
	maxPageValues = 1 << 24
)

// checkPages walks the page headers of every column chunk before
// parquet-go decodes a page: each chunk must lie inside the file, each
// page inside its chunk, within maxPageBytes and maxPageValues.
func checkPages(r io.ReaderAt, size int64, md *format.FileMetaData) error {
	for g, rg := range md.RowGroups {
		for i, cc := range rg.Columns {
			m := cc.MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
				start = m.DictionaryPageOffset
			}
			end := start + m.TotalCompressedSize
			if start < int64(len(parquetMagic)) || m.TotalCompressedSize < 0 || end < start || end > size {
				return fmt.Errorf("row group %d, column %d: its chunk (bytes %d to %d) lies outside the file's %d bytes", g, i, start, end, size)
			}
			for pos := start; pos < end; {
				n, h, err := pageHeader(r, pos, end)
				if err != nil {
					return fmt.Errorf("row group %d, column %d, page at byte %d: %w", g, i, pos, err)
				}
				values := int32(0)
				switch {
				case h.DataPageHeader.Valid:
					values = h.DataPageHeader.V.NumValues
				case h.DataPageHeaderV2.Valid:
					values = h.DataPageHeaderV2.V.NumValues
				case h.DictionaryPageHeader.Valid:
					values = h.DictionaryPageHeader.V.NumValues
				}
				switch {
				case h.CompressedPageSize < 0 || int64(h.CompressedPageSize) > end-pos-n:
					return fmt.Errorf("row group %d, column %d: a page of %d bytes at byte %d overruns its chunk", g, i, h.CompressedPageSize, pos)
				case h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxPageBytes:
					return fmt.Errorf("row group %d, column %d: a page claims %d bytes uncompressed (at most %d are read)", g, i, h.UncompressedPageSize, maxPageBytes)
				case values < 0 || values > maxPageValues:
					return fmt.Errorf("row group %d, column %d: a page claims %d values (at most %d are read)", g, i, values, maxPageValues)
				}
				pos += n + int64(h.CompressedPageSize)
			}
		}
	}
	return nil
}

// pageHeader decodes the page header at pos and says how many bytes it
// took.
func pageHeader(r io.ReaderAt, pos, end int64) (int64, *format.PageHeader, error) {
	cr := &countingReader{r: bufio.NewReaderSize(io.NewSectionReader(r, pos, end-pos), 256)}
	var h format.PageHeader
	var compact thrift.CompactProtocol
	if err := thrift.NewDecoder(compact.NewReader(cr)).Decode(&h); err != nil {
		return 0, nil, fmt.Errorf("decoding the page header: %w", err)
	}
	return cr.n, &h, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readChunk appends one column chunk's values to c and returns how many
// there were.
func readChunk(chunk parquet.ColumnChunk, c *Column, conv converter, buf []parquet.Value) (int64, error) {
	pages := chunk.Pages()
	defer pages.Close()
	var count int64
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return count, nil
		}
		if err != nil {
			return count, err
		}
		values := page.Values()
		for {
			k, err := values.ReadValues(buf)
			for _, v := range buf[:k] {
				conv.add(c, v)
			}
			count += int64(k)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquet.Release(page)
				return count, err
			}
			if k == 0 {
				parquet.Release(page)
				return count, fmt.Errorf("a page yields no values")
			}
		}
		parquet.Release(page)
	}
}

// converter turns the values of one Parquet column into a Column's.
type converter struct {
	kind        parquet.Kind
	categorical bool
	unsigned    bool
	// scale is the decimal's: the value is the integer / 10^scale.
	decimal bool
	scale   int32
}

func converterOf(typ parquet.Type) converter {
	cv := converter{kind: typ.Kind()}
	var lt *format.LogicalType
	if typ != nil {
		lt = typ.LogicalType()
	}
	if lt != nil {
		switch v := lt.Value.(type) {
		case *format.DecimalType:
			cv.decimal, cv.scale = true, v.Scale
		case *format.IntType:
			cv.unsigned = !v.IsSigned
		}
	}
	switch cv.kind {
	case parquet.Int32, parquet.Int64, parquet.Float, parquet.Double:
	case parquet.ByteArray, parquet.FixedLenByteArray:
		cv.categorical = !cv.decimal
	default:
		cv.categorical = true
	}
	return cv
}

func (cv converter) add(c *Column, v parquet.Value) {
	if v.IsNull() {
		c.cell("", true)
		c.Missing++
		return
	}
	if cv.categorical {
		var s string
		switch v.Kind() {
		case parquet.ByteArray, parquet.FixedLenByteArray:
			s = string(v.ByteArray())
		default:
			s = v.String()
		}
		c.addString(s)
		return
	}
	var x float64
	switch v.Kind() {
	case parquet.Int32:
		if cv.unsigned {
			x = float64(v.Uint32())
		} else {
			x = float64(v.Int32())
		}
	case parquet.Int64:
		if cv.unsigned {
			x = float64(v.Uint64())
		} else {
			x = float64(v.Int64())
		}
	case parquet.Float:
		x = float64(v.Float())
	case parquet.Double:
		x = v.Double()
	case parquet.ByteArray, parquet.FixedLenByteArray:
		x = bigEndianInt(v.ByteArray())
	default:
		c.addString(v.String())
		return
	}
	if cv.decimal {
		x = decimal(x, cv.scale)
	}
	c.addFloat(x)
}

// bigEndianInt reads a decimal's two's complement big-endian bytes.
func bigEndianInt(b []byte) float64 {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	f, _ := new(big.Float).SetInt(n).Float64()
	return f
}

// decimal divides by 10^scale through the decimal text, so 1234 at scale 2
// is exactly the float64 nearest 12.34, the one a CSV "12.34" parses to.
func decimal(x float64, scale int32) float64 {
	if scale == 0 || math.IsInf(x, 0) {
		return x
	}
	if scale < 0 || scale > 300 {
		return x * math.Pow10(-int(scale))
	}
	s := strconv.FormatFloat(x, 'f', 0, 64) + "e-" + strconv.Itoa(int(scale))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return x * math.Pow10(-int(scale))
	}
	return v
}
