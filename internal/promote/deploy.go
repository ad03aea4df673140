package promote

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/deploy"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/report"
)

// DeployOptions say how promote and rollback write the environment's
// deploy repository (the deploy block of slipway.yaml).
type DeployOptions struct {
	// DryRun moves nothing: the deploy repository is cloned and edited,
	// and the diff that would be committed is returned.
	DryRun bool
	// HTTPClient calls the GitHub or GitLab API; nil is the default client.
	HTTPClient *http.Client
}

// writeDeploy writes res's digest into env's deploy repository, when env
// has one. complete is the command that finishes the job after a failure.
func writeDeploy(ctx context.Context, env config.Environment, action Action, res *Result, getenv func(string) string, o DeployOptions, complete string) error {
	if env.Deploy == nil {
		return nil
	}
	repo, digest, _ := strings.Cut(res.Reference, "@")
	rec := res.Record
	req := deploy.Request{
		Target: *env.Deploy, Env: env.Name, Action: string(action), Image: deploy.Image{Repository: repo, Digest: digest},
		Model: rec.Name, Version: rec.Version, Gate: rec.Verdict(), Actor: rec.Actor, Report: gateReport(res),
		Record: repo + ":" + env.Name + config.HistorySuffix, DryRun: o.DryRun, Getenv: getenv, HTTPClient: o.HTTPClient,
	}
	if rec.ID != "" {
		req.Record = repo + "@" + rec.ID
	}
	dr, err := deploy.Run(ctx, req)
	if err != nil {
		if o.DryRun {
			return err
		}
		return fmt.Errorf("%s:%s names %s now, but its deploy repository %s was not updated: %w\nthe registry side is done; once that is fixed, complete the deploy with: %s",
			repo, env.Name, digest, env.Deploy.Repo, err, complete)
	}
	res.Deploy = dr
	return nil
}

// gateReport is the markdown gate report of the verdict relied on, for a
// pull request's body; "" when there is none.
func gateReport(res *Result) string {
	if res.Verdict == nil {
		return ""
	}
	r, err := report.New("markdown")
	if err != nil {
		return ""
	}
	var b bytes.Buffer
	if err := r.Report(&b, res.Verdict); err != nil {
		return ""
	}
	return b.String()
}

// dryRun is the result of a --dry-run: nothing is checked or moved; the
// deploy repository shows what the promotion or rollback would change.
func dryRun(ctx context.Context, env config.Environment, action Action, res *Result, getenv func(string) string, o DeployOptions) (*Result, error) {
	if env.Deploy == nil {
		return nil, fault.Usagef("--dry-run shows the change to the deploy repository, and environment %s has none: add a deploy block to it in slipway.yaml", env.Name)
	}
	res.DryRun = true
	return res, writeDeploy(ctx, env, action, res, getenv, o, "")
}

// rollbackPreview is the digest a rollback would return to.
func rollbackPreview(ctx context.Context, store oci.Store, env, to string) (*Result, error) {
	cur, _, target, err := rollbackPlan(ctx, store, env, to)
	if err != nil {
		return nil, err
	}
	return &Result{Reference: store.Ref().WithDigest(target.Digest).String(), Current: cur, Record: target}, nil
}
