package drift

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"io"
	"math"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Table is a data set read column by column: numeric columns as float64
// values, categorical ones as strings, missing values counted apart.
type Table struct {
	// Sources are the files read, in order ("-" is stdin).
	Sources []string
	// Rows is the number of data rows.
	Rows int
	// Columns are in the order of the first file's header.
	Columns []*Column
	// Keep names the columns whose every cell is kept in row order
	// (Column.Cells): the target and the prediction.
	Keep map[string]bool
	// ExactLimit is how many numbers a column holds before it folds them
	// into a quantile sketch; 0 is DefaultExactLimit, -1 never.
	ExactLimit int
	byName     map[string]*Column
}

// Column is one column of a Table.
type Column struct {
	Name string
	// Numeric holds the values while every non-missing one parses as a
	// finite float, up to the table's exact limit; past it they are folded
	// into a quantile sketch. Categories counts each category instead once
	// a value does not parse (or when the column is forced categorical).
	Numeric    []float64
	Categories map[string]int
	IsNumeric  bool
	// Missing counts the empty, NA, NaN and null cells.
	Missing int
	// Cells, kept only for the target and prediction columns (when Keep
	// names them), holds every row's value in row order as written
	// (missingCell for a missing one): the model's metrics pair them by row.
	Cells []string
	keep  bool
	// limit is the exact limit; sketch holds the numbers past it.
	limit      int
	sketch     *sketch
	categories int
	// err is a value the column cannot take (a word after the numbers
	// were folded into the sketch); the reader reports it.
	err error
}

// Column returns the named column, or nil.
func (t *Table) Column(name string) *Column { return t.byName[name] }

func isMissing(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "na", "nan", "null", "n/a", "none":
		return true
	}
	return false
}

// ReadCSV appends the rows of one CSV file (a header row, columns matched
// by name) to t. categorical names the columns kept as strings whatever
// they hold. The first file read fixes the columns; a later file must have
// the same ones, in any order.
func (t *Table) ReadCSV(r io.Reader, source string, categorical map[string]bool) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fault.Usagef("%s is empty: a CSV with a header row and data rows is expected", source)
	}
	if err != nil {
		return fault.Usagef("reading %s: %w", source, err)
	}
	header = append([]string(nil), header...)
	cols, err := t.bind(header, source, categorical)
	if err != nil {
		return err
	}
	rows, err := readRows(cr, len(header), source, cols)
	if err != nil {
		return err
	}
	if rows == 0 {
		return fault.Usagef("%s has a header but no data rows", source)
	}
	t.Rows += rows
	return t.columnErr(source)
}

// csvBatchRows is how many rows the reader hands the parsers at a time.
const csvBatchRows = 4096

// csvBatch is rows of cells, row after row.
type csvBatch struct {
	cells []string
	rows  int
	err   error
}

// readRows reads the data rows: one goroutine splits the CSV into
// records while the columns of the previous batch are parsed, spread over
// the CPUs (each column on one goroutine, so in row order).
func readRows(cr *csv.Reader, width int, source string, cols []*Column) (int, error) {
	batches := make(chan csvBatch, 2)
	go func() {
		defer close(batches)
		b := csvBatch{cells: make([]string, 0, csvBatchRows*width)}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				batches <- b
				return
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
					line, _ := cr.FieldPos(0)
					b.err = fault.Usagef("%s, line %d: %d fields where the header has %d; every row must have one value per column", source, line, len(rec), width)
				} else {
					b.err = fault.Usagef("reading %s: %w", source, err)
				}
				batches <- b
				return
			}
			b.cells = append(b.cells, rec...)
			if b.rows++; b.rows == csvBatchRows {
				batches <- b
				b = csvBatch{cells: make([]string, 0, csvBatchRows*width)}
			}
		}
	}()
	workers := min(width, runtime.GOMAXPROCS(0))
	rows := 0
	var failed error
	for b := range batches {
		if failed != nil {
			continue
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < width; i += workers {
					c := cols[i]
					for r := range b.rows {
						c.add(b.cells[r*width+i])
					}
				}
			})
		}
		wg.Wait()
		rows += b.rows
		failed = b.err
	}
	return rows, failed
}

