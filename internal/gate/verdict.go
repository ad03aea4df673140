package gate

import (
	"time"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// Verdict is everything a gate decided and why: what reports render and
// what the attestation's predicate records.
type Verdict struct {
	Decision policy.Decision `json:"decision"`
	Model    ModelRef        `json:"model"`
	// Baseline is the model compared against, when there was one.
	Baseline *ModelRef     `json:"baseline,omitempty"`
	Result   policy.Result `json:"result"`
	Metrics  []MetricRow   `json:"metrics"`
	// MetricValues is the metrics document as given: a later gate reads it
	// back from the attestation as its baseline.
	MetricValues map[string]any `json:"metricValues,omitempty"`
	Policies     []DigestedFile `json:"policies"`
	Inputs       []DigestedFile `json:"inputs"`
	CI           ci.Job         `json:"ci"`
	Time         time.Time      `json:"time"`
	// Notes are what a reader should know about how the verdict was
	// reached that no rule says: the gate checked no metric, say.
	Notes []string `json:"notes,omitempty"`
}

// ModelRef names a model by digest.
type ModelRef struct {
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	Digest    string `json:"digest"`
	Reference string `json:"reference,omitempty"`
}

// MetricRow is one line of the candidate-vs-baseline table.
type MetricRow struct {
	Name      string   `json:"name"`
	Candidate float64  `json:"candidate"`
	Baseline  *float64 `json:"baseline,omitempty"`
	// Delta is Candidate - Baseline when there is a baseline.
	Delta *float64 `json:"delta,omitempty"`
	// Threshold is the bound the policy configuration sets, if any.
	Threshold *Threshold `json:"threshold,omitempty"`
}

// Threshold is a bound on a metric: Op is ">=" (a minimum) or "<=" (a maximum).
type Threshold struct {
	Op    string  `json:"op"`
	Value float64 `json:"value"`
}

// DigestedFile names an input or policy by path and sha256, so the
// attestation proves which ones were used.
type DigestedFile struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
}
