package promote

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// VerifyRequest is `slipway analyze`: a canary analysis, of what an
// environment runs when Repo is given, and its rollback when it fails.
type VerifyRequest struct {
	// Client opens Repo, which gets its command-line credentials.
	Client oci.Client
	// Repo, when set, is the repository whose Env is analyzed: the
	// variables the flags leave empty are what Env runs (its digest, and
	// the model name and version of the record that put it there).
	Repo string
	Env  string
	// Vars are the template values the command line gives.
	Vars analysis.Vars
	// Analyze runs the analysis (analysis.Run bound to the file and server).
	Analyze Analyzer
	// RollbackOnFailure rolls Env back when the analysis fails or is
	// inconclusive, if Env still runs the digest analyzed.
	RollbackOnFailure bool
	// Config holds the merged settings (the model name, the environments
	// and their deploy blocks); nil means none.
	Config *config.Config
	Getenv func(string) string
	Warn   func(string)
	Now    func() time.Time
	Deploy DeployOptions
	// Reports are written once the analysis has run (before any rollback
	// is tried; a rollback is not held up by a report that fails).
	Reports []AnalysisReport
}

// VerifyResult is the analysis (its fields inline, as `analyze -o json`
// has always printed them) and what --rollback-on-failure did.
type VerifyResult struct {
	*analysis.Result
	// RolledBack is set when Env was rolled back to RollbackTo; Rollback
	// is that rollback.
	RolledBack bool    `json:"rolledBack,omitempty"`
	RollbackTo string  `json:"rollbackTo,omitempty"`
	Rollback   *Result `json:"rollback,omitempty"`
	// RollbackError says why the rollback did not happen.
	RollbackError string `json:"rollbackError,omitempty"`
}

// Verify runs the analysis and, with RollbackOnFailure, rolls Env back
// after a failed or inconclusive one: the check after a blue-green flip,
// or of a canary already serving. The analysis' own outcome is in the
// result (its Err); the error is for what kept it from running, or a
// rollback that failed.
func Verify(ctx context.Context, req VerifyRequest, opts ...Option) (*VerifyResult, error) {
	res, err := verify(ctx, req, opts...)
	if res != nil && res.Result != nil {
		if werr := writeAnalysisReports(req.Reports, res.Result); werr != nil && err == nil {
			err = werr
		}
	}
	return res, err
}

func verify(ctx context.Context, req VerifyRequest, opts ...Option) (*VerifyResult, error) {
	cfg := settings(req.Config)
	vars := req.Vars
	var store oci.Store
	if req.Repo == "" {
		if req.RollbackOnFailure {
			return nil, fault.Usagef("--rollback-on-failure needs REPO and --env: the repository and environment to roll back")
		}
	} else {
		if req.Env == "" {
			return nil, fault.Usagef("--env is required with REPO: the environment whose digest to analyze")
		}
		ref, err := repository(req.Client, req.Repo, "REPO")
		if err != nil {
			return nil, err
		}
		if _, err := cfg.Environment(req.Env); err != nil {
			return nil, err
		}
		store = req.Client.For(ref).Open(ref)
		if vars, err = runs(ctx, store, req.Env, vars); err != nil {
			return nil, err
		}
	}
	vars.Model = cmp.Or(vars.Model, cfg.Model)
	res, err := req.Analyze(ctx, vars)
	if err != nil {
		return nil, err
	}
	out := &VerifyResult{Result: res}
	if !req.RollbackOnFailure || !res.JudgedBad() {
		return out, nil
	}
	cur, err := current(ctx, store, req.Env)
	if err != nil {
		return out, err
	}
	if cur != vars.Digest {
		msg := fmt.Sprintf("--rollback-on-failure: %s names %s now, not the analyzed %s, so it was not rolled back", req.Env, oci.ShortDigest(cur), oci.ShortDigest(vars.Digest))
		out.RollbackError = msg
		if req.Warn != nil {
			req.Warn(msg)
		}
		return out, nil
	}
	rb, err := RunRollback(ctx, RunRollbackRequest{Client: req.Client, Repo: req.Repo, Env: req.Env, Config: req.Config,
		Reason: fmt.Sprintf("canary analysis %s: %s", res.Phase, res.Summary()), Getenv: req.Getenv, Warn: req.Warn, Now: req.Now, Deploy: req.Deploy}, opts...)
	if err != nil {
		out.RollbackError = err.Error()
		return out, fmt.Errorf("%w\n--rollback-on-failure: rolling %s back failed: %v", res.Err(), req.Env, err)
	}
	out.RolledBack, out.RollbackTo, out.Rollback = true, rb.Record.Digest, rb
	return out, nil
}

// runs fills the variables vars leaves empty with what env runs in store:
// its digest, and the name and version of the record that put it there.
func runs(ctx context.Context, store oci.Store, env string, vars analysis.Vars) (analysis.Vars, error) {
	cur, err := current(ctx, store, env)
	if err != nil {
		return vars, err
	}
	if cur == "" {
		return vars, fault.Usagef("%s:%s does not exist: %s runs nothing to analyze (promote to it first)", store.Ref(), env, env)
	}
	vars.Digest, vars.Environment = cmp.Or(vars.Digest, cur), cmp.Or(vars.Environment, env)
	hist, _, err := History(ctx, store, env, 1)
	if err != nil {
		return vars, err
	}
	if len(hist) > 0 && hist[0].Digest == cur {
		vars.Model, vars.Version = cmp.Or(vars.Model, hist[0].Name), cmp.Or(vars.Version, hist[0].Version)
	}
	return vars, nil
}
