package promote

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// analyzer answers every analysis with phase, recording the vars it got.
func analyzer(phase analysis.Phase, got *analysis.Vars) Analyzer {
	return func(_ context.Context, v analysis.Vars) (*analysis.Result, error) {
		*got = v
		m := analysis.Measurement{Name: "error-rate", Phase: phase, Count: 1, Runs: []analysis.Attempt{{Phase: phase, Message: "result[0] < 0.05 does not hold",
			Values: []analysis.Sample{{Value: 0.3}}}}}
		if phase == analysis.Failed {
			m.Failed = 1
		}
		return &analysis.Result{Phase: phase, Prometheus: "http://prometheus:9090", Vars: v, Measurements: []analysis.Measurement{m}}, nil
	}
}

// canarySetup promotes old to canary and production, then candidate to
// canary: the candidate serves as the canary, production runs old.
func canarySetup(t *testing.T) (store oci.Store, cfg *config.Config, k keys, c *clock, old, candidate v1.Descriptor) {
	t.Helper()
	c, k, store = newClock(), newKeys(t), registryStore(t)
	cfg = &config.Config{Key: pubKeyFile(t, k), Environments: []config.Environment{
		{Name: "canary"}, {Name: "production", Requires: []string{"canary"}},
	}}
	old, candidate = gated(t, store, k), gated(t, store, k)
	for _, step := range []struct {
		d   v1.Descriptor
		env string
	}{{old, "canary"}, {old, "production"}, {candidate, "canary"}} {
		_, err := Run(context.Background(), RunRequest{Ref: store.Ref().WithDigest(step.d.Digest.String()).String(), Env: step.env, Config: cfg}, fast(c)...)
		require.NoError(t, err, "promoting %s to %s", step.d.Digest, step.env)
		c.Advance(1)
	}
	return store, cfg, k, c, old, candidate
}

func tagged(t *testing.T, store oci.Store, env string) string {
	t.Helper()
	d, err := store.Resolve(context.Background(), env)
	require.NoError(t, err)
	return d.Digest.String()
}

// TestRollbackOnFailure: a failed or inconclusive canary analysis refuses
// the promotion to production and rolls the canary (the environment
// production requires that runs the candidate) back to its previous
// digest; the refused result holds the analysis, the refusals and the
// rollback; production does not move.
func TestRollbackOnFailure(t *testing.T) {
	for _, phase := range []analysis.Phase{analysis.Failed, analysis.Inconclusive} {
		t.Run(string(phase), func(t *testing.T) {
			store, cfg, _, c, old, candidate := canarySetup(t)
			var got analysis.Vars
			ref := store.Ref().WithDigest(candidate.Digest.String()).String()
			res, err := Run(context.Background(), RunRequest{Ref: ref, Env: "production", Config: cfg,
				Analyze: analyzer(phase, &got), RollbackOnFailure: true}, fast(c)...)
			require.Error(t, err)
			assert.Equal(t, fault.Denied, fault.KindOf(err), "exit 1: %v", err)
			assert.Contains(t, err.Error(), "canary analysis "+string(phase))
			assert.Equal(t, candidate.Digest.String(), got.Digest)
			assert.Equal(t, "production", got.Environment)

			require.NotNil(t, res)
			assert.True(t, res.RolledBack)
			assert.Equal(t, old.Digest.String(), res.RollbackTo)
			require.NotNil(t, res.Rollback)
			assert.Equal(t, "canary", res.Rollback.Record.Environment)
			assert.Equal(t, ActionRollback, res.Rollback.Record.Action)
			assert.Contains(t, res.Rollback.Record.Reason, "canary analysis "+string(phase)+" before the promotion to production")
			assert.Equal(t, old.Digest.String(), tagged(t, store, "canary"), "the canary was rolled back")
			assert.Equal(t, old.Digest.String(), tagged(t, store, "production"), "production did not move")

			var text bytes.Buffer
			WriteResult(&text, res)
			for _, want := range []string{"not promoted: " + ref + " (1 refusals)", "measurement error-rate " + string(phase),
				"analysis " + string(phase) + ":", "rolled canary back to", "  previous  " + candidate.Digest.String()} {
				assert.Contains(t, text.String(), want)
			}

			var doc map[string]any
			b, err := json.Marshal(res)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &doc))
			assert.Contains(t, doc, "analysis")
			assert.Equal(t, true, doc["rolledBack"])
			assert.Equal(t, old.Digest.String(), doc["rollbackTo"])
			require.Len(t, doc["refusals"], 1)
			assert.Contains(t, doc["refusals"].([]any)[0], "canary analysis "+string(phase))
		})
	}
}

