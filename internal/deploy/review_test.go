package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
)

// fakeReviews is a GitHub or GitLab API that keeps pull requests in memory.
type fakeReviews struct {
	mu       sync.Mutex
	t        *testing.T
	prs      []map[string]any
	created  int
	updated  int
	requests []string
}

func (f *fakeReviews) record(r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.EscapedPath())
}

func decodeBody(t *testing.T, r *http.Request) map[string]any {
	var m map[string]any
	require.NoError(t, json.NewDecoder(r.Body).Decode(&m))
	return m
}

// github implements the three pulls endpoints Slipway uses.
func (f *fakeReviews) github(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	assert.Equal(f.t, "Bearer api-token", r.Header.Get("Authorization"))
	assert.Equal(f.t, "application/vnd.github+json", r.Header.Get("Accept"))
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/repos/acme/deploy/pulls":
		assert.Equal(f.t, "open", r.URL.Query().Get("state"))
		var out []map[string]any
		for _, pr := range f.prs {
			if "acme:"+pr["head"].(string) == r.URL.Query().Get("head") && pr["base"] == r.URL.Query().Get("base") {
				out = append(out, pr)
			}
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/acme/deploy/pulls":
		in := decodeBody(f.t, r)
		for _, k := range []string{"title", "body", "head", "base"} {
			assert.NotEmpty(f.t, in[k], "POST pulls field %s", k)
		}
		n := len(f.prs) + 1
		in["number"], in["html_url"] = n, fmt.Sprintf("https://github.example/acme/deploy/pull/%d", n)
		f.prs = append(f.prs, in)
		f.created++
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(in)
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/repos/acme/deploy/pulls/"):
		in := decodeBody(f.t, r)
		assert.ElementsMatch(f.t, []string{"title", "body"}, keysOf(in))
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/repos/acme/deploy/pulls/"), "%d", &n)
		pr := f.prs[n-1]
		pr["title"], pr["body"] = in["title"], in["body"]
		f.updated++
		json.NewEncoder(w).Encode(pr)
	default:
		http.NotFound(w, r)
	}
}

// gitlab implements the merge request endpoints Slipway uses.
func (f *fakeReviews) gitlab(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	assert.Equal(f.t, "api-token", r.Header.Get("Private-Token"))
	f.mu.Lock()
	defer f.mu.Unlock()
	const base = "/api/v4/projects/acme%2Fdeploy/merge_requests"
	path := r.URL.EscapedPath()
	switch {
	case r.Method == http.MethodGet && path == base:
		q := r.URL.Query()
		assert.Equal(f.t, "opened", q.Get("state"))
		out := []map[string]any{}
		for _, mr := range f.prs {
			if mr["source_branch"] == q.Get("source_branch") && mr["target_branch"] == q.Get("target_branch") {
				out = append(out, mr)
			}
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && path == base:
		in := decodeBody(f.t, r)
		for _, k := range []string{"title", "description", "source_branch", "target_branch"} {
			assert.NotEmpty(f.t, in[k], "POST merge_requests field %s", k)
		}
		n := len(f.prs) + 1
		in["iid"], in["web_url"] = n, fmt.Sprintf("https://gitlab.example/acme/deploy/-/merge_requests/%d", n)
		f.prs = append(f.prs, in)
		f.created++
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(in)
	case r.Method == http.MethodPut && strings.HasPrefix(path, base+"/"):
		in := decodeBody(f.t, r)
		var n int
		fmt.Sscanf(strings.TrimPrefix(path, base+"/"), "%d", &n)
		mr := f.prs[n-1]
		mr["title"], mr["description"] = in["title"], in["description"]
		f.updated++
		json.NewEncoder(w).Encode(mr)
	default:
		http.NotFound(w, r)
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPullRequestModeOpensOneAndUpdatesIt(t *testing.T) {
	for _, prov := range []string{"github", "gitlab"} {
		t.Run(prov, func(t *testing.T) {
			fake := &fakeReviews{t: t}
			handler := fake.github
			if prov == "gitlab" {
				handler = fake.gitlab
			}
			api := httptest.NewServer(http.HandlerFunc(handler))
			t.Cleanup(api.Close)
			bare := bareRepo(t)
			target := stagingTarget(serveGit(t, bare, "api-token"))
			target.Mode, target.Provider, target.API = config.DeployPullRequest, prov, api.URL
			if prov == "gitlab" {
				target.API = api.URL + "/api/v4"
			}
			env := map[string]string{config.EnvGitToken: "api-token"}
			req := request(target, digestA, env)
			req.Report = "## Gate report\n\nAll 3 policies pass."

			res, err := Run(context.Background(), req)
			require.NoError(t, err)
			require.NotNil(t, res.PullRequest)
			assert.True(t, res.PullRequest.Created && res.Pushed)
			assert.Equal(t, int64(1), res.PullRequest.Number)
			assert.Contains(t, res.PullRequest.URL, "/1")

			// The branch slipway/staging has the one-line change; main is untouched.
			dir := cloneOf(t, bare)
			assert.Equal(t, "2", strings.TrimSpace(gitRun(t, dir, "rev-list", "--count", "HEAD")))
			gitRun(t, dir, "checkout", "-q", "slipway/staging")
			assert.Equal(t, res.Commit, strings.TrimSpace(gitRun(t, dir, "rev-parse", "HEAD")))
			assert.Len(t, shownDiff(t, dir), 2)

			// Re-run: the branch already has it; the same request is updated.
			again, err := Run(context.Background(), req)
			require.NoError(t, err)
			assert.False(t, again.Pushed || again.PullRequest.Created)
			assert.Equal(t, res.Commit, again.Commit)
			assert.Equal(t, res.PullRequest.URL, again.PullRequest.URL)

			// A new digest before the merge: the branch moves, still one request.
			req.Image.Digest = digestB
			next, err := Run(context.Background(), req)
			require.NoError(t, err)
			assert.True(t, next.Pushed)
			assert.False(t, next.PullRequest.Created)
			assert.Equal(t, 1, fake.created)
			assert.Equal(t, 2, fake.updated)
			assert.Len(t, fake.prs, 1)
			body := fake.prs[0]["body"]
			if prov == "gitlab" {
				body = fake.prs[0]["description"]
			}
			assert.Contains(t, body, "## Gate report")
			assert.Contains(t, body, digestB)
			assert.Contains(t, fake.prs[0]["title"], "Promote iris 1.4.0 to staging (sha256:bbbbbbbbbbbb)")
		})
	}
}

func TestPullRequestModeNeedsAToken(t *testing.T) {
	target := stagingTarget("file://" + bareRepo(t))
	target.Mode, target.Provider, target.API = config.DeployPullRequest, "github", "http://127.0.0.1:1"
	_, err := Run(context.Background(), request(target, digestA, nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mode: pull-request needs an API token in $SLIPWAY_GIT_TOKEN")
}
