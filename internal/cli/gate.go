package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/report"
)

type gateOptions struct {
	metrics    string
	policy     policyFlags
	baseline   string
	insecure   bool
	card       string
	drift      string
	current    []string
	key        string
	attFormat  string
	reports    []string
	failOnWarn bool
	noAttest   bool
	timeout    time.Duration
	push       metricsFlags
	identity   identityFlags
	keyless    bool
	fulcio     string
	rekor      string
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
--data; --with-library runs it beside a team's own --policy. The verdict
is printed in the --output format, written as --report FMT=FILE,
published where the CI system shows it, and recorded as an in-toto
attestation referring to the model's digest (signed with --key).

Exit codes: 0 pass, 1 denied, 2 bad input or a policy that does not compile,
3 runtime error, 4 warnings only with --fail-on-warn.`,
		Example: `  slipway gate oci:.slipway/iris-classifier:1.0.0 --metrics eval.json --data thresholds.yaml
  slipway gate registry.example.com/ml/iris@sha256:… --metrics eval.json --baseline baseline.json \
      --key gate.key --report markdown=gate.md --report junit=gate.xml`,
		Annotations: map[string]string{annotationFormats: strings.Join(report.Formats(), ",")},
		Args:        exactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := o.request(g, streams, args[0])
			if err != nil {
				return err
			}
			res, err := gate.Run(cmd.Context(), req)
			if err != nil {
				return err
			}
			if err := g.showVerdict(cmd.Context(), streams, req, res); err != nil {
				return err
			}
			o.push.publish(cmd.Context(), g, streams, metrics.FromGate(res.Verdict))
			return res.Err()
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.metrics, "metrics", "", "evaluation metrics: JSON, YAML or a name,value CSV (required)")
	o.policy.register(f)
	o.policy.registerLibrary(f)
	f.StringVar(&o.baseline, "baseline", "", "compare with: a metrics file, or a model reference whose gate attestation (signed by --baseline-key) holds its metrics")
	f.String("baseline-key", "", "public key a --baseline reference's gate attestation must be signed with (default: the key setting, env "+config.EnvKey+" or key in slipway.yaml; else --key)")
	bindSetting(f, "baseline-key", config.SettingKey)
	o.identity.register(f, "a --baseline reference's gate attestation")
	f.BoolVar(&o.insecure, "insecure-unsigned", false, "use a --baseline reference's gate attestations without verifying them (no key): anyone who can push there chooses the baseline")
	f.StringVar(&o.card, "card", "", "model-card YAML (default: the front matter of the model's README.md)")
	f.StringVar(&o.drift, "drift", "", "drift report (JSON or YAML)")
	f.StringArrayVar(&o.current, "current", nil, "current data (CSV, - for stdin; repeatable): drift against the model's own dataset becomes input.drift")
	f.StringVar(&o.attFormat, "attestation-format", "bundle", "how the signed verdict is stored: bundle (Sigstore bundle v0.3 referrer, what cosign v3 writes and verifies), cosign-v2 (the bundle, and also cosign v2's sha256-<hex>.att tag) or dsse (bare DSSE envelope, Slipway's earlier form); all are read everywhere")
	f.StringVar(&o.key, "key", "", "sign the attestation with this private key (PEM: ed25519 or ECDSA P-256)")
	f.BoolVar(&o.keyless, "keyless", false, "sign the attestation keyless (Sigstore): an ephemeral key, a Fulcio certificate for the CI job's OIDC identity (SIGSTORE_ID_TOKEN, or GitHub Actions' token with `id-token: write`) and a Rekor entry")
	f.StringVar(&o.fulcio, "fulcio-url", "", "--keyless: the Fulcio instance (default "+attest.PublicFulcio+")")
	f.StringVar(&o.rekor, "rekor-url", "", "--keyless: the Rekor instance (default "+attest.PublicRekor+")")
	f.StringArrayVar(&o.reports, "report", nil, "also write a report: FMT=FILE (repeatable; formats as --output)")
	f.BoolVar(&o.failOnWarn, "fail-on-warn", false, "exit 4 when there are warnings and no failures")
	f.BoolVar(&o.noAttest, "no-attest", false, "do not store the verdict as an attestation")
	f.DurationVar(&o.timeout, "timeout", policy.DefaultTimeout, "longest one policy evaluation may take (exit 2 past it; 0 is no limit)")
	o.push.register(cmd)
	return cmd
}

// showVerdict prints the verdict in the --output format (and where the
// attestation went, for people), then publishes it to the CI system. The
// verdict comes first: publishing only warns (announce.Verdict), so a CI
// side channel never hides the verdict or changes the exit code.
func (g *globalOptions) showVerdict(ctx context.Context, streams IO, req gate.Request, res *gate.Result) error {
	r, err := report.New(g.output, report.WithColor(colorOn(streams.Stdout)))
	if err != nil {
		return err
	}
	if err := r.Report(streams.Stdout, res.Verdict); err != nil {
		return err
	}
	if res.Attestation != "" && g.output == "text" {
		fmt.Fprintf(g.summary(streams), "attestation: %s\n", res.Attestation)
	}
	announce.Verdict(ctx, res.Verdict, announce.VerdictOptions{
		Getenv: os.Getenv, Stderr: streams.Stderr, MarkdownReport: markdownReport(req.Reports),
		Attestation: res.Attestation, Annotate: g.output != report.GitHub,
	})
	return nil
}

// request maps the flags onto a gate.Request.
func (o *gateOptions) request(g *globalOptions, streams IO, ref string) (gate.Request, error) {
	reports, err := parseReports(o.reports)
	if err != nil {
		return gate.Request{}, err
	}
	return gate.Request{
		Client: g.client, Reference: ref, Metrics: o.metrics,
		Policies: o.policy.selection(g, true), Namespaces: o.policy.namespaces,
		Baseline: o.baseline, BaselineKeys: baselineKeys(g.cfg.Key, o.key), InsecureUnsigned: o.insecure, Card: o.card, Drift: o.drift,
		BaselineIdentity: o.identity.value(), TrustedRoot: o.identity.trustedRoot,
		Current: o.current, Stdin: streams.Stdin, Key: o.key, AttestationFormat: o.attFormat,
		Keyless: o.keyless, FulcioURL: o.fulcio, RekorURL: o.rekor, NoAttest: o.noAttest,
		Reports: reports, FailOnWarn: o.failOnWarn, Getenv: os.Getenv, Timeout: o.timeout,
		Warn: func(msg string) { fmt.Fprintf(streams.Stderr, "warning: %s\n", msg) },
	}, nil
}

// baselineKeys are the keys a --baseline reference's gate attestation may
// be signed with: the key setting (--baseline-key, SLIPWAY_KEY or key in
// slipway.yaml), else the --key this gate signs with (its public half): a
// verdict signed by the pipeline's own key is one it trusts.
func baselineKeys(setting, signing string) []string {
	switch {
	case setting != "":
		return []string{setting}
	case signing != "":
		return []string{signing}
	}
	return nil
}

// parseReports reads --report FMT=FILE flags into the reporters gate.Run writes.
func parseReports(specs []string) ([]gate.ReportFile, error) {
	return parseReportFlags(specs, "junit=gate.xml", func(format, path string) (gate.ReportFile, error) {
		r, err := report.New(format)
		return gate.ReportFile{Format: format, Path: path, Reporter: r}, err
	})
}

// markdownReport is the last markdown report among reports, which CI
// systems show; "" when there is none.
func markdownReport(reports []gate.ReportFile) string {
	md := ""
	for _, r := range reports {
		if r.Format == report.Markdown {
			md = r.Path
		}
	}
	return md
}

// colorOn says whether text on w may be coloured: a terminal, and no NO_COLOR.
func colorOn(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
}
