package promote

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// RunRequest is `slipway promote` as the command line gives it: strings
// to parse, the merged settings, and where the CI context comes from.
type RunRequest struct {
	// Client opens stores; the repository written to (To, else Ref's)
	// gets its command-line credentials.
	Client oci.Client
	// Ref is REF@sha256:…, the digest to promote and where it is read from.
	Ref string
	// Env is the environment to move (required).
	Env string
	// To is a repository, without tag or digest, to copy the digest into
	// and promote there; empty promotes in Ref's repository.
	To string
	// ModelRepo is, for an image, the repository of the model it was built
	// from, whose gate attestation counts; empty means
	// Config.ModelRepository().
	ModelRepo string
	// KeyPath is the public key the gate attestation must verify with;
	// empty means Config.Key (where the command line's --key already is).
	KeyPath string
	// Identity, when set, verifies the gate attestation keyless instead:
	// signed by this identity, with a certificate chaining to TrustedRoot
	// ("" is the public-good Sigstore instance). It wins over the key.
	Identity    attest.Identity
	TrustedRoot string
	// Config holds the merged settings; nil means none (any environment
	// name, no key, no model repository).
	Config *config.Config
	// Force overrides every refusal; Reason is then required.
	Force  bool
	Reason string
	// Getenv reads the CI job's variables (the actor, the run); nil reads none.
	Getenv func(string) string
	// Warn receives warnings as they arise; nil drops them (they are in
	// the result too).
	Warn func(string)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Deploy says how the environment's deploy repository is written.
	Deploy DeployOptions
	// Analyze, when set, runs a canary analysis before the tag moves.
	Analyze Analyzer
	// RollbackOnFailure rolls back the environment that serves the
	// candidate (see rollBackCanary) when the analysis fails or is
	// inconclusive.
	RollbackOnFailure bool
	// AnalysisReports are written once the analysis has run, whether the
	// promotion went ahead or not.
	AnalysisReports []AnalysisReport
}

// Run promotes req.Ref into req.Env: it parses and checks the inputs,
// opens the stores with the right credentials, loads the key, and calls
// Promote. A tag instead of a digest is a usage error naming the digest
// the tag points at now.
func Run(ctx context.Context, req RunRequest, opts ...Option) (*Result, error) {
	cfg := settings(req.Config)
	if req.Env == "" {
		return nil, fault.Usagef("--env is required: the environment to move")
	}
	if req.RollbackOnFailure && req.Analyze == nil {
		return nil, fault.Usagef("--rollback-on-failure needs --analysis: it rolls back when the canary analysis fails")
	}
	if len(req.AnalysisReports) > 0 && req.Analyze == nil {
		return nil, fault.Usagef("--analysis-report needs --analysis: it is the canary analysis' report")
	}
	ref, err := req.Client.Parse(req.Ref)
	if err != nil {
		return nil, err
	}
	client := req.Client.For(ref)
	var dst oci.Ref
	if req.To != "" {
		if dst, err = repository(req.Client, req.To, "--to"); err != nil {
			return nil, err
		}
		client = req.Client.For(dst, ref) // the registry written to
	}
	src := client.Open(ref.WithTag(""))
	if ref.Digest == "" {
		return nil, byDigestOnly(ctx, src, ref)
	}
	env, err := cfg.Environment(req.Env)
	if err != nil {
		return nil, err
	}
	digest, err := v1.NewHash(ref.Digest)
	if err != nil {
		return nil, fault.Usagef("%s: digest %q: %w", req.Ref, ref.Digest, err)
	}
	job := ci.Context(getenv(req.Getenv))
	preq := Request{Source: src, Digest: digest, Env: env, Environments: cfg.EnvironmentNames(),
		Force: req.Force, Reason: req.Reason, CI: job, Actor: Actor(job, getenv(req.Getenv)), Analyze: req.Analyze}
	if req.To != "" {
		preq.Dest = client.Open(dst)
	}
	trust := attest.Trust{Key: cmp.Or(req.KeyPath, cfg.Key), Identity: req.Identity, TrustedRoot: req.TrustedRoot}
	if preq.Verifier, err = attest.OpenTrust(ctx, trust, req.Getenv); err != nil {
		return nil, err
	}
	if preq.ModelStores, err = modelStores(client, req.ModelRepo, cfg, req.Warn); err != nil {
		return nil, err
	}
	where := src.Ref()
	if preq.Dest != nil {
		where = preq.Dest.Ref()
	}
	if req.Deploy.DryRun {
		res := &Result{Reference: where.WithDigest(digest.String()).String(), Record: Record{Action: ActionPromote, Environment: env.Name}}
		return dryRun(ctx, env, ActionPromote, res, getenv(req.Getenv), req.Deploy)
	}
	base := append(clockAndWarnings(req.Now, req.Warn), WithOpener(func(r oci.Ref) oci.Store { return client.Open(r) }))
	res, err := Promote(ctx, preq, append(base, opts...)...)
	if res != nil && res.Analysis != nil {
		if werr := writeAnalysisReports(req.AnalysisReports, res.Analysis); werr != nil && err == nil {
			err = werr
		}
	}
	if res != nil && err != nil && req.RollbackOnFailure {
		return res, rollBackCanary(ctx, req, cfg, env, []oci.Store{preq.Dest, src}, digest.String(), res, err, opts)
	}
	if err != nil {
		return res, err
	}
	complete := fmt.Sprintf("slipway promote %s --env %s", res.Reference, env.Name)
	return res, writeDeploy(ctx, env, ActionPromote, res, getenv(req.Getenv), req.Deploy, complete)
}

