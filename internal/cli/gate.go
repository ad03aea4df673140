package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/report"
)

type gateOptions struct {
	metrics    string
	policy     policyFlags
	baseline   string
	card       string
	drift      string
	key        string
	reports    []string
	failOnWarn bool
	noAttest   bool
}

func newGateCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &gateOptions{}
	cmd := &cobra.Command{
		Use:   "gate REF --metrics FILE",
		Short: "Check a model against policies; report, and attest the verdict",
		Long: `Evaluate Rego v1 policies (conftest's conventions) against the model REF
names: its files and config, its metrics, the baseline it is compared with,
its model card, a drift report and the CI context (docs/gate-input.md).
Without --policy the shipped library runs (policies/), configured with
--data. The verdict is printed in the --output format, written as --report
FMT=FILE, published where the CI system shows it, and recorded as an in-toto
attestation referring to the model's digest (signed with --key).

Exit codes: 0 pass, 1 denied, 2 bad input or a policy that does not compile,
3 runtime error, 4 warnings only with --fail-on-warn.`,
		Example: `  slipway gate oci:.slipway/iris-classifier:1.0.0 --metrics eval.json --data thresholds.yaml
  slipway gate registry.example.com/ml/iris@sha256:… --metrics eval.json --baseline baseline.json \
      --key gate.key --report markdown=gate.md --report junit=gate.xml`,
		Annotations: map[string]string{annotationFormats: strings.Join(report.Formats(), ",")},
		Args:        exactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGate(cmd.Context(), g, o, streams, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.metrics, "metrics", "", "evaluation metrics: JSON, YAML or a name,value CSV (required)")
	o.policy.register(f)
	f.StringVar(&o.baseline, "baseline", "", "compare with: a metrics file, or a model reference whose gate attestation holds its metrics")
	f.StringVar(&o.card, "card", "", "model-card YAML (default: the front matter of the model's README.md)")
	f.StringVar(&o.drift, "drift", "", "drift report (JSON or YAML)")
	f.StringVar(&o.key, "key", "", "sign the attestation with this private key (PEM: ed25519 or ECDSA P-256)")
	f.StringArrayVar(&o.reports, "report", nil, "also write a report: FMT=FILE (repeatable; formats as --output)")
	f.BoolVar(&o.failOnWarn, "fail-on-warn", false, "exit 4 when there are warnings and no failures")
	f.BoolVar(&o.noAttest, "no-attest", false, "do not store the verdict as an attestation")
	return cmd
}

func runGate(ctx context.Context, g *globalOptions, o *gateOptions, streams IO, refArg string) error {
	if o.metrics == "" {
		return fault.Usagef("--metrics is required: the evaluation metrics of the model (JSON, YAML or name,value CSV)")
	}
	reports, err := parseReports(o.reports)
	if err != nil {
		return err
	}
	var signer *attest.Signer
	if o.key != "" {
		if signer, err = attest.LoadPrivateKey(o.key); err != nil {
			return err
		}
	}
	ref, store, err := g.openTagged(refArg)
	if err != nil {
		return err
	}
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	if err != nil {
		return err
	}
	pinned := ref.WithDigest(art.Descriptor.Digest.String())

	engine, err := o.policy.compile(ctx, g)
	if err != nil {
		return err
	}
	baseline, err := g.readBaseline(ctx, o.baseline)
	if err != nil {
		return err
	}
	ciCtx := ci.Context(os.Getenv)
	now := time.Now()
	in, err := gate.BuildInput(ctx, gate.Sources{
		Store: store, Artifact: art, Reference: pinned.String(), Metrics: o.metrics,
		Baseline: baseline, Card: o.card, Drift: o.drift, CI: ciCtx, Now: now,
	})
	if err != nil {
		return err
	}
	config, err := policyConfig(ctx, engine)
	if err != nil {
		return err
	}
	verdict, err := gate.Decide(ctx, engine, in, config, ciCtx, now)
	if err != nil {
		return err
	}

	attestation := ""
	if !o.noAttest {
		d, err := attachVerdict(ctx, store, art, verdict, signer)
		if err != nil {
			return err
		}
		attestation = ref.WithDigest(d.Digest.String()).String()
	}
	if err := writeReports(reports, verdict); err != nil {
		return err
	}
	mdReport := ""
	for _, r := range reports {
		if r.format == report.Markdown {
			mdReport = r.path
		}
	}
	if err := announce.Verdict(ctx, verdict, announce.VerdictOptions{
		Getenv: os.Getenv, Stderr: streams.Stderr, MarkdownReport: mdReport, Attestation: attestation, Annotate: g.output != report.GitHub,
	}); err != nil {
		return err
	}
	r, err := report.New(g.output, report.WithColor(colorOn(streams.Stdout)))
	if err != nil {
		return err
	}
	if err := r.Report(streams.Stdout, verdict); err != nil {
		return err
	}
	if attestation != "" && g.output == "text" {
		fmt.Fprintf(streams.Stderr, "attestation: %s\n", attestation)
	}
	switch {
	case verdict.Decision == policy.Fail:
		return fault.Deniedf("gate failed for %s: %d failures", pinned, len(verdict.Result.Failures()))
	case verdict.Decision == policy.Warn && o.failOnWarn:
		return fault.Wrap(fault.Warned, fmt.Errorf("gate passed with %d warnings for %s (--fail-on-warn)", len(verdict.Result.Warnings()), pinned))
	}
	return nil
}

// attachVerdict records the verdict as an in-toto attestation referring to
// the model's digest: signed with signer, or unsigned without one.
func attachVerdict(ctx context.Context, store oci.Store, art *modelpack.Artifact, v *gate.Verdict, signer *attest.Signer) (v1.Descriptor, error) {
	stmt := attest.NewStatement(v.Model.Name, art.Descriptor.Digest, attest.PredicateGate, v)
	env, err := attest.Unsigned(stmt)
	if signer != nil {
		env, err = attest.Sign(stmt, signer)
	}
	if err != nil {
		return v1.Descriptor{}, err
	}
	d, err := attest.Attach(ctx, store, art.Descriptor, env, nil)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("storing the gate attestation: %w", err)
	}
	return d, nil
}

// reportFile is one --report FMT=FILE.
type reportFile struct{ format, path string }

func parseReports(specs []string) ([]reportFile, error) {
	var out []reportFile
	for _, s := range specs {
		format, path, ok := strings.Cut(s, "=")
		if !ok || path == "" {
			return nil, fault.Usagef("--report %q: want FORMAT=FILE, e.g. --report junit=gate.xml", s)
		}
		if _, err := report.New(format); err != nil {
			return nil, err
		}
		out = append(out, reportFile{format: format, path: path})
	}
	return out, nil
}

func writeReports(reports []reportFile, v *gate.Verdict) error {
	for _, rf := range reports {
		r, err := report.New(rf.format)
		if err != nil {
			return err
		}
		if err := announce.WriteFile(rf.path, func(w io.Writer) error { return r.Report(w, v) }); err != nil {
			return fault.Usagef("writing --report %s=%s: %v", rf.format, rf.path, err)
		}
	}
	return nil
}

// colorOn says whether text on w may be coloured: a terminal, and no NO_COLOR.
func colorOn(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
}
