package policies

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/modelpack"
)

// irisDir is the bundled example model.
const irisDir = "../testdata/iris"

// irisThresholds are what a team would pass with --data for the iris model;
// the rest comes from config.yaml.
var irisThresholds = map[string]any{"slipway": map[string]any{"config": map[string]any{
	"metrics": map[string]any{
		"min": map[string]any{"accuracy": 0.9, "f1_macro": 0.9},
		"max": map[string]any{"log_loss": 0.3},
	},
	"regression": map[string]any{
		"max_drop":          map[string]any{"accuracy": 0.02},
		"max_drop_relative": map[string]any{"f1_macro": 0.05},
		"max_rise":          map[string]any{"log_loss": 0.05},
	},
}}}

// TestLibraryOnIris evaluates the whole library, as the gate does (every
// package, config.yaml overlaid with --data), on gate inputs built from the
// bundled example model, and checks exactly which rules fire.
func TestLibraryOnIris(t *testing.T) {
	tests := []struct {
		name   string
		modify func(in map[string]any)
		// want maps package.rule to the messages it must produce.
		want map[string][]string
	}{
		{
			name:   "as shipped, compared with its predecessor",
			modify: func(map[string]any) {},
			want:   map[string][]string{},
		},
		{
			name: "pickled weights, no licence, big regression",
			modify: func(in map[string]any) {
				model := in["model"].(map[string]any)
				for _, f := range model["files"].([]any) {
					f := f.(map[string]any)
					if f["path"] == "model.safetensors" {
						f["path"] = "model.pkl"
						f["format"] = modelpack.Format("model.pkl")
						f["mediaType"] = "application/vnd.cncf.model.weight.v1.raw"
					}
				}
				model["config"].(map[string]any)["descriptor"].(map[string]any)["licenses"] = []any{}
				delete(in["card"].(map[string]any), "license")
				// the version now in production is the shipped one
				in["baseline"].(map[string]any)["metrics"] = in["metrics"]
				in["metrics"] = map[string]any{"accuracy": 0.7, "f1_macro": 0.69, "log_loss": 0.61}
			},
			want: map[string][]string{
				"slipway.formats.deny_unsafe_format": {
					"model.pkl is pickle, which runs code when loaded: convert it to safetensors or ONNX, or add an exception",
				},
				"slipway.card.deny_card_field_missing": {
					"the model card has no license: add `license:` to the front matter of README.md",
				},
				"slipway.license.warn_license_missing": {
					"no licence declared: add `license:` with an SPDX id to the model card (README.md front matter)",
				},
				"slipway.metrics.deny_metric_below_min": {
					"accuracy 0.7 is below the minimum 0.9",
					"f1_macro 0.69 is below the minimum 0.9",
				},
				"slipway.metrics.deny_metric_above_max": {
					"log_loss 0.61 is above the maximum 0.3",
				},
				"slipway.regression.deny_regression_drop": {
					"accuracy fell from 0.9333 (baseline) to 0.7 (-0.2333), more than the 0.02 allowed",
				},
				"slipway.regression.deny_regression_drop_relative": {
					"f1_macro fell from 0.9327 (baseline) to 0.69 (-0.2427, -26%), more than the 5% allowed",
				},
				"slipway.regression.deny_regression_rise": {
					"log_loss rose from 0.1434 (baseline) to 0.61 (+0.4666), more than the 0.05 allowed",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := irisInput(t)
			tt.modify(in)
			got := findings(t, evalLibrary(t, in, irisThresholds))
			require.Equal(t, tt.want, got)
		})
	}
}

// TestLibraryToleratesMalformedInput evaluates the library, with builtin
// errors raised, on inputs of the wrong shape: a rule may fire or not, but
// never break the evaluation (the gate would report a broken policy).
func TestLibraryToleratesMalformedInput(t *testing.T) {
	inputs := map[string]map[string]any{
		"empty":       {},
		"all null":    {"model": nil, "metrics": nil, "baseline": nil, "card": nil, "drift": nil, "ci": nil},
		"all strings": {"model": "m", "metrics": "m", "baseline": "b", "card": "c", "drift": "d"},
		"all lists":   {"model": []any{}, "metrics": []any{1}, "baseline": []any{}, "card": []any{"x"}, "drift": []any{}},
		"odd fields": {
			"model": map[string]any{
				"files":    []any{"model.pkl", 3, nil, map[string]any{"path": 7, "role": 1, "size": "big", "format": 2}},
				"datasets": "data", "size": "huge",
				"config": map[string]any{"descriptor": map[string]any{"licenses": "mit"}},
			},
			"metrics":  map[string]any{"accuracy": "high", "per_class": []any{0.9}},
			"baseline": map[string]any{"metrics": "none"},
			"card":     map[string]any{"license": 3, "datasets": 5, "intended_use": []any{}, "limitations": false},
			"drift":    map[string]any{"features": []any{map[string]any{"psi": 0.9}}, "share_drifted": "most"},
		},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			findings(t, evalLibrary(t, in, irisThresholds))
		})
	}
}