// TestRollbackOnFailureLeavesAlone: a successful analysis promotes; an
// analysis that measured nothing (Error) refuses with a runtime error and
// rolls nothing back; without the flag nothing is rolled back either, and
// the flag without an analysis is a usage error.
func TestRollbackOnFailureLeavesAlone(t *testing.T) {
	store, cfg, _, c, _, candidate := canarySetup(t)
	ref := store.Ref().WithDigest(candidate.Digest.String()).String()
	var got analysis.Vars
	run := func(phase analysis.Phase, rollback bool) (*Result, error) {
		c.Advance(1)
		return Run(context.Background(), RunRequest{Ref: ref, Env: "production", Config: cfg,
			Analyze: analyzer(phase, &got), RollbackOnFailure: rollback}, fast(c)...)
	}

	res, err := run(analysis.Error, true)
	require.Error(t, err)
	assert.Equal(t, fault.Runtime, fault.KindOf(err), "exit 3: %v", err)
	assert.False(t, res.RolledBack)
	assert.Equal(t, candidate.Digest.String(), tagged(t, store, "canary"))

	res, err = run(analysis.Failed, false)
	require.Error(t, err)
	assert.False(t, res.RolledBack)
	assert.NotEmpty(t, res.Refusals)
	assert.Equal(t, candidate.Digest.String(), tagged(t, store, "canary"))

	_, err = Run(context.Background(), RunRequest{Ref: ref, Env: "production", Config: cfg, RollbackOnFailure: true})
	assert.Equal(t, fault.Usage, fault.KindOf(err))

	res, err = run(analysis.Successful, true)
	require.NoError(t, err)
	assert.False(t, res.RolledBack)
	assert.Equal(t, candidate.Digest.String(), tagged(t, store, "production"))
}

// TestRollbackOnFailureWithoutCanary: when no environment production
// requires runs the candidate, nothing is rolled back, and a warning says so.
func TestRollbackOnFailureWithoutCanary(t *testing.T) {
	store, cfg, k, c, _, _ := canarySetup(t)
	other := gated(t, store, k)
	cfg.Environments[1].Requires = nil
	var got analysis.Vars
	var warned []string
	res, err := Run(context.Background(), RunRequest{Ref: store.Ref().WithDigest(other.Digest.String()).String(), Env: "production",
		Config: cfg, Analyze: analyzer(analysis.Failed, &got), RollbackOnFailure: true, Warn: func(s string) { warned = append(warned, s) }}, fast(c)...)
	require.Error(t, err)
	assert.False(t, res.RolledBack)
	require.Len(t, warned, 1)
	assert.Contains(t, warned[0], "nothing was rolled back")
}

// TestVerify: analyze REPO --env production --rollback-on-failure analyzes
// what production runs (its digest, the record's model and version) and
// rolls production back when the analysis fails, unless production moved
// meanwhile; without REPO the flag is a usage error.
func TestVerify(t *testing.T) {
	store, cfg, k, c, old, candidate := canarySetup(t)
	ctx := context.Background()
	_, err := Run(ctx, RunRequest{Ref: store.Ref().WithDigest(candidate.Digest.String()).String(), Env: "production", Config: cfg}, fast(c)...)
	require.NoError(t, err)
	client := oci.Client{}
	repo := store.Ref().String()
	var got analysis.Vars
	verify := func(phase analysis.Phase, rollback bool) (*VerifyResult, error) {
		c.Advance(1)
		return Verify(ctx, VerifyRequest{Client: client, Repo: repo, Env: "production", Config: cfg,
			Analyze: analyzer(phase, &got), RollbackOnFailure: rollback, Now: c.Now}, fast(c)...)
	}

	res, err := verify(analysis.Successful, true)
	require.NoError(t, err)
	assert.NoError(t, res.Err())
	assert.False(t, res.RolledBack)
	assert.Equal(t, analysis.Vars{Model: "iris", Version: "1.0.0", Environment: "production", Digest: candidate.Digest.String()}, got,
		"the variables are what production runs")

	res, err = verify(analysis.Failed, true)
	require.NoError(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(res.Err()))
	assert.True(t, res.RolledBack)
	assert.Equal(t, old.Digest.String(), res.RollbackTo)
	assert.Equal(t, old.Digest.String(), tagged(t, store, "production"))
	b, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"phase":"Failed"`, "the analysis' fields are inline")
	assert.Contains(t, string(b), `"rolledBack":true`)

	// Analyzing a digest production no longer runs rolls nothing back.
	other := gated(t, store, k)
	c.Advance(1)
	_, err = Verify(ctx, VerifyRequest{Client: client, Repo: repo, Env: "production", Config: cfg, Vars: analysis.Vars{Digest: other.Digest.String()},
		Analyze: analyzer(analysis.Failed, &got), RollbackOnFailure: true, Warn: func(string) {}}, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, old.Digest.String(), tagged(t, store, "production"))

	_, err = Verify(ctx, VerifyRequest{Analyze: analyzer(analysis.Failed, &got), RollbackOnFailure: true})
	assert.Equal(t, fault.Usage, fault.KindOf(err))
	_, err = Verify(ctx, VerifyRequest{Client: client, Repo: repo, Config: cfg, Analyze: analyzer(analysis.Failed, &got)})
	assert.Equal(t, fault.Usage, fault.KindOf(err), "REPO needs --env")
}