// bind matches the column names of one file with t's columns and records
// the file as a source. The first file read fixes the columns; a later one
// must have the same, in any order.
func (t *Table) bind(header []string, source string, categorical map[string]bool) ([]*Column, error) {
	if t.byName == nil {
		t.byName = map[string]*Column{}
	}
	first := len(t.Columns) == 0
	cols := make([]*Column, len(header))
	for i, name := range header {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		if name == "" {
			return nil, fault.Usagef("%s: column %d of the header has no name", source, i+1)
		}
		c := t.byName[name]
		if c == nil {
			if !first {
				return nil, fault.Usagef("%s: column %q is not in %s; every current file must have the same columns", source, name, t.Sources[0])
			}
			c = &Column{Name: name, IsNumeric: !categorical[name], keep: t.Keep[name], limit: cmp.Or(t.ExactLimit, DefaultExactLimit)}
			t.byName[name] = c
			t.Columns = append(t.Columns, c)
		}
		if containsColumn(cols[:i], c) {
			return nil, fault.Usagef("%s: column %q appears twice in the header", source, name)
		}
		cols[i] = c
	}
	if !first && len(header) != len(t.Columns) {
		return nil, fault.Usagef("%s has %d columns, %s has %d; every current file must have the same columns", source, len(header), t.Sources[0], len(t.Columns))
	}
	t.Sources = append(t.Sources, source)
	return cols, nil
}

func containsColumn(cols []*Column, c *Column) bool {
	for _, x := range cols {
		if x == c {
			return true
		}
	}
	return false
}

func (c *Column) add(s string) {
	missing := isMissing(s)
	c.cell(strings.TrimSpace(s), missing)
	if missing {
		c.Missing++
		return
	}
	c.addValue(s)
}

// addValue appends a non-missing value written as text.
func (c *Column) addValue(s string) {
	s = strings.TrimSpace(s)
	if c.IsNumeric {
		if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
			c.addNumber(v)
			return
		}
		c.toCategorical(s)
	}
	c.addCategory(s)
}

// addNumber appends a finite number, folding the column into a sketch
// when it passes the limit.
func (c *Column) addNumber(v float64) {
	if c.sketch != nil {
		if !c.sketch.add(v) && c.err == nil {
			c.err = fault.Usagef("column %q: %g is beyond the range the quantile sketch holds", c.Name, v)
		}
		return
	}
	c.Numeric = append(c.Numeric, v)
	if c.limit > 0 && len(c.Numeric) > c.limit {
		c.sketch = c.sketchOf()
		c.Numeric = nil
	}
}

func (c *Column) addCategory(s string) {
	if c.Categories == nil {
		c.Categories = map[string]int{}
	}
	c.Categories[s]++
	c.categories++
}

// addFloat appends a typed number: NaN is missing, as "NaN" is in a CSV,
// and an infinity makes the column categorical, as "Inf" does.
func (c *Column) addFloat(v float64) {
	c.cell(strconv.FormatFloat(v, 'g', -1, 64), math.IsNaN(v))
	switch {
	case math.IsNaN(v):
		c.Missing++
	case math.IsInf(v, 0):
		c.addValue(strconv.FormatFloat(v, 'g', -1, 64))
	case c.IsNumeric:
		c.addNumber(v)
	default:
		c.addCategory(strconv.FormatFloat(v, 'g', -1, 64))
	}
}

// addString appends a typed string as a category, as it is: only a null
// is missing in a typed file.
func (c *Column) addString(s string) {
	c.cell(s, false)
	c.toCategorical(s)
	c.addCategory(s)
}

// toCategorical turns a column that held numbers so far into categories:
// the numbers are written back in their shortest form. A column folded
// into a sketch cannot be: because is the value that would make it so.
func (c *Column) toCategorical(because ...string) {
	if !c.IsNumeric {
		return
	}
	if c.sketch != nil {
		if c.err == nil {
			c.err = fault.Usagef("column %q: %q is not a number, after more than %d numbers; fix the value, or give --categorical %s",
				c.Name, append(because, "")[0], c.limit, c.Name)
		}
		return
	}
	c.IsNumeric = false
	for _, v := range c.Numeric {
		c.addCategory(strconv.FormatFloat(v, 'g', -1, 64))
	}
	c.Numeric = nil
}

// columnErr is the first column's error, if any.
func (t *Table) columnErr(source string) error {
	for _, c := range t.Columns {
		if c.err != nil {
			return fmt.Errorf("%s: %w", source, c.err)
		}
	}
	return nil
}

// Count is the number of non-missing values.
func (c *Column) Count() int {
	switch {
	case c.sketch != nil:
		return c.sketch.n
	case c.IsNumeric:
		return len(c.Numeric)
	}
	return c.categories
}

// Describe names a column's kind.
func (c *Column) kind() string {
	if c.IsNumeric {
		return KindNumeric
	}
	return KindCategorical
}

// checkRows refuses a table with fewer than min rows.
func (t *Table) checkRows(min int, what string) error {
	if t.Rows < min {
		return fault.Usagef("%s (%s) has %d data rows; at least %d are needed", what, strings.Join(t.Sources, ", "), t.Rows, min)
	}
	return nil
}

// missingCell stands for a missing value in Column.Cells.
const missingCell = "\x00"

// cell records a row's value in Cells when the column keeps them.
func (c *Column) cell(s string, missing bool) {
	if !c.keep {
		return
	}
	if missing {
		s = missingCell
	}
	c.Cells = append(c.Cells, s)
}
