package promote

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
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

// TestRollbackOnFailureRewritesTheCanaryRollout walks examples/gitops: the
// candidate goes to staging and canary (the Rollout's image in the GitOps
// repository), its analysis fails on the way to production, and
// --rollback-on-failure writes the previous digest back into the Rollout.
func TestRollbackOnFailureRewritesTheCanaryRollout(t *testing.T) {
	git := registrytest.Tool(t, "git")
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), registryStore(t)
	work, bare := filepath.Join(t.TempDir(), "deploy"), filepath.Join(t.TempDir(), "gitops.git")
	require.NoError(t, os.CopyFS(work, os.DirFS("../../examples/gitops/deploy")))
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-q", "-m", "init"}, {"clone", "-q", "--bare", ".", bare}} {
		cmd := exec.Command(git, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@localhost", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@localhost")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	cfg, err := config.Load("../../examples/gitops/slipway.yaml")
	require.NoError(t, err)
	cfg.Key = pubKeyFile(t, k)
	for i := range cfg.Environments {
		if e := &cfg.Environments[i]; e.Name == "production" {
			e.Deploy = nil // a pull request on GitHub: not this test's
		} else {
			e.Deploy.Repo = "file://" + bare
		}
	}
	rollout := func() string {
		out, err := exec.Command(git, "--git-dir", bare, "show", "main:rollouts/iris-canary.yaml").CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "image:") {
				return strings.TrimSpace(l)
			}
		}
		return ""
	}
	promoteTo := func(d v1.Descriptor, env string, a Analyzer) (*Result, error) {
		c.Advance(2 * time.Hour) // production soaks 1h in canary
		return Run(ctx, RunRequest{Ref: store.Ref().WithDigest(d.Digest.String()).String(), Env: env, Config: cfg,
			Analyze: a, RollbackOnFailure: a != nil}, fast(c)...)
	}
	old, candidate := gated(t, store, k), gated(t, store, k)
	for _, env := range []string{"staging", "canary", "production"} {
		_, err := promoteTo(old, env, nil)
		require.NoError(t, err, "promoting the old digest to %s", env)
	}
	for _, env := range []string{"staging", "canary"} {
		_, err := promoteTo(candidate, env, nil)
		require.NoError(t, err, "promoting the candidate to %s", env)
	}
	assert.Equal(t, "image: registry.example.com/acme/iris-server@"+candidate.Digest.String(), rollout(), "the canary runs the candidate")

	var got analysis.Vars
	res, err := promoteTo(candidate, "production", analyzer(analysis.Failed, &got))
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	require.True(t, res.RolledBack, "%+v", res)
	require.NotNil(t, res.Rollback.Deploy)
	assert.True(t, res.Rollback.Deploy.Pushed)
	assert.Equal(t, "image: registry.example.com/acme/iris-server@"+old.Digest.String(), rollout(), "the Rollout runs the previous digest again")
}

// TestVerifyWritesReports: the reports asked for are written once the
// analysis has run, into folders made for them, and still when the
// analysis failed.
func TestVerifyWritesReports(t *testing.T) {
	dir := t.TempDir()
	var got analysis.Vars
	reports := []AnalysisReport{
		{Format: "junit", Path: filepath.Join(dir, "reports", "analysis.xml")},
		{Format: "json", Path: filepath.Join(dir, "analysis.json")},
	}
	res, err := Verify(context.Background(), VerifyRequest{Analyze: analyzer(analysis.Failed, &got),
		Vars: analysis.Vars{Digest: "sha256:" + strings.Repeat("a", 64)}, Reports: reports})
	require.NoError(t, err, "Verify of a failed analysis (its outcome is in the result)")
	require.Equal(t, analysis.Failed, res.Phase)
	junit, err := os.ReadFile(reports[0].Path)
	require.NoError(t, err, "the junit report")
	assert.Contains(t, string(junit), "<testsuite", "junit report:\n%s", junit)
	assert.Contains(t, string(junit), "<failure", "the failed measurement in the junit report:\n%s", junit)
	doc, err := os.ReadFile(reports[1].Path)
	require.NoError(t, err, "the json report")
	assert.Contains(t, string(doc), `"phase": "Failed"`, "json report:\n%s", doc)

	// A report that cannot be written is the error, after the analysis.
	blocked := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocked, nil, 0o644))
	_, err = Verify(context.Background(), VerifyRequest{Analyze: analyzer(analysis.Successful, &got),
		Reports: []AnalysisReport{{Format: "json", Path: filepath.Join(blocked, "a.json")}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing the json report")
}
