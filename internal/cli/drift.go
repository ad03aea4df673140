package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/report"
)

type driftOptions struct {
	reference, referenceFile   string
	current                    []string
	columns, ignore, categoric []string
	thresholds                 drift.Thresholds
	reports                    []string
	target, prediction, task   string
	baselineMetrics            string
	insecure                   bool
	identity                   identityFlags
	exactLimit                 int
	model                      string
	metrics                    metricsFlags
}

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
			o.fromConfig(cmd.Flags(), g.cfg.Drift)
			res, err := drift.Run(cmd.Context(), drift.Request{
				Client: g.client, Reference: o.reference, ReferenceFile: o.referenceFile,
				Current: o.current, Stdin: streams.Stdin,
				Columns: o.columns, Ignore: o.ignore, Categorical: o.categoric, Thresholds: o.thresholds,
				ExactLimit: o.exactLimit, Target: o.target, Prediction: o.prediction, Task: o.task, BaselineMetrics: o.baselineMetrics,
				Verifies: g.cfg.Key != "" || o.identity.value().Set() || o.insecure, ReadBaseline: o.readBaseline(g, streams),
				Reports: reports,
			})
			if err != nil {
				return err
			}
			if err := g.render(streams.Stdout, res, func(w io.Writer) error { return driftText(w, res) }); err != nil {
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
	f.IntVar(&o.exactLimit, "exact-limit", drift.DefaultExactLimit, "numbers per column and side held for exact statistics; beyond, a quantile sketch (approximate; -1: always exact)")
	f.StringVar(&o.prediction, "prediction", "", "column of the model's predictions: adds the drift of their distribution (the column is no feature)")
	f.StringVar(&o.target, "target", "", "column of the true values: with --prediction, the model's performance on the current data, compared with its baseline metrics")
	f.StringVar(&o.task, "task", "", "classification or regression (default: inferred from the target and predictions)")
	f.StringVar(&o.baselineMetrics, "baseline-metrics", "", "metrics to compare the performance with: a metrics file, or a model whose signed gate attestation holds them (default: the reference model's)")
	f.String("baseline-key", "", "public key the baseline model's gate attestation must be signed with (default: the key setting, env "+config.EnvKey+" or key in slipway.yaml)")
	bindSetting(f, "baseline-key", config.SettingKey)
	o.identity.register(f, "the baseline model's gate attestation")
	f.BoolVar(&o.insecure, "insecure-unsigned", false, "use the baseline model's gate attestations without verifying them (no key): anyone who can push there chooses the baseline")
	f.Float64Var(&o.thresholds.Degradation, "degradation", drift.DefaultThresholds.Degradation, "a model metric degraded when it is worse than the baseline's by more than this share of it")
	f.StringArrayVar(&o.reports, "report", nil, "also write the result: FMT=FILE, FMT one of "+strings.Join(report.DriftFormats(), ", ")+" (repeatable)")
	f.StringVar(&o.model, "model", "", "model label of the pushed metrics (default: the model setting, else the --reference model's repository name, else the reference file's name)")
	o.metrics.register(cmd)
	return cmd
}

// fromConfig takes each threshold that no flag set from slipway.yaml's
// drift: settings, when it has them.
func (o *driftOptions) fromConfig(f *pflag.FlagSet, d *config.Drift) {
	if d == nil {
		return
	}
	pick := func(flag string, dst, setting *float64) {
		if setting != nil && !f.Changed(flag) {
			*dst = *setting
		}
	}
	pick("psi", &o.thresholds.PSI, d.PSI)
	pick("alpha", &o.thresholds.Alpha, d.Alpha)
	pick("share", &o.thresholds.Share, d.Share)
	pick("degradation", &o.thresholds.Degradation, d.Degradation)
	if d.ExactLimit != nil && !f.Changed("exact-limit") {
		o.exactLimit = *d.ExactLimit
	}
}

