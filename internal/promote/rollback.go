package promote

import (
	"context"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// RollbackRequest is one rollback: Env in Store back to an earlier digest.
type RollbackRequest struct {
	Store oci.Store
	Env   config.Environment
	// To is the digest to return to; empty means the previous one.
	To string
	// Environments are the names of every configured environment.
	Environments []string
	Force        bool
	Reason       string
	Actor        string
	CI           ci.Job
}

// Rollback moves Env back to a digest it held before, and records it.
//
// The default target is the newest digest in the history that is neither
// the current one nor one a rollback moved away from: rolling back twice
// goes two good versions back rather than toggling to the version the
// first rollback fled. A named target must have been in the environment.
// Rollback is incident response, so the gate, requires and soak are not
// checked again (the digest passed them to get there); the environment's
// policy is, with input.action "rollback", so a freeze can exempt it.
func Rollback(ctx context.Context, req RollbackRequest, opts ...Option) (*Result, error) {
	o := newOptions(opts)
	env, store := req.Env.Name, req.Store
	if req.Force && req.Reason == "" {
		return nil, fault.Usagef("--force needs --reason: the record says why the policy was overridden")
	}
	if req.To != "" {
		if _, err := v1.NewHash(req.To); err != nil {
			return nil, fault.Usagef("--to %q: want the sha256:… digest to roll back to", req.To)
		}
	}
	cur, head, target, err := rollbackPlan(ctx, store, env, req.To)
	if err != nil {
		return nil, err
	}
	res := &Result{Reference: store.Ref().WithDigest(target.Digest).String(), Current: cur}
	if target.Digest == cur {
		res.Unchanged, res.Record = true, target
		return res, nil
	}
	h, _ := v1.NewHash(target.Digest)
	desc, err := store.Resolve(ctx, h.String())
	if isNotFound(err) {
		return nil, fault.Deniedf("cannot roll %s back to %s: it is no longer in %s (deleted?)", env, oci.ShortDigest(target.Digest), store.Ref())
	}
	if err != nil {
		return nil, err
	}
	now := o.now().UTC()
	var refusals []string
	if len(req.Env.Policy) > 0 {
		hist, err := head.records(ctx, store, historyForPolicy)
		if err != nil {
			return nil, err
		}
		envs, err := environments(ctx, store, req.Environments, env, cur)
		if err != nil {
			return nil, err
		}
		in := &PolicyInput{Action: ActionRollback, Environment: env, Repository: store.Ref().String(), Current: cur,
			Gate: target.Gate, Attestations: []Attestation{}, History: hist, Requires: []Stint{}, Environments: envs,
			Time: now.Format(time.RFC3339Nano), Actor: req.Actor, Reason: req.Reason, Forced: req.Force, CI: req.CI}
		in.Artifact.Digest, in.Artifact.MediaType = target.Digest, string(desc.MediaType)
		in.Artifact.Name, in.Artifact.Version = target.Name, target.Version
		denied, warned, err := evalPolicy(ctx, req.Env, in, now)
		if err != nil {
			return nil, err
		}
		refusals, res.Warnings = denied, warned
	}
	if len(refusals) > 0 && !req.Force {
		return nil, refused("rollback of "+env+" to "+oci.ShortDigest(target.Digest), refusals)
	}
	rec := Record{
		Action: ActionRollback, Environment: env, Repository: store.Ref().String(), Digest: target.Digest,
		MediaType: string(desc.MediaType), Previous: cur, Name: target.Name, Version: target.Version,
		Actor: req.Actor, Time: now, Reason: req.Reason, Forced: req.Force, Overridden: refusals, CI: req.CI, Gate: target.Gate,
	}
	return commit(ctx, store, desc, rec, res, o)
}

// rollbackTarget picks the record to return to (see Rollback).
// rollbackPlan reads what env holds (cur), its history's head, and the
// record a rollback to to (or to the default target) returns to.
func rollbackPlan(ctx context.Context, store oci.Store, env, to string) (cur string, head Head, target Record, err error) {
	if cur, err = current(ctx, store, env); err != nil {
		return "", Head{}, Record{}, err
	}
	if head, err = readHead(ctx, store, env); err != nil {
		return "", Head{}, Record{}, err
	}
	if cur == "" || head.Empty() {
		return "", Head{}, Record{}, fault.Deniedf("%s has no %s history to roll back: promote to it first", store.Ref(), env)
	}
	target, err = rollbackTarget(ctx, store, env, head, cur, to)
	return cur, head, target, err
}

func rollbackTarget(ctx context.Context, store oci.Store, env string, head Head, cur, to string) (Record, error) {
	var target *Record
	fled := map[string]bool{cur: true}
	err := scanBack(ctx, store, head, func(r Record) bool {
		switch {
		case to != "":
			if r.Digest == to {
				target = &r
			}
		default:
			if r.Action == ActionRollback && r.Previous != "" {
				fled[r.Previous] = true
			}
			if !fled[r.Digest] {
				target = &r
			}
		}
		return target == nil
	})
	switch {
	case err != nil:
		return Record{}, err
	case target == nil && to != "":
		return Record{}, fault.Deniedf("%s was never in %s (in %s): rollback returns to a digest the environment held; promote a new one",
			to, env, store.Ref())
	case target == nil:
		return Record{}, fault.Deniedf("%s has nothing to roll back to: no earlier digest in its history that was not rolled back from", env)
	}
	return *target, nil
}
