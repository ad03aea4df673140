package gate

import (
	"context"
	"time"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// Evaluator is what the gate needs of a compiled policy set.
type Evaluator interface {
	Eval(ctx context.Context, input any) (policy.Result, error)
	Files() []policy.File
}

// Decide evaluates the policies against the input and lays out the verdict.
// config is the policy configuration (data.slipway.config), read for the
// thresholds the metric table shows.
func Decide(ctx context.Context, e Evaluator, in *Input, config map[string]any, job ci.Job, now time.Time) (*Verdict, error) {
	res, err := e.Eval(ctx, in.Doc)
	if err != nil {
		return nil, err
	}
	v := &Verdict{
		Decision:     res.Decision(),
		Model:        in.Model,
		Result:       res,
		Inputs:       in.Files,
		MetricValues: in.Metrics,
		CI:           job,
		Time:         now.UTC(),
	}
	var baseMetrics map[string]any
	if in.Baseline != nil {
		baseMetrics = in.Baseline.Metrics
		v.Baseline = in.Baseline.Model
	}
	v.Metrics = MetricRows(in.Metrics, baseMetrics, config)
	if checksNoMetric(config, in.Baseline != nil) {
		v.Notes = append(v.Notes, NoThresholdNote)
	}
	for _, f := range e.Files() {
		v.Policies = append(v.Policies, DigestedFile{Name: f.Name, Digest: f.Digest})
	}
	return v, nil
}

// NoThresholdNote is the verdict's note when the shipped library ran with
// no metric bound: it passes having checked no metric value.
const NoThresholdNote = "no metric was checked against a threshold: the policy configuration sets no metrics.min, metrics.max or metrics.required" +
	" (nor a regression bound against the baseline); give them with --data FILE (docs/gate-input.md)"

// checksNoMetric reports whether config is the shipped library's (it has a
// metrics section) and bounds no metric: no minimum, maximum or required
// metric, and, with a baseline, no regression limit.
func checksNoMetric(config map[string]any, baseline bool) bool {
	metrics, ok := config["metrics"].(map[string]any)
	if !ok {
		return false // other policies: what they check is theirs to say
	}
	if !empty(metrics["min"]) || !empty(metrics["max"]) || !empty(metrics["required"]) {
		return false
	}
	if baseline {
		regression, _ := config["regression"].(map[string]any)
		for _, k := range []string{"max_drop", "max_drop_relative", "max_rise", "max_rise_relative"} {
			if !empty(regression[k]) {
				return false
			}
		}
	}
	return true
}

func empty(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return v == nil
}
