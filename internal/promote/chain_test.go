package promote

import (
	"context"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
)

// chainConfig is staging → production with an hour of soak.
func chainConfig(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Parse("slipway.yaml", []byte("environments:\n  - name: staging\n  - name: production\n    requires: staging\n    soak: 1h\n"))
	require.NoError(t, err)
	return c
}

func TestChainRequiresAndSoak(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), registryStore(t)
	cfg := chainConfig(t)
	staging, production := envOf(t, cfg, "staging"), envOf(t, cfg, "production")
	v1d, v2d := gated(t, store, k), gated(t, store, k)

	_, err := Promote(ctx, request(store, v1d, production, &k), fast(c)...)
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	assert.Contains(t, err.Error(), "production requires staging first")

	_, err = Promote(ctx, request(store, v1d, staging, &k), fast(c)...)
	require.NoError(t, err)
	c.Advance(20 * time.Minute)
	_, err = Promote(ctx, request(store, v1d, production, &k), fast(c)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "production requires 1h0m0s of soak in staging")
	assert.Contains(t, err.Error(), "ready at 2026-03-02 10:00:00Z")

	c.Advance(40 * time.Minute)
	res, err := Promote(ctx, request(store, v1d, production, &k), fast(c)...)
	require.NoError(t, err, "an hour in staging is enough")
	assert.Equal(t, v1d.Digest.String(), res.Current)

	// v2 enters staging and leaves it after 10 minutes for v1 again: its
	// stint was too short, even if it is an hour ago by now.
	_, err = Promote(ctx, request(store, v2d, staging, &k), fast(c)...)
	require.NoError(t, err)
	c.Advance(10 * time.Minute)
	_, err = Rollback(ctx, RollbackRequest{Store: store, Env: staging, Actor: "oncall"}, fast(c)...)
	require.NoError(t, err)
	c.Advance(2 * time.Hour)
	_, err = Promote(ctx, request(store, v2d, production, &k), fast(c)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "was rolled back out of staging")

	// Back in staging for an hour, then it may go.
	_, err = Promote(ctx, request(store, v2d, staging, &k), fast(c)...)
	require.NoError(t, err)
	c.Advance(time.Hour)
	_, err = Promote(ctx, request(store, v2d, production, &k), fast(c)...)
	require.NoError(t, err)

	// Several reasons are all listed.
	v3 := pushImage(t, store, nil)
	_, err = Promote(ctx, request(store, v3, production, &k), fast(c)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(2 reasons)")
}

func TestRequiresFindsTheSourceRepository(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	src, dst := registryStore(t), layoutStore(t)
	cfg := chainConfig(t)
	d := gated(t, src, k)
	_, err := Promote(ctx, request(src, d, envOf(t, cfg, "staging"), &k), fast(c)...)
	require.NoError(t, err)
	c.Advance(2 * time.Hour)
	req := request(src, d, envOf(t, cfg, "production"), &k)
	req.Dest = dst
	res, err := Promote(ctx, req, fast(c)...)
	require.NoError(t, err, "staging in the source repository counts for production in another")
	assert.Equal(t, d.Digest.String(), res.Current)
}

func TestRollback(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), layoutStore(t)
	prod := config.Environment{Name: "production"}
	rb := func(to string) (*Result, error) {
		c.Advance(time.Minute)
		return Rollback(ctx, RollbackRequest{Store: store, Env: prod, To: to, Actor: "oncall", Reason: "incident"}, fast(c)...)
	}

	_, err := rb("")
	assert.Equal(t, fault.Denied, fault.KindOf(err), "nothing to roll back: %v", err)

	a, b, cc := gated(t, store, k), gated(t, store, k), gated(t, store, k)
	for _, d := range []v1.Descriptor{a, b, cc} {
		c.Advance(time.Minute)
		_, err := Promote(ctx, request(store, d, prod, &k), fast(c)...)
		require.NoError(t, err)
	}

	res, err := rb("")
	require.NoError(t, err)
	assert.Equal(t, b.Digest.String(), res.Current, "back to the previous digest")
	assert.Equal(t, ActionRollback, res.Record.Action)
	assert.Equal(t, cc.Digest.String(), res.Record.Previous)
	assert.NotNil(t, res.Record.Gate, "the rollback carries the gate summary of the record it returns to")

	res, err = rb("")
	require.NoError(t, err)
	assert.Equal(t, a.Digest.String(), res.Current, "a second rollback goes further back, not to the version the first fled")

	_, err = rb("")
	assert.Equal(t, fault.Denied, fault.KindOf(err), "nothing older: %v", err)

	res, err = rb(cc.Digest.String())
	require.NoError(t, err, "a named digest that was there before")
	assert.Equal(t, cc.Digest.String(), res.Current)

	res, err = rb(cc.Digest.String())
	require.NoError(t, err)
	assert.True(t, res.Unchanged)

	never := pushImage(t, store, nil)
	_, err = rb(never.Digest.String())
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	assert.Contains(t, err.Error(), "was never in production")

	_, err = rb("latest")
	assert.Equal(t, fault.Usage, fault.KindOf(err))

	recs, _, err := History(ctx, store, "production", 0)
	require.NoError(t, err)
	var actions []Action
	for _, r := range recs {
		actions = append(actions, r.Action)
	}
	assert.Equal(t, []Action{ActionRollback, ActionRollback, ActionRollback, ActionPromote, ActionPromote, ActionPromote}, actions)
}

func TestRollbackPolicy(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), registryStore(t)
	dir := t.TempDir()
	writeFile(t, dir+"/p.rego", "package freeze\nimport rego.v1\ndeny contains \"frozen\" if input.action == \"rollback\"\n")
	prod := config.Environment{Name: "production", Policy: []string{dir}}
	for range 2 {
		c.Advance(time.Minute)
		_, err := Promote(ctx, request(store, gated(t, store, k), config.Environment{Name: "production"}, &k), fast(c)...)
		require.NoError(t, err)
	}
	_, err := Rollback(ctx, RollbackRequest{Store: store, Env: prod, Actor: "oncall"}, fast(c)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "policy freeze.deny: frozen")
	res, err := Rollback(ctx, RollbackRequest{Store: store, Env: prod, Actor: "oncall", Force: true, Reason: "sev1"}, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, []string{"policy freeze.deny: frozen"}, res.Record.Overridden)
}
