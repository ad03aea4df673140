package policy

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policy   string
		wantCode string
		wantAt   string // file:line:col
		wantMsg  string
	}{
		{
			name:     "syntax error",
			policy:   "package main\n\ndeny contains msg if {\n\tmsg := \"x\"\n",
			wantCode: "rego_parse_error",
			wantAt:   "bad.rego:5:", // at the end of the file
		},
		{
			name:     "Rego v0 syntax",
			policy:   "package main\n\ndeny[msg] {\n\tmsg := \"x\"\n}\n",
			wantCode: "rego_parse_error",
			wantAt:   "bad.rego:3:",
		},
		{
			name:     "type error",
			policy:   "package main\n\ndeny contains msg if {\n\tmsg := count(1)\n}\n",
			wantCode: "rego_type_error",
			wantAt:   "bad.rego:4:9",
			wantMsg:  "count",
		},
		{
			name:     "undefined function",
			policy:   "package main\n\ndeny contains msg if {\n\tmsg := nosuch(input.x)\n}\n",
			wantCode: "rego_type_error",
			wantAt:   "bad.rego:4:",
			wantMsg:  "undefined function nosuch",
		},
		{
			name:     "unsafe variable",
			policy:   "package main\n\ndeny contains msg if {\n\tx > 1\n}\n",
			wantCode: "rego_unsafe_var_error",
			wantAt:   "bad.rego:3:",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"bad.rego": tc.policy, "good.rego": "package ok\ndeny contains \"x\" if false\n"})
			_, err := Compile(context.Background(), Sources{Paths: []string{dir}})
			requireUsage(t, err, filepath.Join(dir, tc.wantAt), tc.wantMsg)
			assert.NotContains(t, err.Error(), "denied")
			var ce *CompileError
			require.True(t, errors.As(err, &ce), "errors.As(%v, *CompileError)", err)
			require.NotEmpty(t, ce.Problems)
			assert.Equal(t, tc.wantCode, ce.Problems[0].Code)
			assert.Equal(t, filepath.Join(dir, "bad.rego"), ce.Problems[0].Location.File)
			assert.Positive(t, ce.Problems[0].Location.Row)
		})
	}
}

func TestCompileReportsEveryFile(t *testing.T) {
	_, err := compileFiles(t, map[string]string{
		"a.rego": "package a\ndeny contains",
		"b.rego": "package b\ndeny contains x if { x := 1 + \"s\" }\n",
		"c.rego": "package c\nwarn if {",
	})
	var ce *CompileError
	require.ErrorAs(t, err, &ce)
	files := map[string]bool{}
	for _, p := range ce.Problems {
		files[filepath.Base(p.Location.File)] = true
	}
	// Parse errors stop before type checking, so b's type error waits for a
	// second run; both broken files are named at once.
	assert.Equal(t, map[string]bool{"a.rego": true, "c.rego": true}, files, "problems: %v", ce.Problems)
}

func TestCompileNothingToEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty folder", map[string]string{"README.md": "x"}, "no policies found"},
		{"only tests", map[string]string{"x_test.rego": "package x\ntest_a if true\n"}, "no policies found"},
		{"only helpers", map[string]string{"x.rego": "package x\nlimit := 1\n"}, "no deny, violation or warn rules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileFiles(t, tc.files)
			requireUsage(t, err, tc.want)
		})
	}
}

func TestCompileMissingPath(t *testing.T) {
	_, err := Compile(context.Background(), Sources{Paths: []string{filepath.Join(t.TempDir(), "nope")}})
	requireUsage(t, err, "policy path", "no such file")
}

func TestCompileExcludesTestsAndListsFiles(t *testing.T) {
	e := mustCompile(t, map[string]string{
		"main.rego":      "package main\ndeny contains \"x\" if input.bad\n",
		"main_test.rego": "package main\ntest_x if deny with input as {\"bad\": true}\ndeny contains \"from a test\" if true\n",
		"data.json":      `{"limits": {"max": 1}}`,
		"sub/data.yaml":  "max: 2\n",
		"notes.json":     `{"not": "data"}`,
	})
	res, err := e.Eval(context.Background(), map[string]any{})
	require.NoError(t, err)
	assert.Empty(t, res.Findings, "the test file's deny is not evaluated")

	var names []string
	for _, f := range e.Files() {
		names = append(names, filepath.ToSlash(filepath.Base(filepath.Dir(f.Name)))+"/"+filepath.Base(f.Name))
		assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, f.Digest)
	}
	assert.Len(t, names, 3, "main.rego, data.json, sub/data.yaml: %v", names)
}
