package cli

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/analysis"
)

type analyzeOptions struct {
	prometheus, file string
	vars             analysis.Vars
}

func newAnalyzeCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze --prometheus URL --analysis FILE",
		Short: "Run a canary analysis against Prometheus",
		Long: `Run the measurements of an analysis file (docs/analysis.md) against
Prometheus: each PromQL query, its templates filled with --model, --env,
--digest and --version, is run count times, interval apart, after
initialDelay, and decided by its success or failure condition, with the
semantics of Argo Rollouts' AnalysisTemplate.

Exit codes: 0 successful, 1 failed or inconclusive, 2 a bad analysis file or
a query Prometheus cannot parse, 3 Prometheus unreachable.`,
		Example: `  slipway analyze --prometheus http://prometheus:9090 --analysis canary.yaml \
      --model iris --env production --version 1.4.0`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			vars := o.vars
			if vars.Model == "" {
				vars.Model = g.cfg.Model
			}
			res, err := analysis.Run(cmd.Context(), analysis.Request{Prometheus: o.prometheus, File: o.file, Vars: vars})
			if err != nil {
				return err
			}
			if err := g.render(streams.Stdout, res, func(w io.Writer) error { return analysisText(w, res) }); err != nil {
				return err
			}
			return res.Err()
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.prometheus, "prometheus", "", "URL of the Prometheus server to query (required)")
	f.StringVar(&o.file, "analysis", "", "analysis file: YAML measurements (required; docs/analysis.md)")
	f.StringVar(&o.vars.Model, "model", "", "{{ .Model }} in the queries (default: the model setting)")
	f.StringVar(&o.vars.Environment, "env", "", "{{ .Environment }} in the queries")
	f.StringVar(&o.vars.Digest, "digest", "", "{{ .Digest }} in the queries")
	f.StringVar(&o.vars.Version, "version", "", "{{ .Version }} in the queries")
	return cmd
}

// analysisText is a table of measurements, then the phase.
func analysisText(w io.Writer, res *analysis.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASUREMENT\tPHASE\tRUNS\tFAILED\tINCONCLUSIVE\tLAST VALUE\tCONDITION")
	for _, m := range res.Measurements {
		last := "-"
		if n := len(m.Runs); n > 0 && len(m.Runs[n-1].Values) > 0 {
			last = strconv.FormatFloat(m.Runs[n-1].Values[0].Value, 'g', 4, 64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d/%d\t%d/%d\t%s\t%s\n", m.Name, m.Phase, len(m.Runs), m.Count,
			m.Failed, m.FailureLimit, m.Inconclusive, m.InconclusiveLimit, last, m.Condition)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "analysis %s: %s\n", res.Phase, res.Summary())
	return err
}
