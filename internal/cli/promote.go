package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/promote"
	"github.com/slipwayhq/slipway/internal/report"
)

// promoteOptions are the flags of promote, rollback and history.
type promoteOptions struct {
	env, to, key, reason, releaseTag, modelRepo string
	force, release, dryRun                      bool
	limit                                       int
	push                                        metricsFlags
	prometheus, analysis                        string
	rollbackOnFailure                           bool
	analysisReports                             []string
	identity                                    identityFlags
}

func (o *promoteOptions) common(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.env, "env", "", "environment (its tag is REPO:ENV)")
}

func (o *promoteOptions) writes(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.force, "force", false, "override every refusal (needs --reason; the record says FORCED)")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why: recorded with the promotion")
	cmd.Flags().BoolVar(&o.release, "release", false, "on GitLab, create or update the release of the version with the gate report as notes")
	cmd.Flags().StringVar(&o.releaseTag, "release-tag", "", "tag name of the --release (default: the version)")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "check and move nothing: print the diff the environment's deploy repository would get (slipway.yaml deploy block)")
	o.push.register(cmd)
}

func newPromoteCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &promoteOptions{}
	cmd := &cobra.Command{
		Use:   "promote REF@DIGEST --env ENV",
		Short: "Move an environment's tag to a gated digest, and record it",
		Long: `Move REPO:ENV to the digest, after checking that it has a passing gate
verdict (signed by --key, or the key in slipway.yaml), that it went through
the environments ENV requires and soaked there, and that ENV's policy allows
it. Each refusal is listed; exit 1. --force --reason overrides them, loudly.
The promotion is recorded as a referrer of the digest and in ENV's history
(the ENV-history tag). --to copies the artifact, with its referrers, to
another repository first. See docs/promote.md.`,
		Example: `  slipway promote registry.example.com/ml/iris-server@sha256:… --env staging --key gate.pub
  slipway promote registry.example.com/ml/iris@sha256:… --env production --to registry.example.com/prod/iris`,
		Args: exactArgs(1, "REF@DIGEST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPromote(cmd.Context(), g, o, streams, args[0])
		},
	}
	o.common(cmd)
	o.writes(cmd)
	cmd.Flags().StringVar(&o.to, "to", "", "repository to promote into (copied there with its referrers)")
	cmd.Flags().StringVar(&o.key, "key", "", "public key the gate attestation must verify with (env "+config.EnvKey+")")
	bindSetting(cmd.Flags(), "key", config.SettingKey)
	o.identity.register(cmd.Flags(), "the gate attestation")
	cmd.Flags().StringVar(&o.analysis, "analysis", "", "run this canary analysis (docs/analysis.md) against --prometheus before moving the tag; a failed or inconclusive one refuses the promotion")
	cmd.Flags().StringVar(&o.prometheus, "prometheus", "", "URL of the Prometheus server --analysis queries")
	cmd.Flags().BoolVar(&o.rollbackOnFailure, "rollback-on-failure", false, "when the --analysis fails or is inconclusive, also roll back the environment ENV requires that runs the candidate (the canary); still exit 1")
	cmd.Flags().StringArrayVar(&o.analysisReports, "analysis-report", nil, "write the --analysis report: FMT=FILE, FMT one of "+strings.Join(report.AnalysisFormats(), ", ")+" (repeatable)")
	cmd.Flags().StringVar(&o.modelRepo, "model-repo", "", "for an image: the repository of the model it was built from, whose gate attestation counts (default REGISTRY/MODEL of slipway.yaml)")
	return cmd
}

func newRollbackCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &promoteOptions{}
	cmd := &cobra.Command{
		Use:   "rollback REPO --env ENV",
		Short: "Move an environment back to the digest it held before, and record it",
		Long: `Move REPO:ENV back to the newest earlier digest of its history that was not
itself rolled back from (or to --to, which ENV must have held). The gate and
the chain are not checked again; ENV's policy is, with input.action
"rollback". Recorded like a promotion.`,
		Example: `  slipway rollback registry.example.com/ml/iris-server --env production --reason "latency regression"`,
		Args:    exactArgs(1, "REPO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRollback(cmd.Context(), g, o, streams, args[0])
		},
	}
	o.common(cmd)
	o.writes(cmd)
	cmd.Flags().StringVar(&o.to, "to", "", "digest to roll back to (sha256:…)")
	return cmd
}

func newHistoryCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &promoteOptions{}
	cmd := &cobra.Command{
		Use:   "history REPO",
		Short: "List the promotions and rollbacks of a repository's environments",
		Args:  exactArgs(1, "REPO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := promote.RunHistory(cmd.Context(), promote.RunHistoryRequest{
				Client: g.client, Repo: args[0], Env: o.env, Limit: o.limit, Config: g.cfg,
			})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error { return promote.WriteHistory(w, res.Records) })
		},
	}
	cmd.Flags().StringVar(&o.env, "env", "", "only this environment (default: every environment with a history)")
	cmd.Flags().IntVar(&o.limit, "limit", 20, "newest records to show (0: all)")
	return cmd
}

func runPromote(ctx context.Context, g *globalOptions, o *promoteOptions, streams IO, arg string) error {
	reports, err := parseAnalysisReports("--analysis-report", o.analysisReports)
	if err != nil {
		return err
	}
	res, err := promote.Run(ctx, promote.RunRequest{
		Client: g.client, Ref: arg, Env: o.env, To: o.to, ModelRepo: o.modelRepo, Config: g.cfg,
		Identity: o.identity.value(), TrustedRoot: o.identity.trustedRoot,
		Force: o.force, Reason: o.reason, Getenv: os.Getenv, Warn: promoteWarner(streams), Analyze: o.analyzer(g, streams),
		RollbackOnFailure: o.rollbackOnFailure, AnalysisReports: reports, Deploy: promote.DeployOptions{DryRun: o.dryRun},
	})
	if err != nil {
		if res != nil && len(res.Refusals) > 0 {
			return refusedPromotion(ctx, g, o, streams, res, err)
		}
		return err
	}
	return finishPromotion(ctx, g, o, streams, res)
}

// refusedPromotion prints a refused promotion (its analysis, the rollback
// --rollback-on-failure made) and returns its refusal; a rollback's
// metrics are pushed as any rollback's.
func refusedPromotion(ctx context.Context, g *globalOptions, o *promoteOptions, streams IO, res *promote.Result, refusal error) error {
	if err := g.render(streams.Stdout, res, func(w io.Writer) error {
		promote.WriteResult(w, res)
		return nil
	}); err != nil {
		return err
	}
	if res.Rollback != nil {
		o.push.publish(ctx, g, streams, metrics.FromPromotion(res.Rollback))
	}
	return refusal
}

func runRollback(ctx context.Context, g *globalOptions, o *promoteOptions, streams IO, arg string) error {
	res, err := promote.RunRollback(ctx, promote.RunRollbackRequest{
		Client: g.client, Repo: arg, Env: o.env, To: o.to, Config: g.cfg,
		Force: o.force, Reason: o.reason, Getenv: os.Getenv, Warn: promoteWarner(streams),
		Deploy: promote.DeployOptions{DryRun: o.dryRun},
	})
	if err != nil {
		return err
	}
	return finishPromotion(ctx, g, o, streams, res)
}

func promoteWarner(streams IO) func(string) {
	return func(s string) { fmt.Fprintf(streams.Stderr, "slipway: warning: %s\n", s) }
}

// finishPromotion prints the result, then publishes it where the CI system shows
// it: the move has happened whatever the CI system says.
func finishPromotion(ctx context.Context, g *globalOptions, o *promoteOptions, streams IO, res *promote.Result) error {
	if err := g.render(streams.Stdout, res, func(w io.Writer) error {
		promote.WriteResult(w, res)
		_, err := fmt.Fprintln(w, res.Reference)
		return err
	}); err != nil || res.DryRun {
		return err
	}
	o.push.publish(ctx, g, streams, metrics.FromPromotion(res))
	return announce.Promotion(ctx, res, announce.PromotionOptions{
		Getenv: os.Getenv, Stderr: streams.Stderr, Release: o.release, ReleaseTag: o.releaseTag,
	})
}

// analyzer binds --analysis and --prometheus; nil without --analysis.
func (o *promoteOptions) analyzer(g *globalOptions, streams IO) promote.Analyzer {
	if o.analysis == "" {
		return nil
	}
	return analyzer(g, streams, o.prometheus, o.analysis)
}
