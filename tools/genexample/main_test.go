package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/iris from the committed CSV instead of comparing")

// committedDir is the example model, relative to this package.
const committedDir = "../../testdata/iris"

var committedCSV = filepath.Join(committedDir, datasetFile)

// TestGenerateMatchesCommitted keeps the committed example from drifting
// from its generator: training on the committed CSV must reproduce every
// committed file byte for byte.
func TestGenerateMatchesCommitted(t *testing.T) {
	out := t.TempDir()
	if *update {
		out = committedDir
	}
	res, err := generate(committedCSV, out)
	if err != nil {
		t.Fatalf("generate(%q, %q): %v", committedCSV, out, err)
	}
	if len(res.written) != len(outputs) {
		t.Errorf("generate wrote %d files (%q), want %d", len(res.written), res.written, len(outputs))
	}
	for _, name := range outputs {
		t.Run(name, func(t *testing.T) {
			got := readFile(t, filepath.Join(out, name))
			want := readFile(t, filepath.Join(committedDir, name))
			if !bytes.Equal(got, want) {
				t.Errorf("generated %s differs from testdata/iris/%s at byte %d (%d vs %d bytes); "+
					"if the change is intended, run `go run ./tools/genexample` from the repository root "+
					"(or `go test ./tools/genexample -update`) and review the diff",
					name, name, firstDiff(got, want), len(got), len(want))
			}
		})
	}
}

// TestGenerateTwice checks determinism directly: two runs into fresh
// folders write identical files.
func TestGenerateTwice(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := generate(committedCSV, dir); err != nil {
			t.Fatalf("generate(%q, %q): %v", committedCSV, dir, err)
		}
	}
	for _, name := range outputs {
		if !bytes.Equal(readFile(t, filepath.Join(a, name)), readFile(t, filepath.Join(b, name))) {
			t.Errorf("%s differs between two runs of generate", name)
		}
	}
}

