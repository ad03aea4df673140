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
	for _, f := range e.Files() {
		v.Policies = append(v.Policies, DigestedFile{Name: f.Name, Digest: f.Digest})
	}
	return v, nil
}
