package report

import (
	"strings"
	"time"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

func f64(x float64) *float64 { return &x }

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func digest(c string) string { return "sha256:" + strings.Repeat(c, 64) }

var (
	gatedAt   = time.Date(2026, 2, 10, 14, 30, 0, 0, time.UTC)
	packages5 = []string{"slipway.card", "slipway.formats", "slipway.license", "slipway.metrics", "slipway.regression"}
	candidate = gate.ModelRef{
		Name: "iris-classifier", Version: "1.1.0", Digest: "sha256:3f2a9c1d4e5b6a7980f1e2d3c4b5a6978877665544332211aabbccddeeff0011",
		Reference: "registry.example.com/acme/iris-classifier@sha256:3f2a9c1d4e5b6a7980f1e2d3c4b5a6978877665544332211aabbccddeeff0011",
	}
	baseline = gate.ModelRef{
		Name: "iris-classifier", Version: "1.0.0", Digest: "sha256:9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c",
		Reference: "registry.example.com/acme/iris-classifier@sha256:9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c",
	}
	policyFiles = []gate.DigestedFile{
		{Name: "policies/metrics.rego", Digest: digest("1")},
		{Name: "policies/regression.rego", Digest: digest("2")},
	}
	inputFiles = []gate.DigestedFile{{Name: "eval.json", Digest: digest("3")}}
	githubCI   = ci.Job{
		Platform: "github", Repository: "acme/iris", Branch: "feature/retrain", Commit: "0123456789abcdef0123456789abcdef01234567",
		RunURL: "https://github.com/acme/iris/actions/runs/42",
	}
)

// passVerdict: nothing found, compared with the baseline.
func passVerdict() *gate.Verdict {
	b := baseline
	return &gate.Verdict{
		Decision: policy.Pass,
		Model:    gate.ModelRef{Name: candidate.Name, Version: "1.0.1", Digest: candidate.Digest, Reference: candidate.Reference},
		Baseline: &b,
		Result:   policy.Result{Rules: 12, Packages: packages5},
		Metrics: []gate.MetricRow{
			{Name: "accuracy", Candidate: 0.9667, Baseline: f64(0.96), Delta: f64(0.9667 - 0.96), Threshold: &gate.Threshold{Op: ">=", Value: 0.9}},
			{Name: "f1_macro", Candidate: 0.9665, Baseline: f64(0.9599), Delta: f64(0.9665 - 0.9599)},
			{Name: "latency_ms", Candidate: 12.5, Baseline: f64(13), Delta: f64(-0.5), Threshold: &gate.Threshold{Op: "<=", Value: 50}},
		},
		Policies: policyFiles,
		Inputs:   inputFiles,
		CI:       githubCI,
		Time:     gatedAt,
	}
}

// failVerdict: failures, warnings, a waived finding, an expired exception
// and metrics with thresholds.
func failVerdict() *gate.Verdict {
	b := baseline
	return &gate.Verdict{
		Decision: policy.Fail,
		Model:    candidate,
		Baseline: &b,
		Result: policy.Result{
			Rules:    12,
			Packages: packages5,
			Findings: []policy.Finding{
				{Kind: policy.Warning, Package: "slipway.metrics", Rule: "warn_latency", Message: "latency_ms 48.0000 is within 10% of the limit 50.0000"},
				{Kind: policy.Failure, Package: "slipway.regression", Rule: "deny_regression", Message: "f1_macro regressed by 0.0550 against the baseline (max 0.0200)",
					Location: &policy.Location{File: "policies/regression.rego", Row: 22, Workspace: true}},
				{Kind: policy.Failure, Package: "slipway.formats", Rule: "deny_unsafe_format", Message: "weights/model.pkl is pickle-based: use safetensors or ONNX",
					Location: &policy.Location{File: "policies/formats.rego", Row: 9, Col: 1, Workspace: true}, Metadata: map[string]any{"severity": "critical", "file": "weights/model.pkl"}},
				{Kind: policy.Failure, Package: "slipway.metrics", Rule: "deny_min_accuracy", Message: "accuracy 0.9100 is below the minimum 0.9500",
					Location: &policy.Location{File: "policies/metrics.rego", Row: 14, Col: 1, Workspace: true}},
				{Kind: policy.Warning, Package: "slipway.card", Rule: "warn_card_fields", Message: "model card lacks intended_use | limitations\nadd them to README.md front matter"},
				{Kind: policy.Failure, Package: "slipway.license", Rule: "deny_license", Message: `licence "proprietary" is not in the allow-list <apache-2.0, mit>`,
					Waived: &policy.Waiver{Package: "slipway.license", Rules: []string{"license"}, Reason: "approved by legal for internal use (LEGAL-142)", Expires: date("2026-12-31")}},
			},
			Expired: []policy.Waiver{
				{Package: "slipway.formats", Rules: []string{"unsafe_format"}, Reason: "migrating to safetensors", Expires: date("2026-01-31"), Expired: true},
			},
		},
		Metrics: []gate.MetricRow{
			{Name: "accuracy", Candidate: 0.91, Baseline: f64(0.9667), Delta: f64(0.91 - 0.9667), Threshold: &gate.Threshold{Op: ">=", Value: 0.95}},
			{Name: "f1_macro", Candidate: 0.905, Baseline: f64(0.96), Delta: f64(0.905 - 0.96), Threshold: &gate.Threshold{Op: ">=", Value: 0.9}},
			{Name: "latency_ms", Candidate: 48, Baseline: f64(12.5), Delta: f64(35.5), Threshold: &gate.Threshold{Op: "<=", Value: 50}},
			{Name: "recall.setosa", Candidate: 1, Baseline: f64(1), Delta: f64(0)},
			{Name: "train_rows", Candidate: 120},
		},
		Policies: policyFiles,
		Inputs:   inputFiles,
		CI:       githubCI,
		Time:     gatedAt,
	}
}

// warnVerdict: a first gate, with no baseline and no metrics.
func warnVerdict() *gate.Verdict {
	return &gate.Verdict{
		Decision: policy.Warn,
		Model:    gate.ModelRef{Name: "fraud-detector", Version: "0.3.0", Digest: digest("a")},
		Result: policy.Result{
			Rules:    8,
			Packages: []string{"slipway.card", "slipway.formats"},
			Findings: []policy.Finding{
				{Kind: policy.Warning, Package: "slipway.card", Rule: "warn_card_fields", Message: "model card has no license field"},
			},
		},
		Policies: []gate.DigestedFile{{Name: "embedded:policies/card.rego", Digest: digest("4")}},
		CI:       ci.Job{Platform: "local"},
		Time:     gatedAt,
	}
}

// evalResults: conftest-style results for three files.
func evalResults() []FileResult {
	return []FileResult{
		{File: "deploy/ok.yaml", Documents: 1, Result: policy.Result{Rules: 3, Packages: []string{"main"}}},
		{File: "deploy/service.yaml", Documents: 2, Result: policy.Result{
			Rules: 3, Packages: []string{"main"},
			Findings: []policy.Finding{
				{Kind: policy.Failure, Package: "main", Rule: "deny", Message: "containers must not run as root",
					Location: &policy.Location{File: "policy/base.rego", Row: 5, Workspace: true}},
				{Kind: policy.Warning, Package: "main", Rule: "warn_labels", Message: "missing label: team, owner"},
			},
		}},
		{File: "deploy/legacy.yaml", Documents: 1, Result: policy.Result{
			Rules: 3, Packages: []string{"main"},
			Findings: []policy.Finding{
				{Kind: policy.Failure, Package: "main", Rule: "deny_latest", Message: "image nginx:latest uses the latest tag",
					Waived: &policy.Waiver{Package: "main", Rules: []string{"latest"}, Reason: "frozen legacy service"}},
			},
			Expired: []policy.Waiver{{Package: "main", Rules: []string{"root"}, Expires: date("2025-12-31"), Expired: true}},
		}},
	}
}
