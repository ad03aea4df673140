package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/promote"
	"github.com/slipwayhq/slipway/internal/report"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

type analyzeOptions struct {
	prometheus, file  string
	vars              analysis.Vars
	reports           []string
	rollbackOnFailure bool
}

func newAnalyzeCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze --prometheus URL --analysis FILE [REPO --env ENV]",
		Short: "Run a canary analysis against Prometheus",
		Long: `Run the measurements of an analysis file (docs/analysis.md) against
Prometheus: each PromQL query, its templates filled with --model, --env,
--digest and --version, is run count times, interval apart, after
initialDelay, and decided by its success or failure condition, with the
semantics of Argo Rollouts' AnalysisTemplate. The report (-o text, json,
markdown or junit; --report FMT=FILE for more) shows, per measurement, each
run's values and decision.

With REPO and --env, the variables the flags leave empty are what ENV runs
in REPO: its digest, and the model name and version of the record that put
it there. --rollback-on-failure then rolls ENV back (as slipway rollback
does) when the analysis fails or is inconclusive and ENV still runs the
digest analyzed: the check after a blue-green flip.

Exit codes: 0 successful, 1 failed or inconclusive, 2 a bad analysis file or
a query Prometheus cannot parse, 3 error: the queries kept failing
(consecutiveErrorLimit), e.g. Prometheus unreachable.`,
		Example: `  slipway analyze --prometheus http://prometheus:9090 --analysis canary.yaml \
      --model iris --env production --version 1.4.0 --report junit=analysis.xml
  slipway analyze --prometheus http://prometheus:9090 --analysis latency-p99.yaml \
      registry.example.com/acme/iris-server --env production --rollback-on-failure`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return argsError(cmd, "at most one REPO", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			reports, err := parseAnalysisReports("--report", o.reports)
			if err != nil {
				return err
			}
			req := promote.VerifyRequest{Client: g.client, Env: o.vars.Environment, Vars: o.vars, Config: g.cfg,
				RollbackOnFailure: o.rollbackOnFailure, Getenv: os.Getenv, Warn: promoteWarner(streams),
				Analyze: analyzer(g, streams, o.prometheus, o.file), Reports: reports}
			if len(args) == 1 {
				req.Repo = args[0]
			}
			res, rerr := promote.Verify(cmd.Context(), req)
			if res == nil {
				return rerr
			}
			if err := writeVerify(streams.Stdout, g.output, res); err != nil {
				return err
			}
			if res.Rollback != nil { // pushed where the pushgateway setting says, as rollback's
				(&metricsFlags{}).publish(cmd.Context(), g, streams, metrics.FromPromotion(res.Rollback))
			}
			if rerr != nil {
				return rerr
			}
			return res.Err()
		},
	}
	formats(cmd, report.AnalysisFormats()...)
	f := cmd.Flags()
	f.StringVar(&o.prometheus, "prometheus", "", "URL of the Prometheus server to query (required)")
	f.StringVar(&o.file, "analysis", "", "analysis file: YAML measurements (required; docs/analysis.md)")
	f.StringVar(&o.vars.Model, "model", "", "{{ .Model }} in the queries (default: the model setting)")
	f.StringVar(&o.vars.Environment, "env", "", "{{ .Environment }} in the queries; with REPO, the environment analyzed")
	f.StringVar(&o.vars.Digest, "digest", "", "{{ .Digest }} in the queries")
	f.StringVar(&o.vars.Version, "version", "", "{{ .Version }} in the queries")
	f.BoolVar(&o.rollbackOnFailure, "rollback-on-failure", false, "with REPO and --env: roll ENV back when the analysis fails or is inconclusive (still exit 1)")
	f.StringArrayVar(&o.reports, "report", nil, "also write the report: FMT=FILE, FMT one of "+strings.Join(report.AnalysisFormats(), ", ")+" (repeatable)")
	return cmd
}

// analyzer binds analysis.Run to the server and file, with a line on
// stderr per run (an analysis takes minutes; none with --quiet).
func analyzer(g *globalOptions, streams IO, prometheus, file string) promote.Analyzer {
	return func(ctx context.Context, vars analysis.Vars) (*analysis.Result, error) {
		req := analysis.Request{Prometheus: prometheus, File: file, Vars: vars}
		if !g.quiet {
			req.Progress = func(name string, r analysis.Attempt) {
				fmt.Fprintf(streams.Stderr, "slipway: analysis: %s: %s %s: %s\n", untrusted.Text(name), r.Phase,
					untrusted.Text(report.Samples(r.Values)), untrusted.Text(r.Message))
			}
		}
		return analysis.Run(ctx, req)
	}
}

// writeVerify prints the analysis in the --output format; -o json adds
// the rollback, and text says what it did.
func writeVerify(w io.Writer, format string, res *promote.VerifyResult) error {
	if format == report.JSON {
		return printJSON(w, res)
	}
	if err := report.WriteAnalysis(w, format, res.Result, report.WithColor(colorOn(w))); err != nil || format != report.Text {
		return err
	}
	if res.Rollback != nil {
		fmt.Fprintln(w)
		promote.WriteResult(w, res.Rollback)
	}
	if res.RollbackError != "" {
		fmt.Fprintf(w, "not rolled back: %s\n", res.RollbackError)
	}
	return nil
}

// parseAnalysisReports reads FMT=FILE flags (flag names them in messages).
func parseAnalysisReports(flag string, specs []string) ([]promote.AnalysisReport, error) {
	return parseReportFlags(specs, "junit=analysis.xml", func(format, path string) (promote.AnalysisReport, error) {
		if !slices.Contains(report.AnalysisFormats(), format) {
			return promote.AnalysisReport{}, fault.Usagef("%s %q: unknown format %q (want one of %s)", flag, format+"="+path, format, strings.Join(report.AnalysisFormats(), ", "))
		}
		return promote.AnalysisReport{Format: format, Path: path}, nil
	})
}
