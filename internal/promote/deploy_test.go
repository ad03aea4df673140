package promote

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml]
images:
  - name: iris-server
    newTag: latest   # slipway writes the digest here
`

// gitopsRepo makes a bare repository whose main branch holds a staging
// kustomization, and returns its folder.
func gitopsRepo(t *testing.T) string {
	t.Helper()
	git := registrytest.Tool(t, "git")
	work, bare := t.TempDir(), filepath.Join(t.TempDir(), "gitops.git")
	writeFile(t, filepath.Join(work, "staging", "kustomization.yaml"), kustomization)
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-q", "-m", "init"}, {"clone", "-q", "--bare", ".", bare}} {
		cmd := exec.Command(git, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@localhost", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@localhost")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	return bare
}

// deployed is the line of the kustomization on main that names the image.
func deployed(t *testing.T, bare string) string {
	t.Helper()
	out, err := exec.Command(registrytest.Tool(t, "git"), "--git-dir", bare, "show", "main:staging/kustomization.yaml").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "digest:") || strings.Contains(l, "newTag:") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func TestPromoteAndRollbackWriteTheDeployRepository(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	store := registryStore(t)
	bare := gitopsRepo(t)
	cfg := &config.Config{Key: pubKeyFile(t, k), Environments: []config.Environment{{Name: "staging", Deploy: &config.Deploy{
		Repo: "file://" + bare, Branch: "main", Path: "staging", Mode: config.DeployCommit, TokenEnv: config.EnvGitToken,
		Updates: []config.Update{{Type: config.UpdateKustomize, File: "kustomization.yaml", Image: "iris-server"}},
	}}}}
	promote := func(d string, dry bool) (*Result, error) {
		return Run(ctx, RunRequest{Ref: store.Ref().WithDigest(d).String(), Env: "staging", Config: cfg,
			Deploy: DeployOptions{DryRun: dry}}, fast(c)...)
	}
	first, second := gated(t, store, k).Digest.String(), gated(t, store, k).Digest.String()

	res, err := promote(first, false)
	require.NoError(t, err)
	require.NotNil(t, res.Deploy)
	assert.True(t, res.Deploy.Changed && res.Deploy.Pushed)
	assert.Len(t, res.Deploy.Commit, 40)
	assert.Equal(t, "digest: "+first+"   # slipway writes the digest here", deployed(t, bare))

	// Re-running is idempotent: the tag is there, and so is the commit.
	again, err := promote(first, false)
	require.NoError(t, err)
	assert.True(t, again.Unchanged)
	assert.False(t, again.Deploy.Changed || again.Deploy.Pushed)

	// --dry-run shows the diff and moves nothing.
	dry, err := promote(second, true)
	require.NoError(t, err)
	assert.True(t, dry.DryRun)
	assert.Contains(t, dry.Deploy.Diff, "-    digest: "+first)
	assert.Contains(t, dry.Deploy.Diff, "+    digest: "+second)
	assert.Equal(t, "digest: "+first+"   # slipway writes the digest here", deployed(t, bare))

	c.Advance(1)
	_, err = promote(second, false)
	require.NoError(t, err)
	assert.Contains(t, deployed(t, bare), second)

	back, err := RunRollback(ctx, RunRollbackRequest{Repo: store.Ref().String(), Env: "staging", Config: cfg}, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, first, back.Record.Digest)
	assert.True(t, back.Deploy.Changed)
	assert.Equal(t, "digest: "+first+"   # slipway writes the digest here", deployed(t, bare))
}

func TestDeployFailureAfterTheTagMovedSaysHowToComplete(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	store := registryStore(t)
	cfg := &config.Config{Key: pubKeyFile(t, k), Environments: []config.Environment{{Name: "staging", Deploy: &config.Deploy{
		Repo: "file://" + filepath.Join(t.TempDir(), "missing.git"), Branch: "main", Mode: config.DeployCommit, TokenEnv: config.EnvGitToken,
		Updates: []config.Update{{Type: config.UpdateKustomize, File: "kustomization.yaml", Image: "iris-server"}},
	}}}}
	d := gated(t, store, k).Digest.String()
	ref := store.Ref().WithDigest(d).String()
	_, err := Run(ctx, RunRequest{Ref: ref, Env: "staging", Config: cfg}, fast(c)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), store.Ref().String()+":staging names "+d+" now, but its deploy repository")
	assert.Contains(t, err.Error(), "complete the deploy with: slipway promote "+ref+" --env staging")
	cur, err := current(ctx, store, "staging")
	require.NoError(t, err)
	assert.Equal(t, d, cur, "the tag moved")
}
