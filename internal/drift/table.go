package drift

import (
	"encoding/csv"
	"errors"

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
	Keep   map[string]bool
	byName map[string]*Column
}

// Column is one column of a Table.
type Column struct {
	Name string
	// Numeric holds the values while every non-missing one parses as a
	// finite float; Categorical is set instead once one does not (or when
	// the column is forced categorical).
	Numeric     []float64
	Categorical []string
	IsNumeric   bool
	// Missing counts the empty, NA, NaN and null cells.
	Missing int
	// Cells, kept only for the target and prediction columns (when Keep
	// names them), holds every row's value in row order as written
	// (missingCell for a missing one): the model's metrics pair them by row.
	Cells []string
	keep  bool
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
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				line, _ := cr.FieldPos(0)
				return fault.Usagef("%s, line %d: %d fields where the header has %d; every row must have one value per column", source, line, len(rec), len(header))
			}
			return fault.Usagef("reading %s: %w", source, err)
		}
		rows++
		for i, s := range rec {
			cols[i].add(s)
		}
	}
	if rows == 0 {
		return fault.Usagef("%s has a header but no data rows", source)
	}
	t.Rows += rows
	return nil
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
			c = &Column{Name: name, IsNumeric: !categorical[name], keep: t.Keep[name]}
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
	if c.IsNumeric {
		if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
			c.Numeric = append(c.Numeric, v)
			return
		}
		c.toCategorical()
	}
	c.Categorical = append(c.Categorical, strings.TrimSpace(s))
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
		c.Numeric = append(c.Numeric, v)
	default:
		c.Categorical = append(c.Categorical, strconv.FormatFloat(v, 'g', -1, 64))
	}
}

// addString appends a typed string as a category, as it is: only a null
// is missing in a typed file.
func (c *Column) addString(s string) {
	c.cell(s, false)
	c.toCategorical()
	c.Categorical = append(c.Categorical, s)
}

// toCategorical turns a column that held numbers so far into strings: the
// numbers are written back in their shortest form.
func (c *Column) toCategorical() {
	if !c.IsNumeric {
		return
	}
	c.IsNumeric = false
	for _, v := range c.Numeric {
		c.Categorical = append(c.Categorical, strconv.FormatFloat(v, 'g', -1, 64))
	}
	c.Numeric = nil
}

// Count is the number of non-missing values.
func (c *Column) Count() int {
	if c.IsNumeric {
		return len(c.Numeric)
	}
	return len(c.Categorical)
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
