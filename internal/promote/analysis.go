package promote

import (
	"context"
	"fmt"
	"io"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/atomicfile"
	"github.com/slipwayhq/slipway/internal/report"
)

// AnalysisReport is a report of the canary analysis to write, once it has
// run: analyze --report and promote --analysis-report FORMAT=PATH, Format
// one of report.AnalysisFormats.
type AnalysisReport struct{ Format, Path string }

// writeAnalysisReports writes each report of res atomically, creating its
// folder.
func writeAnalysisReports(reports []AnalysisReport, res *analysis.Result) error {
	for _, r := range reports {
		if err := atomicfile.WriteReport(r.Path, func(w io.Writer) error { return report.WriteAnalysis(w, r.Format, res) }); err != nil {
			return fmt.Errorf("writing the %s report %s: %w", r.Format, r.Path, err)
		}
	}
	return nil
}

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
