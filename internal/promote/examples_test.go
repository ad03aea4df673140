package promote

import (
	"context"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/config"
)

func loadExample(t *testing.T, name string) *config.Config {
	t.Helper()
	cfg, err := config.Load("../../examples/environments/" + name + "/slipway.yaml")
	require.NoError(t, err)
	return cfg
}

func TestCanaryExample(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), registryStore(t)
	cfg := loadExample(t, "canary")
	onMain := ci.Job{Platform: "github", Branch: "main", DefaultBranch: "main", Actor: "ci"}
	promoteTo := func(d v1.Descriptor, env string, ci ci.Job) error {
		r := request(store, d, envOf(t, cfg, env), &k)
		r.Environments, r.CI = cfg.EnvironmentNames(), ci
		_, err := Promote(ctx, r, fast(c)...)
		return err
	}
	a, b := gated(t, store, k), gated(t, store, k)

	require.NoError(t, promoteTo(a, "staging", onMain))
	require.Error(t, promoteTo(a, "canary", onMain), "30 minutes of staging first")
	c.Advance(30 * time.Minute)
	require.NoError(t, promoteTo(a, "canary", onMain))
	c.Advance(time.Hour)
	err := promoteTo(a, "production", onMain)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "production requires 2h0m0s of soak in canary")
	c.Advance(time.Hour)
	require.NoError(t, promoteTo(a, "production", onMain), "Monday 11:30 UTC, from main")

	require.NoError(t, promoteTo(b, "staging", onMain))
	c.Advance(30 * time.Minute)
	require.NoError(t, promoteTo(b, "canary", onMain))
	c.Advance(4*24*time.Hour + 3*time.Hour + 30*time.Minute) // Friday 15:30 UTC, 16:30 in Berlin
	err = promoteTo(b, "production", ci.Job{Platform: "gitlab", Branch: "feat/x", DefaultBranch: "main"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "production is frozen on Friday from 15:00 to 24:00 (Europe/Berlin): no Friday-afternoon deploys")
	assert.Contains(t, err.Error(), "production is promoted only from the default branch main; this gitlab job is on branch feat/x")
	c.Advance(3 * 24 * time.Hour) // Monday
	require.NoError(t, promoteTo(b, "production", onMain))

	res, err := Rollback(ctx, RollbackRequest{Store: store, Env: envOf(t, cfg, "production"), Environments: cfg.EnvironmentNames(), Actor: "oncall"}, fast(c)...)
	require.NoError(t, err, "rollbacks are never frozen nor branch-bound")
	assert.Equal(t, a.Digest.String(), res.Current)
}

func TestBlueGreenExample(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), layoutStore(t)
	cfg := loadExample(t, "blue-green")
	promoteTo := func(d v1.Descriptor, env string) error {
		c.Advance(time.Minute)
		r := request(store, d, envOf(t, cfg, env), &k)
		r.Environments = cfg.EnvironmentNames()
		_, err := Promote(ctx, r, fast(c)...)
		return err
	}
	a, b, other := gated(t, store, k), gated(t, store, k), gated(t, store, k)

	require.NoError(t, promoteTo(a, "blue"))
	require.NoError(t, promoteTo(a, "live"))
	require.NoError(t, promoteTo(b, "green"))
	err := promoteTo(other, "live")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "live switches only to a digest a slot (blue, green) runs")
	require.NoError(t, promoteTo(b, "live"), "switch traffic to green")

	res, err := Rollback(ctx, RollbackRequest{Store: store, Env: envOf(t, cfg, "live"), Environments: cfg.EnvironmentNames(), Actor: "oncall"}, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, a.Digest.String(), res.Current, "back to blue, which still runs it")
}

func envOf(t *testing.T, cfg *config.Config, name string) config.Environment {
	t.Helper()
	e, err := cfg.Environment(name)
	require.NoError(t, err)
	return e
}
