package promote

import (
	"context"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/oci"
)

// RunHistoryRequest is `slipway history` as the command line gives it.
type RunHistoryRequest struct {
	// Client opens the repository, which gets its command-line credentials.
	Client oci.Client
	// Repo is the repository, without tag or digest.
	Repo string
	// Env is the one environment to list; empty lists every environment
	// with a history in Repo.
	Env string
	// Limit is how many of the newest records to list; 0 lists all.
	Limit int
}

// HistoryResult is the promotions and rollbacks of a repository's
// environments, newest first.
type HistoryResult struct {
	// Repository is the repository read.
	Repository string `json:"repository"`
	// Environments are the environments whose histories were read.
	Environments []string `json:"environments"`
	// Records are the newest records of those environments, newest first.
	Records []Record `json:"records"`
}

// RunHistory reads the history of one environment of req.Repo, or of all
// of them, merged newest first.
func RunHistory(ctx context.Context, req RunHistoryRequest) (*HistoryResult, error) {
	ref, err := repository(req.Client, req.Repo, "REPO")
	if err != nil {
		return nil, err
	}
	store := req.Client.For(ref).Open(ref)
	envs := []string{req.Env}
	if req.Env == "" {
		if envs, err = Environments(ctx, store); err != nil {
			return nil, err
		}
	} else if err := config.ValidateEnvName(req.Env); err != nil {
		return nil, err
	}
	recs, err := Histories(ctx, store, envs, req.Limit)
	if err != nil {
		return nil, err
	}
	return &HistoryResult{Repository: ref.String(), Environments: nonNil(envs), Records: recs}, nil
}
