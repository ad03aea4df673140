package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/stretchr/testify/require"
)

// benchPolicy is a gate-sized policy: thresholds from data, a regression
// check, card fields, weight formats, and an exception.
var benchPolicy = map[string]string{
	"gate.rego": `package main

deny_threshold contains msg if {
	some name, min in data.config.min
	value := input.metrics[name]
	value < min
	msg := sprintf("%s %v is below %v", [name, value, min])
}

deny_regression contains {"msg": msg, "metric": name} if {
	some name, drop in data.config.max_drop
	base := input.baseline.metrics[name]
	input.metrics[name] < base - drop
	msg := sprintf("%s dropped from %v to %v", [name, base, input.metrics[name]])
}

warn_card contains msg if {
	some field in data.config.card_required
	not input.card[field]
	msg := sprintf("model card has no %s", [field])
}

deny_format contains msg if {
	some f in input.files
	f.format in {"pickle", "pytorch"}
	msg := sprintf("%s is a pickle-based format", [f.path])
}

exception contains rules if {
	input.card.legacy == true
	rules := ["format"]
}
`,
	"data.json": `{"config": {"min": {"accuracy": 0.9, "f1": 0.85}, "max_drop": {"accuracy": 0.02},
		"card_required": ["license", "intended_use", "limitations"]}}`,
}

func benchInput(i int) map[string]any {
	return map[string]any{
		"metrics":  map[string]any{"accuracy": 0.85 + float64(i%20)/100, "f1": 0.8 + float64(i%10)/50, "loss": 0.2},
		"baseline": map[string]any{"metrics": map[string]any{"accuracy": 0.93}},
		"card":     map[string]any{"license": "mit", "intended_use": "demo", "legacy": i%7 == 0},
		"files": []any{
			map[string]any{"path": "model.safetensors", "format": "safetensors"},
			map[string]any{"path": fmt.Sprintf("extra-%d.pkl", i), "format": []string{"pickle", "onnx"}[i%2]},
		},
	}
}

// BenchmarkEval is one compiled engine evaluating many inputs: every rule
// of every package in one evaluation of the prepared query.
func BenchmarkEval(b *testing.B) {
	e := mustCompile(b, benchPolicy)
	ctx := context.Background()
	inputs := make([]map[string]any, 1000)
	for i := range inputs {
		inputs[i] = benchInput(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := e.Eval(ctx, inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalConftestStyle does what conftest does for each input, for
// comparison: a new rego.Rego, compiled query and evaluation per rule and
// per exception query, on the same compiler and store.
func BenchmarkEvalConftestStyle(b *testing.B) {
	e := mustCompile(b, benchPolicy)
	ctx := context.Background()
	rules := []string{"deny_format", "deny_regression", "deny_threshold", "warn_card"}
	prefix := regexp.MustCompile(`^(deny|violation|warn)_`)
	inputs := make([]map[string]any, 1000)
	for i := range inputs {
		inputs[i] = benchInput(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for _, r := range rules {
			for _, q := range []string{
				fmt.Sprintf("data.main.exception[_][_] == %q", prefix.ReplaceAllString(r, "")),
				"data.main." + r,
			} {
				_, err := rego.New(rego.Query(q), rego.Compiler(e.compiler), rego.Store(e.store),
					rego.Input(inputs[i%len(inputs)]), rego.SetRegoVersion(ast.RegoV1)).Eval(ctx)
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkEvalFiles is `slipway policy eval DIR` over 1,000 metric files
// (reading, parsing and evaluating them in parallel); ns/op is per file.
func BenchmarkEvalFiles(b *testing.B) {
	e := mustCompile(b, benchPolicy, WithNamespaces("main"))
	files := map[string]string{}
	for i := range 1000 {
		files[fmt.Sprintf("m%04d.json", i)] = fmt.Sprintf(`{"metrics": {"accuracy": %v, "f1": 0.9}, "card": {"license": "mit"}}`, 0.85+float64(i%20)/100)
	}
	dir := writeFiles(b, files)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := e.EvalFiles(ctx, []string{dir})
		require.NoError(b, err)
		require.Len(b, res, len(files))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(files)), "ns/file")
}

// BenchmarkCompile is the fixed cost paid once per process.
func BenchmarkCompile(b *testing.B) {
	dir := writeFiles(b, benchPolicy)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(ctx, Sources{Paths: []string{filepath.Clean(dir)}}); err != nil {
			b.Fatal(err)
		}
	}
}
