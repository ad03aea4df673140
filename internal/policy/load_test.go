package policy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// thresholdPolicy denies when accuracy is below data.slipway.config.min.
const thresholdPolicy = `package slipway.metrics

deny contains msg if {
	some name, min in data.slipway.config.min
	input.metrics[name] < min
	msg := sprintf("%s %v is below %v", [name, input.metrics[name], min])
}
`

func TestDataDocuments(t *testing.T) {
	input := map[string]any{"metrics": map[string]any{"accuracy": 0.8, "f1": 0.8}}
	for _, tc := range []struct {
		name     string
		data     map[string]string
		wantMsgs []string
		wantErr  []string
	}{
		{
			name: "JSON and YAML deep-merged",
			data: map[string]string{
				"a.json": `{"slipway": {"config": {"min": {"accuracy": 0.9}}}}`,
				"b.yaml": "slipway:\n  config:\n    min:\n      f1: 0.85\n",
			},
			wantMsgs: []string{"accuracy 0.8 is below 0.9", "f1 0.8 is below 0.85"},
		},
		{
			name: "an equal value twice is no conflict",
			data: map[string]string{
				"a.json": `{"slipway": {"config": {"min": {"accuracy": 0.9}}}}`,
				"b.json": `{"slipway": {"config": {"min": {"accuracy": 0.9}}}}`,
			},
			wantMsgs: []string{"accuracy 0.8 is below 0.9"},
		},
		{
			name: "conflicting values name both files",
			data: map[string]string{
				"a.json": `{"slipway": {"config": {"min": {"accuracy": 0.9}}}}`,
				"b.yaml": "slipway:\n  config:\n    min:\n      accuracy: 0.5\n",
			},
			wantErr: []string{"data conflict at data.slipway.config.min.accuracy", "a.json", "b.yaml"},
		},
		{
			name:    "an object against a value",
			data:    map[string]string{"a.json": `{"slipway": {"config": 1}}`, "b.json": `{"slipway": {"config": {"min": {}}}}`},
			wantErr: []string{"data conflict at data.slipway.config", "a.json", "b.json"},
		},
		{
			name:    "not an object",
			data:    map[string]string{"a.json": `[1, 2]`},
			wantErr: []string{"a.json", "want an object at the top"},
		},
		{
			name:    "torn JSON",
			data:    map[string]string{"a.json": "{\n\"slipway\": {"},
			wantErr: []string{"a.json", "line 2", "unexpected end of JSON"},
		},
		{
			name:    "YAML NaN",
			data:    map[string]string{"a.yaml": "slipway:\n  config:\n    min:\n      accuracy: .nan\n"},
			wantErr: []string{"a.yaml", "slipway.config.min.accuracy", "NaN"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			policies := writeFiles(t, map[string]string{"metrics.rego": thresholdPolicy})
			dataDir := writeFiles(t, tc.data)
			var data []string
			for name := range tc.data {
				data = append(data, filepath.Join(dataDir, name))
			}
			e, err := Compile(context.Background(), Sources{Paths: []string{policies}, Data: sortStrings(data)})
			if tc.wantErr != nil {
				requireUsage(t, err, tc.wantErr...)
				return
			}
			require.NoError(t, err)
			res, err := e.Eval(context.Background(), input)
			require.NoError(t, err)
			var msgs []string
			for _, f := range res.Findings {
				msgs = append(msgs, f.Message)
			}
			assert.Equal(t, tc.wantMsgs, msgs)
		})
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestDataFolderRootsBundleStyle(t *testing.T) {
	// A data.yaml in slipway/config/ is data.slipway.config, as in an OPA bundle.
	e := mustCompile(t, map[string]string{
		"metrics.rego":               thresholdPolicy,
		"slipway/config/data.yaml":   "min:\n  accuracy: 0.9\n",
		"testdata/input.json":        `{"ignored": true}`,
		".git/data.json":             `{"hidden": "folders are skipped"}`,
		"slipway/config/extra.json":  `{"not": "a data file name"}`,
		"slipway/config/readme.rego": "package slipway.readme\n",
	})
	res, err := e.Eval(context.Background(), map[string]any{"metrics": map[string]any{"accuracy": 0.5}})
	require.NoError(t, err)
	assert.Equal(t, []brief{{Failure, "slipway.metrics", "deny", "accuracy 0.5 is below 0.9", false}}, briefs(res.Findings))
}

func TestDataOverridesPolicyDefaults(t *testing.T) {
	library := fstest.MapFS{
		"lib/metrics.rego": {Data: []byte(thresholdPolicy)},
		"lib/data.yaml":    {Data: []byte("slipway:\n  config:\n    min: {accuracy: 0.9, f1: 0.8}\n")},
	}
	input := map[string]any{"metrics": map[string]any{"accuracy": 0.6, "f1": 0.7}}
	for _, tc := range []struct {
		name     string
		data     string
		wantMsgs []string
	}{
		{"defaults alone", "", []string{"accuracy 0.6 is below 0.9", "f1 0.7 is below 0.8"}},
		{"an object replaced by a value", "slipway:\n  config: {min: 1}\n", nil},
		{"one key overridden, the other kept", "slipway:\n  config:\n    min: {accuracy: 0.5}\n", []string{"f1 0.7 is below 0.8"}},
		{"an empty object changes nothing", "slipway:\n  config: {min: {}}\n", []string{"accuracy 0.6 is below 0.9", "f1 0.7 is below 0.8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := Sources{FS: []FSSource{FromFS(library, "lib")}}
			if tc.data != "" {
				src.Data = []string{filepath.Join(writeFiles(t, map[string]string{"d.yaml": tc.data}), "d.yaml")}
			}
			e, err := Compile(context.Background(), src)
			require.NoError(t, err)
			res, err := e.Eval(context.Background(), input)
			require.NoError(t, err)
			var msgs []string
			for _, f := range res.Findings {
				msgs = append(msgs, f.Message)
			}
			assert.Equal(t, tc.wantMsgs, msgs)
		})
	}
}

// tarGz builds a gzipped tarball of files.
func tarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range sortStrings(keys(files)) {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(files[name]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestLoadBundle(t *testing.T) {
	dir := t.TempDir()
	bundlePath := filepath.Join(dir, "policies.tar.gz")
	require.NoError(t, os.WriteFile(bundlePath, tarGz(t, map[string]string{
		"/.manifest":                 `{"roots": [""]}`,
		"/policy/metrics.rego":       thresholdPolicy,
		"/policy/metrics_test.rego":  "package slipway.metrics_test\ntest_x if true\n",
		"/slipway/config/data.json":  `{"min": {"accuracy": 0.9}}`,
		"/slipway/config/other.json": `{"ignored": true}`,
		"/policy/lib/helper.rego":    "package slipway.lib\nx := 1\n",
		"/policy/lib/ignored.md":     "# not a policy",
		"/policy/lib/more/data.yaml": "y: 2\n",
	}), 0o644))

	e, err := Compile(context.Background(), Sources{Paths: []string{bundlePath}})
	require.NoError(t, err)
	res, err := e.Eval(context.Background(), map[string]any{"metrics": map[string]any{"accuracy": 0.5}})
	require.NoError(t, err)
	require.Len(t, res.Findings, 1)
	assert.Equal(t, "accuracy 0.5 is below 0.9", res.Findings[0].Message)
	assert.Equal(t, bundlePath+"/policy/metrics.rego", res.Findings[0].Location.File)

	t.Run("a broken tarball", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.tar.gz")
		require.NoError(t, os.WriteFile(bad, []byte("not gzip"), 0o644))
		_, err := Compile(context.Background(), Sources{Paths: []string{bad}})
		requireUsage(t, err, "policy bundle", "bad.tar.gz")
	})
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"policies/metrics.rego":                {Data: []byte(thresholdPolicy)},
		"policies/metrics_test.rego":           {Data: []byte("package slipway.metrics_test\ntest_x if true\n")},
		"policies/slipway/config/data.json":    {Data: []byte(`{"min": {"accuracy": 0.9}}`)},
		"other/ignored.rego":                   {Data: []byte("package ignored\ndeny if true\n")},
		"policies/card/card.rego":              {Data: []byte("package slipway.card\nwarn contains \"no card\" if not input.card\n")},
		"policies/card/testdata/fixture.json":  {Data: []byte(`{}`)},
		"policies/card/testdata/fixture2.yaml": {Data: []byte(`x: 1`)},
	}
	e, err := Compile(context.Background(), Sources{FS: []FSSource{FromFS(fsys, "policies")}})
	require.NoError(t, err)
	assert.Equal(t, []string{"slipway.card", "slipway.metrics"}, e.Packages())
	res, err := e.Eval(context.Background(), map[string]any{"metrics": map[string]any{"accuracy": 0.5}})
	require.NoError(t, err)
	assert.Equal(t, []brief{
		{Warning, "slipway.card", "warn", "no card", false},
		{Failure, "slipway.metrics", "deny", "accuracy 0.5 is below 0.9", false},
	}, briefs(res.Findings))
	assert.Equal(t, "policies/metrics.rego", res.Findings[1].Location.File, "FS files are named by their path in the FS")

	t.Run("with a folder on disk and --data on top", func(t *testing.T) {
		extra := writeFiles(t, map[string]string{"size.rego": "package slipway.size\ndeny contains \"too big\" if input.size > data.slipway.config.max_size\n"})
		data := writeFiles(t, map[string]string{"overrides.yaml": "slipway:\n  config:\n    max_size: 10\n"})
		e, err := Compile(context.Background(), Sources{
			Paths: []string{extra},
			FS:    []FSSource{FromFS(fsys, "policies")},
			Data:  []string{data},
		})
		require.NoError(t, err)
		res, err := e.Eval(context.Background(), map[string]any{"size": 11, "card": true, "metrics": map[string]any{}})
		require.NoError(t, err)
		assert.Equal(t, []brief{{Failure, "slipway.size", "deny", "too big", false}}, briefs(res.Findings))
	})
}

func TestLoadSameFolderTwice(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.rego": "package main\ndeny contains \"x\" if true\n"})
	e, err := Compile(context.Background(), Sources{Paths: []string{dir, dir, filepath.Join(dir, "main.rego")}})
	require.NoError(t, err)
	res, err := e.Eval(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, res.Findings, 1)
	assert.Equal(t, 1, res.Rules, "the module is loaded once")
}

