package promote

import (
	"context"
	"fmt"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/oci"
)

// rollBackCanary is --rollback-on-failure: after the canary analysis
// refused the promotion of digest to env (refusal), it rolls back the
// environment that serves the candidate, the first that env requires whose
// tag names digest now (the canary), to its previous digest, with the
// rollback use case (the environment's policy, the record, the deploy
// repository). env itself does not run the candidate: the promotion was
// refused. Nothing is rolled back when the analysis passed or measured
// nothing (Error: Prometheus down says nothing about the canary), or when
// no required environment runs the candidate (a warning says so).
//
// The refusal stays the answer (exit 1); a rollback that fails is added to
// it and to the result.
func rollBackCanary(ctx context.Context, req RunRequest, cfg *config.Config, env config.Environment, stores []oci.Store,
	digest string, res *Result, refusal error, opts []Option) error {
	a := res.Analysis
	if a == nil || !a.JudgedBad() {
		return refusal
	}
	warn := func(s string) {
		res.Warnings = append(res.Warnings, s)
		if req.Warn != nil {
			req.Warn(s)
		}
	}
	name, store, err := canaryOf(ctx, env, stores, digest)
	if err != nil {
		res.RollbackError = err.Error()
		return fmt.Errorf("%w\n--rollback-on-failure: finding the environment that serves %s: %v", refusal, oci.ShortDigest(digest), err)
	}
	if store == nil {
		warn(fmt.Sprintf("--rollback-on-failure: no environment %s requires names %s now, so nothing was rolled back", env.Name, oci.ShortDigest(digest)))
		return refusal
	}
	renv, err := cfg.Environment(name)
	if err != nil {
		return fmt.Errorf("%w\n--rollback-on-failure: %v", refusal, err)
	}
	job := ci.Context(getenv(req.Getenv))
	reason := fmt.Sprintf("canary analysis %s before the promotion to %s: %s", a.Phase, env.Name, a.Summary())
	rres, err := Rollback(ctx, RollbackRequest{Store: store, Env: renv, Environments: cfg.EnvironmentNames(),
		Reason: reason, Actor: Actor(job, getenv(req.Getenv)), CI: job}, append(clockAndWarnings(req.Now, req.Warn), opts...)...)
	if err == nil {
		res.RolledBack, res.RollbackTo, res.Rollback = true, rres.Record.Digest, rres
		complete := fmt.Sprintf("slipway rollback %s --env %s --to %s", store.Ref(), name, rres.Record.Digest)
		err = writeDeploy(ctx, renv, ActionRollback, rres, getenv(req.Getenv), req.Deploy, complete)
	}
	if err != nil {
		res.RollbackError = err.Error()
		return fmt.Errorf("%w\n--rollback-on-failure: rolling %s back failed: %v", refusal, name, err)
	}
	return refusal
}

// canaryOf is the first environment env requires whose tag names digest
// now, and the store that holds the tag; no store when there is none.
func canaryOf(ctx context.Context, env config.Environment, stores []oci.Store, digest string) (string, oci.Store, error) {
	for _, name := range env.Requires {
		for _, store := range stores {
			if store == nil {
				continue
			}
			cur, err := current(ctx, store, name)
			if err != nil {
				return "", nil, err
			}
			if cur == digest {
				return name, store, nil
			}
		}
	}
	return "", nil, nil
}
