package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/report"
)

type driftOptions struct {
	reference, referenceFile   string
	current                    []string
	columns, ignore, categoric []string
	thresholds                 drift.Thresholds
	reports                    []string
	model                      string
	metrics                    metricsFlags
}

// driftReport is one --report FMT=FILE of slipway drift.
type driftReport struct{ format, path string }

func newDriftCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &driftOptions{thresholds: drift.DefaultThresholds}
	cmd := &cobra.Command{
		Use:   "drift --reference SRC --current FILE...",
		Short: "Compare current data with the reference (training) data, feature by feature",
		Long: `Compare the current data with a reference: a CSV or Parquet file, or a model
(REF, oci:DIR:tag, REF@sha256:…) whose packed CSV or Parquet dataset is the
reference, read by digest. --current takes CSV and Parquet files, folders of
them, or - for CSV on stdin. Numeric features: two-sample Kolmogorov–Smirnov (as scipy's ks_2samp),
Wasserstein-1, PSI and Jensen–Shannon distance on the reference's deciles;
categorical features: chi-square of the contingency table, PSI and
Jensen–Shannon on the categories (docs/drift.md). A feature drifted when its
PSI reaches --psi or its p-value is below --alpha divided by the number of
features tested; the data set drifted when the share of drifted features
reaches --share. -o json is the document the gate gives policies as input.drift.
--report FMT=FILE also writes the result as json, markdown (for a merge-request
note) or html (one self-contained file: per feature, the reference's and the
current histograms overlaid). In CI the markdown becomes the step summary or
the merge-request note of the reference, and the outputs drift, share and
report are set.

Exit codes: 0 no dataset drift, 1 dataset drift, 2 bad input, 3 runtime error.`,
		Example: `  slipway drift --reference train.csv --current today.csv
  slipway drift --reference oci:.slipway/iris-classifier:1.0.0 --current batch1.csv --current batch2.csv -o json
  cat today.csv | slipway drift --reference registry.example.com/ml/iris:1.0.0 --current -
  slipway drift --reference train.csv --current today.csv --report html=drift.html --report markdown=drift.md`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			reports, err := parseDriftReports(o.reports)
			if err != nil {
				return err
			}
			res, err := drift.Run(cmd.Context(), drift.Request{
				Client: g.client, Reference: o.reference, ReferenceFile: o.referenceFile,
				Current: o.current, Stdin: streams.Stdin,
				Columns: o.columns, Ignore: o.ignore, Categorical: o.categoric, Thresholds: o.thresholds,
			})
			if err != nil {
				return err
			}
			if err := g.render(streams.Stdout, res, func(w io.Writer) error { return driftText(w, res) }); err != nil {
				return err
			}
			if err := writeDriftReports(reports, res); err != nil {
				return err
			}
			announce.Drift(cmd.Context(), res, announce.DriftOptions{
				Getenv: os.Getenv, Stderr: streams.Stderr, MarkdownReport: lastMarkdown(reports),
			})
			o.metrics.publish(cmd.Context(), g, streams, metrics.FromDrift(driftModel(o.model, g.cfg.Model, res), res, time.Now()))
			return res.Err()
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.reference, "reference", "", "reference data: a CSV or Parquet file, or a model whose CSV or Parquet dataset is the reference (required)")
	f.StringVar(&o.referenceFile, "reference-file", "", "the model's dataset file to use when it has several")
	f.StringArrayVar(&o.current, "current", nil, "current data: a CSV or Parquet file, a folder of them, or - for CSV on stdin (repeatable; concatenated)")
	f.StringSliceVar(&o.columns, "columns", nil, "compare only these columns")
	f.StringSliceVar(&o.ignore, "ignore", nil, "leave these columns out")
	f.StringSliceVar(&o.categoric, "categorical", nil, "compare these columns as categories even when they hold numbers")
	f.Float64Var(&o.thresholds.PSI, "psi", drift.DefaultThresholds.PSI, "a feature drifted when its PSI is at least this")
	f.Float64Var(&o.thresholds.Alpha, "alpha", drift.DefaultThresholds.Alpha, "significance level, divided by the number of features tested (Bonferroni)")
	f.Float64Var(&o.thresholds.Share, "share", drift.DefaultThresholds.Share, "the data set drifted when at least this share of the features drifted")
	f.StringArrayVar(&o.reports, "report", nil, "also write the result: FMT=FILE, FMT one of "+strings.Join(report.DriftFormats(), ", ")+" (repeatable)")
	f.StringVar(&o.model, "model", "", "model label of the pushed metrics (default: the model setting, else the --reference model's repository name, else the reference file's name)")
	o.metrics.register(cmd)
	return cmd
}

// parseDriftReports reads --report FMT=FILE flags before any work is done.
func parseDriftReports(specs []string) ([]driftReport, error) {
	return parseReportFlags(specs, "html=drift.html", func(format, path string) (driftReport, error) {
		if !slices.Contains(report.DriftFormats(), format) {
			return driftReport{}, fault.Usagef("--report %q: unknown format %q (want one of %s)", format+"="+path, format, strings.Join(report.DriftFormats(), ", "))
		}
		return driftReport{format: format, path: path}, nil
	})
}

// writeDriftReports writes each report atomically, creating its folder.
func writeDriftReports(reports []driftReport, res *drift.Result) error {
	for _, r := range reports {
		if err := announce.WriteFile(r.path, func(w io.Writer) error { return report.WriteDrift(w, r.format, res) }); err != nil {
			return fmt.Errorf("writing the %s report %s: %w", r.format, r.path, err)
		}
	}
	return nil
}

// lastMarkdown is the last markdown report, which CI systems show; "" when
// there is none.
func lastMarkdown(reports []driftReport) string {
	md := ""
	for _, r := range reports {
		if r.format == report.Markdown {
			md = r.path
		}
	}
	return md
}

func driftText(w io.Writer, res *drift.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEATURE\tKIND\tTEST\tSTATISTIC\tP-VALUE\tPSI\tJS\tDRIFTED")
	for _, name := range res.Columns {
		f := res.Features[name]
		if f.Test == "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\tskipped: %s\n", name, f.Kind, f.Skipped)
			continue
		}
		drifted := "no"
		if f.Drifted {
			drifted = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, f.Kind, f.Test,
			g4(f.Statistic), strconv.FormatFloat(f.PValue, 'g', 3, 64), g4(f.PSI), g4(f.JS), drifted)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range res.OnlyInReference {
		fmt.Fprintf(w, "only in the reference: %s\n", c)
	}
	for _, c := range res.OnlyInCurrent {
		fmt.Fprintf(w, "only in the current data: %s\n", c)
	}
	verdict := "no dataset drift"
	if res.DatasetDrift {
		verdict = "DATASET DRIFT"
	}
	_, err := fmt.Fprintf(w, "%s: %d of %d features drifted (%.0f%%, threshold %.0f%%)\n",
		verdict, res.Drifted, res.Tested, 100*res.ShareDrifted, 100*res.Thresholds.Share)
	return err
}

func g4(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// driftModel names the model drift metrics are about: --model, else the
// model setting, else the last path element of the reference (a model's
// repository, or the data file's name without extension).
func driftModel(flag, setting string, res *drift.Result) string {
	if m := cmp.Or(flag, setting); m != "" {
		return m
	}
	ref := res.Reference
	if repo, _, ok := strings.Cut(ref, "@"); ok {
		ref = repo
	}
	base := path.Base(strings.TrimPrefix(ref, "oci:"))
	if name, _, tagged := strings.Cut(base, ":"); tagged {
		return name
	}
	return strings.TrimSuffix(base, path.Ext(base))
}