func TestEngineData(t *testing.T) {
	e := mustCompile(t, map[string]string{
		"metrics.rego":             thresholdPolicy + "\nlimits := {\"max\": 3}\n",
		"slipway/config/data.yaml": "min:\n  accuracy: 0.9\n",
	})
	ctx := context.Background()
	got, err := e.Data(ctx, "slipway", "config")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"min": map[string]any{"accuracy": json.Number("0.9")}}, got)

	got, err = e.Data(ctx, "slipway", "metrics", "limits")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"max": json.Number("3")}, got, "rules are evaluated too")

	got, err = e.Data(ctx, "nothing", "here")
	require.NoError(t, err)
	assert.Nil(t, got)
}

// An unquoted date is a YAML timestamp; it reaches the policies as the
// string a quoted one would be, so `expires: 2027-01-31` works like
// `expires: "2027-01-31"`.
func TestYAMLTimestampsAreStrings(t *testing.T) {
	docs, err := decodeYAML([]byte("exceptions:\n  - {rules: [size], expires: 2027-01-31}\n  - {rules: [card], expires: 2026-06-01T12:00:00+02:00}\n"))
	require.NoError(t, err)
	require.Len(t, docs, 1)
	got := docs[0].(map[string]any)["exceptions"].([]any)
	assert.Equal(t, "2027-01-31", got[0].(map[string]any)["expires"])
	assert.Equal(t, "2026-06-01T12:00:00+02:00", got[1].(map[string]any)["expires"])
}