// readBaseline resolves baseline metrics with the gate's trust rules.
func (o *driftOptions) readBaseline(g *globalOptions, streams IO) func(context.Context, string) (map[string]any, error) {
	return func(ctx context.Context, arg string) (map[string]any, error) {
		b, err := gate.ReadBaseline(ctx, gate.BaselineRequest{
			Client: g.client, Baseline: arg, Keys: baselineKeys(g.cfg.Key, ""), InsecureUnsigned: o.insecure,
			Identity: o.identity.value(), TrustedRoot: o.identity.trustedRoot, Getenv: os.Getenv,
			Warn: func(msg string) { fmt.Fprintf(streams.Stderr, "warning: %s\n", msg) },
		})
		if err != nil || b == nil {
			return nil, err
		}
		return b.Metrics, nil
	}
}

// parseDriftReports reads --report FMT=FILE flags before any work is done.
func parseDriftReports(specs []string) ([]drift.ReportFile, error) {
	return parseReportFlags(specs, "html=drift.html", func(format, path string) (drift.ReportFile, error) {
		if !slices.Contains(report.DriftFormats(), format) {
			return drift.ReportFile{}, fault.Usagef("--report %q: unknown format %q (want one of %s)", format+"="+path, format, strings.Join(report.DriftFormats(), ", "))
		}
		return drift.ReportFile{Format: format, Path: path, Write: func(w io.Writer, res *drift.Result) error {
			return report.WriteDrift(w, format, res)
		}}, nil
	})
}

// lastMarkdown is the last markdown report, which CI systems show; "" when
// there is none.
func lastMarkdown(reports []drift.ReportFile) string {
	md := ""
	for _, r := range reports {
		if r.Format == report.Markdown {
			md = r.Path
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
		test := f.Test
		if f.Approximate {
			test += "≈"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, f.Kind, test,
			g4(f.Statistic), strconv.FormatFloat(f.PValue, 'g', 3, 64), g4(f.PSI), g4(f.JS), drifted)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if approx := res.ApproximateFeatures(); len(approx) > 0 {
		fmt.Fprintf(w, "≈ approximate (more than %d values: quantile sketch, values within %g%%): %s\n", res.ExactLimit, 100*res.SketchAccuracy, strings.Join(approx, ", "))
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
	if _, err := fmt.Fprintf(w, "%s: %d of %d features drifted (%.0f%%, threshold %.0f%%)\n",
		verdict, res.Drifted, res.Tested, 100*res.ShareDrifted, 100*res.Thresholds.Share); err != nil {
		return err
	}
	if res.Model != nil {
		return modelText(w, res.Model)
	}
	return nil
}

// modelText prints the model's drift: predictions, metrics, verdict.
func modelText(w io.Writer, m *drift.Model) error {
	p := m.PredictionDrift
	fmt.Fprintf(w, "\nmodel (%s): predictions %s against the reference's %s: ", m.Task, m.Prediction, m.PredictionReference)
	if p.Test == "" {
		fmt.Fprintf(w, "skipped: %s\n", p.Skipped)
	} else {
		fmt.Fprintf(w, "%s %s, p-value %s, PSI %s\n", p.Test, g4(p.Statistic), strconv.FormatFloat(p.PValue, 'g', 3, 64), g4(p.PSI))
	}
	if len(m.Metrics) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "METRIC (%d rows)\tCURRENT\tBASELINE\tDELTA\tDEGRADED\n", m.Rows)
		changes := map[string]drift.MetricChange{}
		for _, c := range m.Changes {
			changes[c.Name] = c
		}
		for _, name := range slices.Sorted(maps.Keys(m.Metrics)) {
			c, ok := changes[name]
			if !ok {
				fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\n", name, g4(m.Metrics[name]))
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%+.4g\t%s\n", name, g4(c.Current), g4(c.Baseline), c.Delta, yesNo(c.Degraded))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range m.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	verdict := "no model drift"
	if m.Drifted {
		verdict = "MODEL DRIFT: " + strings.Join(m.Reasons, "; ")
	}
	_, err := fmt.Fprintln(w, verdict)
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
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
