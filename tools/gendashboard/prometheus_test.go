package main

import (
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/promote"
	"github.com/slipwayhq/slipway/internal/promtest"
)

// allValues is what Grafana puts for $model and $environment when All is
// chosen (their allValue).
var allValues = strings.NewReplacer("$model", ".*", "$environment", ".*")

// TestQueriesAgainstPrometheus pushes a gate, a drift run and a promotion
// through a real Pushgateway, lets a real Prometheus scrape it, and runs
// every query of the board (panels, annotations, variable selectors) with
// All chosen: each must return series, so no panel of the board is empty
// for a model Slipway has gated, drift-checked and promoted.
func TestQueriesAgainstPrometheus(t *testing.T) {
	gw := promtest.Pushgateway(t)
	if gw == "" {
		return
	}
	prom := promtest.Prometheus(t, promtest.Host(t, gw))
	if prom == "" {
		return
	}
	now := time.Now()
	for _, s := range []*metrics.Set{
		metrics.FromGate(&gate.Verdict{
			Decision: policy.Pass,
			Model:    gate.ModelRef{Name: "iris", Version: "1.4.0"},
			Metrics:  []gate.MetricRow{{Name: "accuracy", Candidate: 0.96}, {Name: "f1", Candidate: 0.95}},
			Time:     now,
		}),
		metrics.FromDrift("iris", &drift.Result{Features: map[string]*drift.Feature{
			"petal_length": {Test: "ks", PSI: 0.04, PValue: 0.7},
			"sepal_width":  {Test: "ks", PSI: 0.31, PValue: 0.001},
		}, ShareDrifted: 0.5, DatasetDrift: true}, now),
		metrics.FromPromotion(&promote.Result{Record: promote.Record{
			Name: "iris", Version: "1.4.0", Environment: "production", Digest: "sha256:abc", Time: now,
		}}),
	} {
		if err := metrics.Push(t.Context(), s, gw, nil, 0); err != nil {
			t.Fatalf("pushing to %s: %v", gw, err)
		}
	}
	queries, _ := boardQueries(t)
	byVersion := ""
	for _, q := range queries {
		expr := allValues.Replace(grafanaDurations.Replace(q.expr))
		v := promtest.Await(t, prom, expr)
		t.Logf("%s: %d series, e.g. %v", q.where, len(v), v[0])
		if q.where == `panel "Model metrics by version" query A` {
			byVersion = expr
		}
	}

	// The next version's gate replaces the model's series in the
	// Pushgateway; the table over the range still shows both versions.
	next := metrics.FromGate(&gate.Verdict{
		Decision: policy.Pass,
		Model:    gate.ModelRef{Name: "iris", Version: "1.5.0"},
		Metrics:  []gate.MetricRow{{Name: "accuracy", Candidate: 0.97}},
		Time:     time.Now(),
	})
	if err := metrics.Push(t.Context(), next, gw, nil, 0); err != nil {
		t.Fatal(err)
	}
	promtest.Await(t, prom, `slipway_model_metric{version="1.5.0"}`)
	if byVersion == "" {
		t.Fatal(`the board has no panel "Model metrics by version"`)
	}
	releases := map[string]bool{}
	for _, s := range promtest.Await(t, prom, byVersion) {
		releases[string(s.Metric["release"])] = true
	}
	if !releases["iris 1.4.0"] || !releases["iris 1.5.0"] {
		t.Errorf("Model metrics by version shows releases %v, want iris 1.4.0 and iris 1.5.0", releases)
	}
}
