package promote

import (
	"context"

	"github.com/slipwayhq/slipway/internal/analysis"
)

// Analyzer runs a canary analysis of the candidate (promote --analysis);
// the CLI binds it to analysis.Run with the Prometheus and file given.
type Analyzer func(context.Context, analysis.Vars) (*analysis.Result, error)

// analyze runs the request's analysis when every other check passed (or
// is forced): a failed or inconclusive analysis is one more refusal.
func (p *promotion) analyze(ctx context.Context, refusals []string) ([]string, error) {
	if p.req.Analyze == nil || (len(refusals) > 0 && !p.req.Force) {
		return refusals, nil
	}
	res, err := p.req.Analyze(ctx, analysis.Vars{Model: p.subj.name, Environment: p.req.Env.Name,
		Digest: p.req.Digest.String(), Version: p.subj.version})
	if err != nil {
		return nil, err
	}
	p.res.Analysis = res
	if !res.Passed() {
		refusals = append(refusals, "canary analysis "+string(res.Phase)+": "+res.Summary())
	}
	return refusals, nil
}
