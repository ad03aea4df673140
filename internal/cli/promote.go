package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/promote"
)

// promoteOptions are the flags of promote, rollback and history.
type promoteOptions struct {
	env, to, key, reason, config, releaseTag, modelRepo string
	force, release                                      bool
	limit                                               int
}

func (o *promoteOptions) common(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.env, "env", "", "environment (its tag is REPO:ENV)")
}

func (o *promoteOptions) writes(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.force, "force", false, "override every refusal (needs --reason; the record says FORCED)")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why: recorded with the promotion")
	cmd.Flags().BoolVar(&o.release, "release", false, "on GitLab, create or update the release of the version with the gate report as notes")
	cmd.Flags().StringVar(&o.releaseTag, "release-tag", "", "tag name of the --release (default: the version)")
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
			ref, err := g.promoteRepo(args[0], "REPO")
			if err != nil {
				return err
			}
			g.credentialsFor(ref)
			store := g.store(ref, nil)
			envs := []string{o.env}
			if o.env == "" {
				if envs, err = promote.Environments(cmd.Context(), store); err != nil {
					return err
				}
			} else if err := config.ValidateEnvName(o.env); err != nil {
				return err
			}
			recs, err := promote.Histories(cmd.Context(), store, envs, o.limit)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(streams.Stdout, recs)
			}
			return promote.WriteHistory(streams.Stdout, recs)
		},
	}
	cmd.Flags().StringVar(&o.env, "env", "", "only this environment (default: every environment with a history)")
	cmd.Flags().IntVar(&o.limit, "limit", 20, "newest records to show (0: all)")
	return cmd
}

// repoRef parses a repository argument, refusing a tag or digest.
func (g *globalOptions) promoteRepo(arg, what string) (oci.Ref, error) {
	ref, err := g.parseRef(arg)
	if err != nil {
		return oci.Ref{}, err
	}
	if ref.Identifier() != "" {
		return oci.Ref{}, fault.Usagef("%s %s: want a repository, without a tag or digest (%s)", what, arg, ref.WithTag(""))
	}
	return ref, nil
}

// loadConfig checks --env; the settings were merged before the verb ran.
func (o *promoteOptions) loadConfig(g *globalOptions) (*config.Config, error) {
	if o.env == "" {
		return nil, fault.Usagef("--env is required: the environment to move")
	}
	return g.cfg, nil
}

func runPromote(ctx context.Context, g *globalOptions, o *promoteOptions, streams IO, arg string) error {
	cfg, err := o.loadConfig(g)
	if err != nil {
		return err
	}
	ref, err := g.parseRef(arg)
	if err != nil {
		return err
	}
	var dst oci.Ref
	if o.to != "" {
		if dst, err = g.promoteRepo(o.to, "--to"); err != nil {
			return err
		}
		g.credentialsFor(dst) // the registry written to
	} else {
		g.credentialsFor(ref)
	}
	src := g.store(ref.WithTag(""), nil)
	if ref.Digest == "" {
		return byDigestOnly(ctx, src, ref)
	}
	env, err := cfg.Environment(o.env)
	if err != nil {
		return err
	}
	req := promote.Request{Source: src, Env: env, Environments: cfg.EnvironmentNames(), Force: o.force, Reason: o.reason, CI: ci.Context(os.Getenv)}
	req.Digest, _ = v1.NewHash(ref.Digest)
	req.Actor = promote.Actor(req.CI, os.Getenv)
	if o.to != "" {
		req.Dest = g.store(dst, nil)
	}
	if cfg.Key != "" {
		if req.Verifier, err = attest.LoadPublicKey(cfg.Key); err != nil {
			return err
		}
	}
	if o.modelRepo != "" {
		mref, err := g.promoteRepo(o.modelRepo, "--model-repo")
		if err != nil {
			return err
		}
		req.ModelStores = append(req.ModelStores, g.store(mref, nil))
	} else if cfg.Registry != "" && cfg.Model != "" {
		if mref, err := g.parseRef(strings.TrimSuffix(cfg.Registry, "/") + "/" + cfg.Model); err == nil {
			req.ModelStores = append(req.ModelStores, g.store(mref, nil))
		}
	}
	res, err := promote.Promote(ctx, req, promote.WithWarnings(promoteWarner(streams)),
		promote.WithOpener(func(r oci.Ref) oci.Store { return g.store(r, nil) }))
	if err != nil {
		return err
	}
	return finishPromotion(ctx, g, o, streams, res)
}

// byDigestOnly refuses a tag, naming the digest it points at now.
func byDigestOnly(ctx context.Context, store oci.Store, ref oci.Ref) error {
	if ref.Tag == "" {
		return fault.Usagef("promote takes REF@sha256:…: %s names no digest", ref)
	}
	hint := ref.WithDigest("sha256:…").String()
	if d, err := store.Resolve(ctx, ref.Tag); err == nil {
		hint = ref.WithDigest(d.Digest.String()).String() + " (what " + ref.Tag + " names now)"
	}
	return fault.Usagef("promotion is by digest, and %s is a tag, which can move: give %s", ref, hint)
}

func runRollback(ctx context.Context, g *globalOptions, o *promoteOptions, streams IO, arg string) error {
	cfg, err := o.loadConfig(g)
	if err != nil {
		return err
	}
	ref, err := g.promoteRepo(arg, "REPO")
	if err != nil {
		return err
	}
	env, err := cfg.Environment(o.env)
	if err != nil {
		return err
	}
	to := o.to
	if repo, digest, ok := strings.Cut(to, "@"); ok {
		if r, err := g.parseRef(repo); err != nil || r.Repository() != ref.Repository() {
			return fault.Usagef("--to %s: give a digest of %s", to, ref)
		}
		to = digest
	}
	g.credentialsFor(ref)
	c := ci.Context(os.Getenv)
	res, err := promote.Rollback(ctx, promote.RollbackRequest{
		Store: g.store(ref, nil), Env: env, Environments: cfg.EnvironmentNames(), To: to, Force: o.force, Reason: o.reason, Actor: promote.Actor(c, os.Getenv), CI: c,
	}, promote.WithWarnings(promoteWarner(streams)))
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
	if g.output == "json" {
		if err := printJSON(streams.Stdout, res); err != nil {
			return err
		}
	} else {
		promote.WriteResult(streams.Stdout, res)
		fmt.Fprintln(streams.Stdout, res.Reference)
	}
	return announce.Promotion(ctx, res, announce.PromotionOptions{
		Getenv: os.Getenv, Stderr: streams.Stderr, Release: o.release, ReleaseTag: o.releaseTag,
	})
}