// modelStores opens --model-repo, else the model repository the settings
// name. A repository the settings make up that does not parse is skipped
// with a warning: the gate attestation may still be beside the artifact.
func modelStores(client oci.Client, flag string, cfg *config.Config, warn func(string)) ([]oci.Store, error) {
	if flag != "" {
		ref, err := repository(client, flag, "--model-repo")
		if err != nil {
			return nil, err
		}
		return []oci.Store{client.Open(ref)}, nil
	}
	repo := cfg.ModelRepository()
	if repo == "" {
		return nil, nil
	}
	ref, err := client.Parse(repo)
	if err != nil {
		if warn != nil {
			warn(fmt.Sprintf("the model repository %s (registry and model of %s) is not a repository, so a model's gate attestation is looked for only beside it: %v", repo, cfg, err))
		}
		return nil, nil
	}
	return []oci.Store{client.Open(ref.WithTag(""))}, nil
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

// RunRollbackRequest is `slipway rollback` as the command line gives it.
type RunRollbackRequest struct {
	// Client opens the repository, which gets its command-line credentials.
	Client oci.Client
	// Repo is the repository, without tag or digest.
	Repo string
	// Env is the environment to move back (required).
	Env string
	// To is the digest to return to (sha256:… or REPO@sha256:… of Repo);
	// empty means the previous one.
	To string
	// Config holds the merged settings; nil means none.
	Config *config.Config
	Force  bool
	Reason string
	// Getenv reads the CI job's variables; nil reads none.
	Getenv func(string) string
	// Warn receives warnings as they arise; nil drops them.
	Warn func(string)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Deploy says how the environment's deploy repository is written.
	Deploy DeployOptions
}

// RunRollback parses and checks the inputs of a rollback and calls Rollback.
func RunRollback(ctx context.Context, req RunRollbackRequest, opts ...Option) (*Result, error) {
	cfg := settings(req.Config)
	if req.Env == "" {
		return nil, fault.Usagef("--env is required: the environment to move")
	}
	ref, err := repository(req.Client, req.Repo, "REPO")
	if err != nil {
		return nil, err
	}
	env, err := cfg.Environment(req.Env)
	if err != nil {
		return nil, err
	}
	to := req.To
	if repo, digest, ok := strings.Cut(to, "@"); ok {
		if r, err := req.Client.Parse(repo); err != nil || r.Repository() != ref.Repository() {
			return nil, fault.Usagef("--to %s: give a digest of %s", to, ref)
		}
		to = digest
	}
	job := ci.Context(getenv(req.Getenv))
	rreq := RollbackRequest{Store: req.Client.For(ref).Open(ref), Env: env, Environments: cfg.EnvironmentNames(),
		To: to, Force: req.Force, Reason: req.Reason, Actor: Actor(job, getenv(req.Getenv)), CI: job}
	if req.Deploy.DryRun {
		res, err := rollbackPreview(ctx, rreq.Store, env.Name, to)
		if err != nil {
			return nil, err
		}
		return dryRun(ctx, env, ActionRollback, res, getenv(req.Getenv), req.Deploy)
	}
	res, err := Rollback(ctx, rreq, append(clockAndWarnings(req.Now, req.Warn), opts...)...)
	if err != nil {
		return nil, err
	}
	_, digest, _ := strings.Cut(res.Reference, "@")
	complete := fmt.Sprintf("slipway rollback %s --env %s --to %s", ref, env.Name, digest)
	return res, writeDeploy(ctx, env, ActionRollback, res, getenv(req.Getenv), req.Deploy, complete)
}

// repository parses a repository argument, refusing a tag or digest.
func repository(client oci.Client, arg, what string) (oci.Ref, error) {
	ref, err := client.Parse(arg)
	if err != nil {
		return oci.Ref{}, err
	}
	if ref.Identifier() != "" {
		return oci.Ref{}, fault.Usagef("%s %s: want a repository, without a tag or digest (%s)", what, arg, ref.WithTag(""))
	}
	return ref, nil
}

func settings(cfg *config.Config) *config.Config {
	if cfg == nil {
		return &config.Config{}
	}
	return cfg
}

func getenv(f func(string) string) func(string) string {
	if f == nil {
		return func(string) string { return "" }
	}
	return f
}

func clockAndWarnings(now func() time.Time, warn func(string)) []Option {
	var opts []Option
	if now != nil {
		opts = append(opts, WithClock(now))
	}
	if warn != nil {
		opts = append(opts, WithWarnings(warn))
	}
	return opts
}
