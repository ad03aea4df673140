package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mainPolicy = `package main

deny contains msg if {
	input.accuracy < 0.9
	msg := sprintf("accuracy %v is below 0.9", [input.accuracy])
}

warn contains "no f1" if not input.f1
`

func TestEvalFiles(t *testing.T) {
	e := mustCompile(t, map[string]string{
		"main.rego":  mainPolicy,
		"other.rego": "package other\ndeny contains \"other\" if true\n",
	})
	inputs := writeFiles(t, map[string]string{
		"a.json":         `{"accuracy": 0.95, "f1": 0.9}`,
		"b.yaml":         "accuracy: 0.5\nf1: 0.4\n",
		"multi.yml":      "accuracy: 0.5\nf1: 1\n---\naccuracy: 0.95\n---\n",
		"sub/c.json":     `{"accuracy": 0.1, "f1": 1}`,
		"sub/ignore.txt": "not an input",
	})

	results, err := e.EvalFiles(context.Background(), []string{inputs})
	require.NoError(t, err)
	var got []string
	for _, r := range results {
		rel, _ := filepath.Rel(inputs, r.File)
		got = append(got, fmt.Sprintf("%s docs=%d rules=%d %v", filepath.ToSlash(rel), r.Documents, r.Result.Rules, briefs(r.Result.Findings)))
	}
	assert.Equal(t, []string{
		"a.json docs=1 rules=2 []",
		"b.yaml docs=1 rules=2 [{failure main deny accuracy 0.5 is below 0.9 false}]",
		"multi.yml docs=2 rules=4 [{failure main deny accuracy 0.5 is below 0.9 false} {warning main warn no f1 false}]",
		"sub/c.json docs=1 rules=2 [{failure main deny accuracy 0.1 is below 0.9 false}]",
	}, got, "package main only, by default")

	t.Run("namespace", func(t *testing.T) {
		results, err := e.EvalFiles(context.Background(), []string{filepath.Join(inputs, "a.json")}, "other")
		require.NoError(t, err)
		require.Len(t, results, 1)
		assert.Equal(t, []string{"other"}, results[0].Result.Packages)
		assert.Len(t, results[0].Result.Findings, 1)
	})
}

func TestEvalFilesBadInput(t *testing.T) {
	e := mustCompile(t, map[string]string{"main.rego": mainPolicy})
	for _, tc := range []struct {
		name, file, content string
		wants               []string
	}{
		{"torn JSON", "torn.json", "{\"accuracy\": 0.5,\n", []string{"torn.json", "line 2", "unexpected end of JSON"}},
		{"empty", "empty.json", "  \n", []string{"empty.json", "empty document"}},
		{"two JSON values", "two.json", "{} {}", []string{"two.json", "more than one JSON value"}},
		{"bad YAML", "bad.yaml", "a: [1, 2\n", []string{"bad.yaml"}},
		{"YAML infinity", "inf.yaml", "accuracy: .inf\n", []string{"inf.yaml", "accuracy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"ok.json": `{"accuracy": 1}`, tc.file: tc.content})
			_, err := e.EvalFiles(context.Background(), []string{dir})
			requireUsage(t, err, tc.wants...)
		})
	}
	t.Run("no package main", func(t *testing.T) {
		e := mustCompile(t, map[string]string{"x.rego": "package slipway.x\ndeny if true\n"})
		_, err := e.EvalFiles(context.Background(), []string{writeFiles(t, map[string]string{"a.json": "{}"})})
		requireUsage(t, err, "namespace main has no deny", "slipway.x")
	})
	t.Run("no inputs", func(t *testing.T) {
		_, err := e.EvalFiles(context.Background(), []string{writeFiles(t, map[string]string{"a.txt": "{}"})})
		requireUsage(t, err, "no input files")
	})
}

func TestEvalFilesMany(t *testing.T) {
	e := mustCompile(t, map[string]string{"main.rego": mainPolicy})
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("m%03d.json", i)] = fmt.Sprintf(`{"accuracy": %v, "f1": 1}`, float64(i%10)/10)
	}
	results, err := e.EvalFiles(context.Background(), []string{writeFiles(t, files)})
	require.NoError(t, err)
	require.Len(t, results, 200)
	for i, r := range results {
		assert.Equal(t, fmt.Sprintf("m%03d.json", i), filepath.Base(r.File), "results keep the order of the files")
		assert.Equal(t, i%10 < 9, len(r.Result.Findings) == 1, "%s: %v", r.File, r.Result.Findings)
	}
}

func FuzzParseInput(f *testing.F) {
	for _, seed := range []struct{ name, content string }{
		{"a.json", `{"accuracy": 0.9, "nested": {"f1": [1, 2.5e3]}}`},
		{"a.json", `[1, "x", null, true]`},
		{"a.yaml", "accuracy: 0.9\n---\nf1: .nan\n"},
		{"a.yaml", "? [1, 2]\n: x\n1: 2\n"},
		{"a.yml", "a: &x {b: 1}\nc: *x\n"},
		{"a.txt", "{\"a\": 1}"},
		{"a.json", "{\"a\": 1"},
	} {
		f.Add(seed.name, []byte(seed.content))
	}
	f.Fuzz(func(t *testing.T, name string, raw []byte) {
		docs, err := ParseInput(raw, name)
		if err != nil {
			return
		}
		if len(docs) == 0 {
			t.Fatalf("ParseInput(%q) gave no documents and no error", raw)
		}
		for _, d := range docs {
			// Every document must be JSON-shaped: encodable, and usable as OPA input.
			if _, err := json.Marshal(d); err != nil {
				t.Fatalf("ParseInput(%q) gave %#v, which JSON cannot encode: %v", raw, d, err)
			}
			if _, err := toValue(d); err != nil {
				t.Fatalf("ParseInput(%q) gave %#v, which OPA cannot take: %v", raw, d, err)
			}
		}
	})
}
