package metrics

import (
	"maps"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/promote"
)

// Job is the Pushgateway job every Slipway push is grouped under.
const Job = "slipway"

// Names of the metric families, as docs/metrics.md lists them.
const (
	GatePassed         = "slipway_gate_passed"
	GateFailures       = "slipway_gate_failures"
	GateWarnings       = "slipway_gate_warnings"
	ModelMetric        = "slipway_model_metric"
	GateTimestamp      = "slipway_gate_timestamp_seconds"
	DriftPSI           = "slipway_drift_psi"
	DriftPValue        = "slipway_drift_pvalue"
	DriftShare         = "slipway_drift_share"
	DriftDetected      = "slipway_drift_detected"
	DriftTimestamp     = "slipway_drift_timestamp_seconds"
	PromotionTimestamp = "slipway_promotion_timestamp_seconds"
	EnvironmentInfo    = "slipway_environment_info"
)

// Names are every metric family Slipway exports (the dashboard's test
// checks its queries name only these).
func Names() []string {
	return []string{GatePassed, GateFailures, GateWarnings, ModelMetric, GateTimestamp,
		DriftPSI, DriftPValue, DriftShare, DriftDetected, DriftTimestamp,
		PromotionTimestamp, EnvironmentInfo}
}

// Set is one run's metric families and the Pushgateway group they belong
// to: job "slipway" and the model, plus the environment for a promotion
// (so that promoting to staging does not replace production's series).
type Set struct {
	// Grouping is the Pushgateway grouping key besides the job, in order.
	Grouping [][2]string
	reg      *prometheus.Registry
}

func newSet(grouping ...[2]string) *Set {
	return &Set{Grouping: grouping, reg: prometheus.NewPedanticRegistry()}
}

// Gatherer gives the families (for tests and the text file).
func (s *Set) Gatherer() prometheus.Gatherer { return s.reg }

// gauge registers a gauge vector; help and labels are fixed by the caller.
func (s *Set) gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	s.reg.MustRegister(g)
	return g
}

// FromGate is a gate verdict's families: whether it passed, its failures
// and warnings, every evaluation metric it saw, and when it ran.
func FromGate(v *gate.Verdict) *Set {
	model, version := v.Model.Name, v.Model.Version
	s := newSet([2]string{"model", model})
	passed := 0.0
	if v.Decision != policy.Fail {
		passed = 1
	}
	s.gauge(GatePassed, "1 when the model's latest gate passed (pass or warn), 0 when it failed.", "model", "version").
		WithLabelValues(model, version).Set(passed)
	s.gauge(GateFailures, "Policy failures (deny and violation findings, not waived) of the latest gate.", "model", "version").
		WithLabelValues(model, version).Set(float64(len(v.Result.Failures())))
	s.gauge(GateWarnings, "Policy warnings (not waived) of the latest gate.", "model", "version").
		WithLabelValues(model, version).Set(float64(len(v.Result.Warnings())))
	if len(v.Metrics) > 0 {
		m := s.gauge(ModelMetric, "An evaluation metric of the model as the gate saw it (--metrics).", "model", "version", "metric")
		for _, row := range v.Metrics {
			m.WithLabelValues(model, version, row.Name).Set(row.Candidate)
		}
	}
	s.gauge(GateTimestamp, "When the latest gate ran, in seconds since the epoch.", "model", "version").
		WithLabelValues(model, version).Set(unix(v.Time))
	return s
}

// FromDrift is a drift report's families for model: PSI and p-value per
// feature, the share of drifted features and the data set's verdict.
// Features that were not tested (a side had no values) are left out.
func FromDrift(model string, r *drift.Result, at time.Time) *Set {
	s := newSet([2]string{"model", model})
	psi := s.gauge(DriftPSI, "Population stability index of a feature, current data against the reference.", "model", "feature")
	pv := s.gauge(DriftPValue, "P-value of a feature's drift test (Kolmogorov-Smirnov or chi-square).", "model", "feature")
	for _, name := range slices.Sorted(maps.Keys(r.Features)) {
		f := r.Features[name]
		if f.Test == "" {
			continue
		}
		psi.WithLabelValues(model, name).Set(f.PSI)
		pv.WithLabelValues(model, name).Set(f.PValue)
	}
	s.gauge(DriftShare, "Share of the tested features that drifted.", "model").WithLabelValues(model).Set(r.ShareDrifted)
	detected := 0.0
	if r.DatasetDrift {
		detected = 1
	}
	s.gauge(DriftDetected, "1 when the data set drifted (the share of drifted features reached its threshold).", "model").
		WithLabelValues(model).Set(detected)
	s.gauge(DriftTimestamp, "When drift was last measured, in seconds since the epoch.", "model").WithLabelValues(model).Set(unix(at))
	return s
}

// FromPromotion is a promotion's (or rollback's) families: when the
// environment moved, and what it runs now, for joins.
func FromPromotion(res *promote.Result) *Set {
	r := res.Record
	model := r.Name
	if model == "" {
		model = r.Repository
	}
	s := newSet([2]string{"model", model}, [2]string{"environment", r.Environment})
	s.gauge(PromotionTimestamp, "When the environment was last promoted to (or rolled back to) the version, in seconds since the epoch.", "model", "environment", "version").
		WithLabelValues(model, r.Environment, r.Version).Set(unix(r.Time))
	s.gauge(EnvironmentInfo, "1 for the version and digest an environment runs now.", "model", "environment", "version", "digest").
		WithLabelValues(model, r.Environment, r.Version, r.Digest).Set(1)
	return s
}

// unix is t in seconds since the epoch, with its fraction.
func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