// TestExceptionInRego shows the other way to waive a rule: an exception
// rule in the rule's own package, here with an expiry. The engine matches
// "unsafe_format" to deny_unsafe_format and stops honouring it after the date.
func TestExceptionInRego(t *testing.T) {
	const waiver = `package slipway.formats

exception contains {"rules": ["unsafe_format"], "expires": "2027-01-31", "reason": "legacy scikit-learn model; ONNX export tracked in ML-142"} if {
	input.model.name == "iris-classifier"
}
`
	in := irisInput(t)
	out := evalLibrary(t, in, irisThresholds, rego.Module("waivers/iris.rego", waiver))
	formats := out["formats"].(map[string]any)
	require.Equal(t, []any{map[string]any{
		"rules":   []any{"unsafe_format"},
		"expires": "2027-01-31",
		"reason":  "legacy scikit-learn model; ONNX export tracked in ML-142",
	}}, formats["exception"])
	require.Contains(t, formats, "deny_unsafe_format", "the waived rule exists under the name the exception gives")
}

// evalLibrary evaluates data.slipway with every shipped policy (no tests),
// config.yaml overlaid with data, and in as input.
func evalLibrary(t *testing.T, in, data map[string]any, opts ...func(*rego.Rego)) map[string]any {
	t.Helper()
	opts = append(opts,
		rego.Query("data.slipway"),
		rego.Store(inmem.NewFromObject(merge(configData(t), normalise(t, data).(map[string]any)))),
		rego.Input(normalise(t, in)),
		rego.SetRegoVersion(ast.RegoV1),
		rego.StrictBuiltinErrors(true),
	)
	for _, m := range parseModules(t, false) {
		opts = append(opts, rego.ParsedModule(m))
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	return rs[0].Expressions[0].Value.(map[string]any)
}

var ruleName = regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9]+)*$`)

// findings collects the messages of every deny/violation/warn rule, the way
// the conftest conventions read them, and checks each result's shape.
func findings(t *testing.T, slipway map[string]any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for pkg, doc := range slipway {
		rules, ok := doc.(map[string]any)
		if !ok || pkg == "config" {
			continue
		}
		for rule, v := range rules {
			if !ruleName.MatchString(rule) {
				continue
			}
			results, ok := v.([]any)
			require.True(t, ok, "slipway.%s.%s is %T, want a set", pkg, rule, v)
			for _, r := range results {
				var msg string
				switch r := r.(type) {
				case string:
					msg = r
				case map[string]any:
					msg, ok = r["msg"].(string)
					require.True(t, ok, "slipway.%s.%s returned %v without a string msg", pkg, rule, r)
				default:
					t.Fatalf("slipway.%s.%s returned %v (%T), want a string or an object with msg", pkg, rule, r, r)
				}
				key := "slipway." + pkg + "." + rule
				out[key] = append(out[key], msg)
			}
		}
	}
	for _, msgs := range out {
		sort.Strings(msgs)
	}
	return out
}

// irisInput is the gate input for testdata/iris as packed: its files with
// the roles and formats slipway pack gives them, its README front matter as
// the card, eval.json as the metrics, a slightly worse predecessor as the
// baseline, and a calm drift report.
func irisInput(t *testing.T) map[string]any {
	t.Helper()
	var files []any
	var total int64
	err := filepath.WalkDir(irisDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(irisDir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		total += int64(len(b))
		files = append(files, map[string]any{
			"path":   rel,
			"size":   len(b),
			"digest": fmt.Sprintf("sha256:%x", sha256.Sum256(b)),
			"role":   string(modelpack.InferRole(rel)),
			"format": modelpack.Format(rel),
		})
		return nil
	})
	require.NoError(t, err)

	f, err := os.Open(filepath.Join(irisDir, "README.md"))
	require.NoError(t, err)
	defer f.Close()
	card, err := modelpack.ReadFrontMatter(f)
	require.NoError(t, err)
	require.NotNil(t, card, "README.md has no front matter")

	var metrics map[string]any
	b, err := os.ReadFile(filepath.Join(irisDir, "eval.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &metrics))

	digest := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("iris-classifier 1.0.0")))
	return normalise(t, map[string]any{
		"model": map[string]any{
			"name": "iris-classifier", "version": "1.0.0", "digest": digest,
			"reference": "registry.example.com/ml/iris@" + digest,
			"format":    "modelpack", "size": total, "files": files, "datasets": []any{},
			"config": map[string]any{
				"descriptor": map[string]any{"name": "iris-classifier", "licenses": []any{card["license"]}},
				"config":     map[string]any{"format": "safetensors"},
			},
		},
		"metrics": metrics,
		"baseline": map[string]any{
			"model":   map[string]any{"name": "iris-classifier", "version": "0.9.0", "digest": "sha256:" + fmt.Sprintf("%064x", 9)},
			"metrics": map[string]any{"accuracy": 0.9, "f1_macro": 0.8997, "log_loss": 0.1802},
			"source":  "file",
		},
		"card": card,
		"drift": map[string]any{
			"features": map[string]any{
				"sepal_length": map[string]any{"psi": 0.03, "ks_pvalue": 0.71},
				"sepal_width":  map[string]any{"psi": 0.05, "ks_pvalue": 0.42},
				"petal_length": map[string]any{"psi": 0.04, "ks_pvalue": 0.61},
				"petal_width":  map[string]any{"psi": 0.02, "ks_pvalue": 0.88},
			},
			"share_drifted": 0.0,
		},
		"ci":   map[string]any{"platform": "local"},
		"time": "2026-11-25T21:00:00Z",
	}).(map[string]any)
}

// merge overlays src on dst, map by map, as --data files overlay config.yaml.
func merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}
