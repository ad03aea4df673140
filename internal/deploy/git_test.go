package deploy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
)

var clock = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }

func stagingTarget(repo string) config.Deploy {
	return config.Deploy{Repo: repo, Branch: "main", Path: "staging", Mode: config.DeployCommit,
		TokenEnv: config.EnvGitToken, SSHKeyEnv: config.EnvGitSSHKey,
		Updates: []config.Update{{Type: "kustomize", File: "kustomization.yaml", Image: repoImg}}}
}

func request(target config.Deploy, digest string, env map[string]string) Request {
	return Request{Target: target, Env: "staging", Action: ActionPromote, Image: Image{Repository: repoImg, Digest: digest},
		Model: "iris", Version: "1.4.0", Gate: "pass", Record: repoImg + ":staging-history", Actor: "ci-bot",
		Getenv: func(k string) string { return env[k] }, Now: clock}
}

// shownDiff is the diff of the last commit as git shows it: the changed
// lines only.
func shownDiff(t *testing.T, dir string) []string {
	out := gitRun(t, dir, "show", "--format=", "--unified=0", "HEAD")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestCommitModeLandsOneLine(t *testing.T) {
	for _, transport := range []string{"file", "http"} {
		t.Run(transport, func(t *testing.T) {
			bare := bareRepo(t)
			url, env := "file://"+bare, map[string]string{}
			if transport == "http" {
				url = serveGit(t, bare, "s3cret-token")
				env[config.EnvGitToken] = "s3cret-token"
			}
			res, err := Run(context.Background(), request(stagingTarget(url), digestA, env))
			require.NoError(t, err)
			assert.True(t, res.Changed && res.Pushed, "result %+v", res)
			assert.Equal(t, []string{"staging/kustomization.yaml"}, res.Files)

			dir := cloneOf(t, bare)
			assert.Equal(t, res.Commit, strings.TrimSpace(gitRun(t, dir, "rev-parse", "HEAD")))
			assert.Equal(t, []string{
				"-    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000 # set by slipway",
				"+    digest: " + digestA + " # set by slipway",
			}, shownDiff(t, dir))
			msg := gitRun(t, dir, "log", "-1", "--format=%an <%ae>%n%B")
			for _, want := range []string{"Slipway <slipway@localhost>", "Promote iris 1.4.0 to staging (sha256:aaaaaaaaaaaa)",
				"Digest: " + digestA, "Gate: pass", "Promotion-Record: " + repoImg + ":staging-history", "Promoted-By: ci-bot"} {
				assert.Contains(t, msg, want)
			}

			// Again: nothing to commit, nothing pushed.
			again, err := Run(context.Background(), request(stagingTarget(url), digestA, env))
			require.NoError(t, err)
			assert.False(t, again.Changed || again.Pushed, "second run %+v", again)
			assert.Equal(t, "3", strings.TrimSpace(gitRun(t, cloneOf(t, bare), "rev-list", "--count", "HEAD")))
		})
	}
}

func TestDryRunPushesNothing(t *testing.T) {
	bare := bareRepo(t)
	req := request(stagingTarget("file://"+bare), digestA, nil)
	req.DryRun = true
	res, err := Run(context.Background(), req)
	require.NoError(t, err)
	assert.True(t, res.Changed && res.DryRun && !res.Pushed)
	assert.Empty(t, res.Commit)
	assert.Contains(t, res.Diff, "--- a/staging/kustomization.yaml")
	assert.Contains(t, res.Diff, "+    digest: "+digestA+" # set by slipway")
	assert.Equal(t, "2", strings.TrimSpace(gitRun(t, cloneOf(t, bare), "rev-list", "--count", "HEAD")))
}

func TestPushRetriesWhenTheBranchMoved(t *testing.T) {
	bare := bareRepo(t)
	req := request(stagingTarget("file://"+bare), digestA, nil)
	req.beforePush = func(attempt int) {
		if attempt == 1 { // someone else pushes first
			other := cloneOf(t, bare)
			gitRun(t, other, "commit", "-q", "--allow-empty", "-m", "concurrent change")
			gitRun(t, other, "push", "-q", "origin", "main")
		}
	}
	res, err := Run(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	dir := cloneOf(t, bare)
	assert.Equal(t, "concurrent change", strings.TrimSpace(gitRun(t, dir, "log", "-1", "--format=%s", "HEAD~1")))
	assert.Len(t, shownDiff(t, dir), 2)
}

func TestDeployBadInput(t *testing.T) {
	t.Run("wrong token", func(t *testing.T) {
		url := serveGit(t, bareRepo(t), "right-token")
		_, err := Run(context.Background(), request(stagingTarget(url), digestA, map[string]string{config.EnvGitToken: "wrong-token-value"}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "refused the credentials in $SLIPWAY_GIT_TOKEN")
		assert.NotContains(t, err.Error(), "wrong-token-value")
		assert.Equal(t, fault.Usage, fault.KindOf(err))
	})
	t.Run("no token", func(t *testing.T) {
		url := serveGit(t, bareRepo(t), "right-token")
		_, err := Run(context.Background(), request(stagingTarget(url), digestA, nil))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "it wants credentials: set $SLIPWAY_GIT_TOKEN")
	})
	t.Run("unreachable", func(t *testing.T) {
		_, err := Run(context.Background(), request(stagingTarget("http://127.0.0.1:1/deploy.git"), digestA, nil))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cloning http://127.0.0.1:1/deploy.git (deploy repository of staging)")
		assert.Equal(t, fault.Runtime, fault.KindOf(err))
	})
	t.Run("protected branch", func(t *testing.T) {
		bare := bareRepo(t)
		hook := filepath.Join(bare, "hooks", "pre-receive")
		writeExec(t, hook, "#!/bin/sh\necho 'GL-HOOK-ERR: You are not allowed to push code to protected branches on this project.' >&2\nexit 1\n")
		_, err := Run(context.Background(), request(stagingTarget(serveGit(t, bare, "")), digestA, nil))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the repository refused the update of main")
		assert.Contains(t, err.Error(), "set mode: pull-request in the deploy block of staging")
		assert.Equal(t, fault.Denied, fault.KindOf(err))
	})
	t.Run("no such branch", func(t *testing.T) {
		target := stagingTarget("file://" + bareRepo(t))
		target.Branch = "release"
		_, err := Run(context.Background(), request(target, digestA, nil))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "it has no branch release")
	})
	t.Run("no such path", func(t *testing.T) {
		target := stagingTarget("file://" + bareRepo(t))
		target.Path = "clusters/staging"
		_, err := Run(context.Background(), request(target, digestA, nil))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "deploy.path clusters/staging of staging is not a folder")
	})
}
