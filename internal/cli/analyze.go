package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/report"
)

type analyzeOptions struct {
	prometheus, file string
	vars             analysis.Vars
	reports          []string
}

// analysisReport is one --report FMT=FILE of analyze (--analysis-report of promote).
type analysisReport struct{ format, path string }

func newAnalyzeCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze --prometheus URL --analysis FILE",
		Short: "Run a canary analysis against Prometheus",
		Long: `Run the measurements of an analysis file (docs/analysis.md) against
Prometheus: each PromQL query, its templates filled with --model, --env,
--digest and --version, is run count times, interval apart, after
initialDelay, and decided by its success or failure condition, with the
semantics of Argo Rollouts' AnalysisTemplate. The report (-o text, json,
markdown or junit; --report FMT=FILE for more) shows, per measurement, each
run's values and decision.

Exit codes: 0 successful, 1 failed or inconclusive, 2 a bad analysis file or
a query Prometheus cannot parse, 3 error: the queries kept failing
(consecutiveErrorLimit), e.g. Prometheus unreachable.`,
		Example: `  slipway analyze --prometheus http://prometheus:9090 --analysis canary.yaml \
      --model iris --env production --version 1.4.0 --report junit=analysis.xml`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			reports, err := parseAnalysisReports("--report", o.reports)
			if err != nil {
				return err
			}
			vars := o.vars
			if vars.Model == "" {
				vars.Model = g.cfg.Model
			}
			res, err := analysis.Run(cmd.Context(), analysis.Request{Prometheus: o.prometheus, File: o.file, Vars: vars})
			if err != nil {
				return err
			}
			if err := report.WriteAnalysis(streams.Stdout, g.output, res, report.WithColor(colorOn(streams.Stdout))); err != nil {
				return err
			}
			if err := writeAnalysisReports(reports, res); err != nil {
				return err
			}
			return res.Err()
		},
	}
	formats(cmd, report.AnalysisFormats()...)
	f := cmd.Flags()
	f.StringVar(&o.prometheus, "prometheus", "", "URL of the Prometheus server to query (required)")
	f.StringVar(&o.file, "analysis", "", "analysis file: YAML measurements (required; docs/analysis.md)")
	f.StringVar(&o.vars.Model, "model", "", "{{ .Model }} in the queries (default: the model setting)")
	f.StringVar(&o.vars.Environment, "env", "", "{{ .Environment }} in the queries")
	f.StringVar(&o.vars.Digest, "digest", "", "{{ .Digest }} in the queries")
	f.StringVar(&o.vars.Version, "version", "", "{{ .Version }} in the queries")
	f.StringArrayVar(&o.reports, "report", nil, "also write the report: FMT=FILE, FMT one of "+strings.Join(report.AnalysisFormats(), ", ")+" (repeatable)")
	return cmd
}

// parseAnalysisReports reads FMT=FILE flags (flag names them in messages).
func parseAnalysisReports(flag string, specs []string) ([]analysisReport, error) {
	return parseReportFlags(specs, "junit=analysis.xml", func(format, path string) (analysisReport, error) {
		if !slices.Contains(report.AnalysisFormats(), format) {
			return analysisReport{}, fault.Usagef("%s %q: unknown format %q (want one of %s)", flag, format+"="+path, format, strings.Join(report.AnalysisFormats(), ", "))
		}
		return analysisReport{format: format, path: path}, nil
	})
}

// writeAnalysisReports writes each report atomically, creating its folder.
func writeAnalysisReports(reports []analysisReport, res *analysis.Result) error {
	for _, r := range reports {
		if err := announce.WriteFile(r.path, func(w io.Writer) error { return report.WriteAnalysis(w, r.format, res) }); err != nil {
			return fmt.Errorf("writing the %s report %s: %w", r.format, r.path, err)
		}
	}
	return nil
}