func TestCommittedSafetensors(t *testing.T) {
	raw := readFile(t, filepath.Join(committedDir, "model.safetensors"))
	if len(raw) < 8 {
		t.Fatalf("model.safetensors is %d bytes, too short for the header length", len(raw))
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if n%8 != 0 || n > uint64(len(raw)-8) {
		t.Fatalf("header length is %d, want a multiple of 8 no larger than the %d bytes after it", n, len(raw)-8)
	}
	header, data := raw[8:8+n], raw[8+n:]
	if trimmed := bytes.TrimRight(header, " "); !json.Valid(trimmed) {
		t.Fatalf("header is not JSON followed by space padding: %q", header)
	}

	keys, err := jsonKeys(header)
	if err != nil {
		t.Fatalf("reading header keys: %v", err)
	}
	if !slices.IsSorted(keys) {
		t.Errorf("header keys are %q, want them sorted", keys)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(header, &entries); err != nil {
		t.Fatalf("decoding header: %v", err)
	}

	var meta map[string]string
	if err := json.Unmarshal(entries["__metadata__"], &meta); err != nil || meta["format"] != "pt" {
		t.Errorf("__metadata__ is %s, want {\"format\":\"pt\"}", entries["__metadata__"])
	}
	delete(entries, "__metadata__")

	wantShapes := map[string][]int{
		"bias":         {3},
		"feature_mean": {4},
		"feature_std":  {4},
		"weight":       {3, 4},
	}
	if len(entries) != len(wantShapes) {
		t.Errorf("header has tensors %q, want %d: %v", slices.Sorted(maps.Keys(entries)), len(wantShapes), wantShapes)
	}
	// The tensors, taken in name order, must tile the data exactly: each
	// starts where the previous ended and the last ends at the end of the file.
	next := 0
	for _, name := range slices.Sorted(maps.Keys(wantShapes)) {
		var info tensorInfo
		if err := json.Unmarshal(entries[name], &info); err != nil {
			t.Fatalf("tensor %q: decoding %s: %v", name, entries[name], err)
		}
		if info.Dtype != "F32" || !slices.Equal(info.Shape, wantShapes[name]) {
			t.Errorf("tensor %q is %s %v, want F32 %v", name, info.Dtype, info.Shape, wantShapes[name])
		}
		begin, end := info.DataOffsets[0], info.DataOffsets[1]
		if begin != next || end-begin != 4*product(wantShapes[name]) {
			t.Errorf("tensor %q has data_offsets [%d, %d], want [%d, %d]", name, begin, end, next, next+4*product(wantShapes[name]))
		}
		next = end
		for i := begin; i+4 <= end && end <= len(data); i += 4 {
			v := math.Float32frombits(binary.LittleEndian.Uint32(data[i:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || (name == "feature_std" && v <= 0) {
				t.Errorf("tensor %q holds %v at byte %d", name, v, i)
			}
		}
	}
	if next != len(data) {
		t.Errorf("tensors cover %d bytes of data, file has %d", next, len(data))
	}
}

func TestCommittedMetrics(t *testing.T) {
	var metrics map[string]float64
	if err := json.Unmarshal(readFile(t, filepath.Join(committedDir, "eval.json")), &metrics); err != nil {
		t.Fatalf("eval.json is not a flat object of numbers: %v", err)
	}
	tests := []struct {
		name     string
		min, max float64
	}{
		{"accuracy", 0.9, 1},
		{"f1_macro", 0.9, 1},
		{"precision_macro", 0.9, 1},
		{"recall_macro", 0.9, 1},
		{"recall_setosa", 0.9, 1},
		{"recall_versicolor", 0.7, 1},
		{"recall_virginica", 0.7, 1},
		{"log_loss", 0, 0.5},
	}
	for _, tt := range tests {
		v, ok := metrics[tt.name]
		switch {
		case !ok:
			t.Errorf("eval.json has no %q; it has %v", tt.name, metrics)
		case v < tt.min || v > tt.max:
			t.Errorf("eval.json %s = %v, want it in [%v, %v]", tt.name, v, tt.min, tt.max)
		case v != math.Round(v*1e4)/1e4:
			t.Errorf("eval.json %s = %v, want it rounded to 4 decimals", tt.name, v)
		}
	}
	if len(metrics) != len(tests) {
		t.Errorf("eval.json has %d metrics (%v), want %d", len(metrics), metrics, len(tests))
	}

	card, err := frontMatterMetrics(readFile(t, filepath.Join(committedDir, "README.md")))
	if err != nil {
		t.Fatalf("reading README.md front matter: %v", err)
	}
	if !maps.Equal(card, metrics) {
		t.Errorf("README.md front matter metrics are %v, want eval.json's %v", card, metrics)
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  bool // stdout is eval.json
	}{
		{name: "generate", args: []string{"-data", committedCSV, "-out", "OUT"}, wantCode: 0, wantOut: true},
		{name: "missing data", args: []string{"-data", "no/such.csv", "-out", "OUT"}, wantCode: 1},
		{name: "unknown flag", args: []string{"-nope"}, wantCode: 2},
		{name: "stray argument", args: []string{"-out", "OUT", "extra"}, wantCode: 2},
		{name: "help", args: []string{"-h"}, wantCode: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := slices.Clone(tt.args)
			for i, a := range args {
				if a == "OUT" {
					args[i] = dir
				}
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != tt.wantCode {
				t.Fatalf("run(%q) = %d, want %d; stderr:\n%s", args, code, tt.wantCode, &stderr)
			}
			if tt.wantOut {
				want := readFile(t, filepath.Join(committedDir, "eval.json"))
				if !bytes.Equal(stdout.Bytes(), want) {
					t.Errorf("run(%q) printed %q, want eval.json %q", args, &stdout, want)
				}
			}
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDiff returns the offset of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// jsonKeys returns the top-level keys of a JSON object in file order.
func jsonKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want an object, got %v (%v)", tok, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// frontMatterMetrics reads the "metrics:" block of a model card's YAML front
// matter: the indented "name: number" lines that follow it.
func frontMatterMetrics(card []byte) (map[string]float64, error) {
	sc := bufio.NewScanner(bytes.NewReader(card))
	if !sc.Scan() || sc.Text() != "---" {
		return nil, fmt.Errorf("no front matter: the first line is not ---")
	}
	metrics := map[string]float64{}
	in := false
	for sc.Scan() {
		line := sc.Text()
		if line == "---" {
			return metrics, nil
		}
		if !strings.HasPrefix(line, "  ") {
			in = line == "metrics:"
			continue
		}
		if in {
			name, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
			v, err := strconv.ParseFloat(value, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("metrics line %q is not name: number", line)
			}
			metrics[name] = v
		}
	}
	return nil, fmt.Errorf("front matter has no closing ---")
}

func product(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}
