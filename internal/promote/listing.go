package promote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
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
	// Config holds the environments; an Env it does not define is refused
	// as promote refuses it. nil accepts any name.
	Config *config.Config
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
	if req.Env != "" {
		if _, err := settings(req.Config).Environment(req.Env); err != nil {
			return nil, err
		}
	}
	store := req.Client.For(ref).Open(ref)
	// A misspelt repository or environment is refused (exit 2), as promote
	// refuses it, rather than listed as an empty table. An environment
	// slipway.yaml defines may have no history yet.
	tags, err := store.Tags(ctx)
	if errors.Is(err, oci.ErrNotFound) || err == nil && len(tags) == 0 {
		return nil, fault.Usagef("REPO %s does not exist or holds nothing: check the repository (histories are kept in the model's repository)", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s: %w", ref, err)
	}
	recorded := environmentsOf(tags)
	envs := recorded
	if req.Env != "" {
		if !slices.Contains(recorded, req.Env) && len(settings(req.Config).Environments) == 0 {
			has := "none"
			if len(recorded) > 0 {
				has = strings.Join(recorded, ", ")
			}
			return nil, fault.Usagef("--env %s: %s has no history of that environment (environments with a history: %s)", req.Env, ref, has)
		}
		envs = []string{req.Env}
	}
	recs, err := Histories(ctx, store, envs, req.Limit)
	if err != nil {
		return nil, err
	}
	return &HistoryResult{Repository: ref.String(), Environments: nonNil(envs), Records: recs}, nil
}
