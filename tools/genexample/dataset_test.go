package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // converted CSV; empty when an error is wanted
		wantErr string
	}{
		{
			name: "rows keep their text",
			in:   "2,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n",
			want: "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n",
		},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "other classes", in: "1,4,a,b,c\n5.1,3.5,1.4,0.2,0\n", wantErr: "first line"},
		{name: "other feature count", in: "1,3,setosa,versicolor,virginica\n5.1,3.5,1.4,0\n", wantErr: "first line"},
		{name: "row count", in: "3,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n", wantErr: "promises 3"},
		{name: "short row", in: "1,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0\n", wantErr: "4 fields, want 5"},
		{name: "class out of range", in: "1,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,3\n", wantErr: "class index"},
		{name: "not a number", in: "1,4,setosa,versicolor,virginica\n5.1,x,1.4,0.2,0\n", wantErr: "sepal_width"},
		{name: "not finite", in: "1,4,setosa,versicolor,virginica\nNaN,3.5,1.4,0.2,0\n", wantErr: "not a measurement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := convert(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("convert(%q) = %q, %v; want an error mentioning %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("convert(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestCommittedCSVIsConverted checks that the committed CSV is exactly what
// convert makes of scikit-learn's layout of the same rows, so regenerating it
// with -convert cannot change it.
func TestCommittedCSVIsConverted(t *testing.T) {
	committed := readFile(t, committedCSV)
	ds, err := readDataset(bytes.NewReader(committed))
	if err != nil {
		t.Fatalf("readDataset(%s): %v", committedCSV, err)
	}
	perClass := make([]int, len(classNames))
	for _, y := range ds.y {
		perClass[y]++
	}
	if len(ds.y) != 150 || perClass[0] != 50 || perClass[1] != 50 || perClass[2] != 50 {
		t.Errorf("%s has %d rows, per class %v; want 150, 50 of each", committedCSV, len(ds.y), perClass)
	}

	// Rebuild scikit-learn's layout from the committed text: the same
	// feature fields, the class name replaced by its index.
	lines := strings.Split(strings.TrimSuffix(string(committed), "\n"), "\n")[1:]
	var sk strings.Builder
	fmt.Fprintf(&sk, "%d,%d,%s\n", len(lines), len(featureNames), strings.Join(classNames, ","))
	for i, line := range lines {
		cut := strings.LastIndexByte(line, ',')
		fmt.Fprintf(&sk, "%s,%d\n", line[:cut], ds.y[i])
	}
	got, err := convert(strings.NewReader(sk.String()))
	if err != nil {
		t.Fatalf("convert(scikit-learn layout of %s): %v", committedCSV, err)
	}
	if !bytes.Equal(got, committed) {
		t.Errorf("convert of %s's rows differs from it at byte %d", committedCSV, firstDiff(got, committed))
	}
}

func TestReadDatasetRejects(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"empty", "", "empty"},
		{"wrong header", "a,b,c,d,species\n1,2,3,4,setosa\n", "header"},
		{"no rows", "sepal_length,sepal_width,petal_length,petal_width,species\n", "no rows"},
		{"unknown species", "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,rose\n", "rose"},
		{"short row", "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,setosa\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readDataset(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("readDataset(%q) error = %v, want one mentioning %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestConvertFile(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "sk", "iris.csv")
	writeFile(t, from, "1,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n")
	writeFile(t, filepath.Join(dir, "sk", "iris.rst"), "credit\n")
	to := filepath.Join(dir, "out", "data", "iris.csv")

	written, err := convertFile(from, to)
	if err != nil {
		t.Fatalf("convertFile(%q, %q): %v", from, to, err)
	}
	wantRST := filepath.Join(dir, "out", "data", "iris.rst")
	if len(written) != 2 || written[0] != to || written[1] != wantRST {
		t.Errorf("convertFile wrote %q, want [%q %q]", written, to, wantRST)
	}
	if got := string(readFile(t, wantRST)); got != "credit\n" {
		t.Errorf("copied description is %q, want %q", got, "credit\n")
	}
}

// FuzzConvert feeds convert arbitrary input: it must return an error or a
// CSV that readDataset accepts, never panic.
func FuzzConvert(f *testing.F) {
	f.Add([]byte("1,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n"))
	f.Add([]byte("0,4,setosa,versicolor,virginica\n"))
	f.Add([]byte("1,4,setosa,versicolor,virginica\n\"5.1\",3.5,1.4,0.2,2\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := convert(bytes.NewReader(in))
		if err != nil {
			return
		}
		if _, err := readDataset(bytes.NewReader(out)); err != nil && !strings.Contains(err.Error(), "no rows") {
			t.Errorf("convert(%q) = %q, which readDataset rejects: %v", in, out, err)
		}
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
