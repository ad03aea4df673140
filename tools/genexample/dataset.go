package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// featureNames are the Iris features in column order, in centimetres.
var featureNames = []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}

// classNames are the species in class-index order, as scikit-learn numbers them.
var classNames = []string{"setosa", "versicolor", "virginica"}

// labelColumn names the species column of the headered CSV.
const labelColumn = "species"

// dataset is the Iris table: one row of features and one class index per flower.
type dataset struct {
	x [][]float64
	y []int
}

// readDataset reads the headered CSV that convert writes:
// sepal_length,sepal_width,petal_length,petal_width,species.
func readDataset(r io.Reader) (*dataset, error) {
	records, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("empty file")
	}
	if want := append(slices.Clone(featureNames), labelColumn); !slices.Equal(records[0], want) {
		return nil, fmt.Errorf("header is %q, want %q", records[0], want)
	}
	ds := &dataset{}
	for i, rec := range records[1:] {
		line := i + 2
		x, err := parseFeatures(rec[:len(featureNames)])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		y := slices.Index(classNames, rec[len(featureNames)])
		if y < 0 {
			return nil, fmt.Errorf("line %d: unknown species %q (want one of %q)", line, rec[len(featureNames)], classNames)
		}
		ds.x = append(ds.x, x)
		ds.y = append(ds.y, y)
	}
	if len(ds.y) == 0 {
		return nil, fmt.Errorf("no rows")
	}
	return ds, nil
}

func parseFeatures(fields []string) ([]float64, error) {
	x := make([]float64, len(fields))
	for j, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", featureNames[j], err)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: %q is not a measurement", featureNames[j], f)
		}
		x[j] = v
	}
	return x, nil
}

// convert rewrites scikit-learn's iris.csv, whose first line is
// "150,4,setosa,versicolor,virginica" and whose rows end in a class index,
// as a headered CSV whose rows end in the species name. Feature values are
// copied as written, so the conversion adds nothing but names.
func convert(r io.Reader) ([]byte, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // the first line is shaped differently from the rows
	records, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("empty file")
	}
	head := records[0]
	if len(head) < 2 {
		return nil, fmt.Errorf("first line is %q, want rows,features,class names", head)
	}
	nRows, err1 := strconv.Atoi(head[0])
	nFeatures, err2 := strconv.Atoi(head[1])
	if err1 != nil || err2 != nil || nFeatures != len(featureNames) || !slices.Equal(head[2:], classNames) {
		return nil, fmt.Errorf("first line is %q, want N,%d,%s", head, len(featureNames), strings.Join(classNames, ","))
	}
	if got := len(records) - 1; got != nRows {
		return nil, fmt.Errorf("%d rows, first line promises %d", got, nRows)
	}

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(append(slices.Clone(featureNames), labelColumn)) // a bytes.Buffer does not fail
	for i, rec := range records[1:] {
		line := i + 2
		if len(rec) != nFeatures+1 {
			return nil, fmt.Errorf("line %d: %d fields, want %d", line, len(rec), nFeatures+1)
		}
		if _, err := parseFeatures(rec[:nFeatures]); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		y, err := strconv.Atoi(rec[nFeatures])
		if err != nil || y < 0 || y >= len(classNames) {
			return nil, fmt.Errorf("line %d: class index %q, want 0 to %d", line, rec[nFeatures], len(classNames)-1)
		}
		_ = w.Write(append(slices.Clone(rec[:nFeatures]), classNames[y]))
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// convertFile converts from into to and copies from's description (the same
// name ending in .rst, which carries the data set's credit) beside it. It
// returns the paths it wrote.
func convertFile(from, to string) ([]string, error) {
	in, err := os.ReadFile(from)
	if err != nil {
		return nil, fmt.Errorf("reading scikit-learn data: %w", err)
	}
	out, err := convert(bytes.NewReader(in))
	if err != nil {
		return nil, fmt.Errorf("converting %s: %w", from, err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(to, out, 0o644); err != nil {
		return nil, err
	}
	written := []string{to}

	descFrom := strings.TrimSuffix(from, filepath.Ext(from)) + ".rst"
	desc, err := os.ReadFile(descFrom)
	if err != nil {
		return nil, fmt.Errorf("reading the data set's description: %w", err)
	}
	descTo := strings.TrimSuffix(to, filepath.Ext(to)) + ".rst"
	if err := os.WriteFile(descTo, desc, 0o644); err != nil {
		return nil, err
	}
	return append(written, descTo), nil
}
