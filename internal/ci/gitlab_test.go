package ci

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestGitLabDotenv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slipway.env")
	p := New(GitLab, WithGetenv(env(map[string]string{"GITLAB_CI": "true"})), WithOutputsPath(path))

	require.NoError(t, p.SetOutputs(map[string]string{"decision": "fail", "report-url": "https://x/r.md?a=b"}))
	require.NoError(t, p.SetOutputs(map[string]string{"attestation": "sha256:abc", "decision": "pass"}))

	got, err := os.ReadFile(path)
	require.NoError(t, err)
	want := "SLIPWAY_ATTESTATION=sha256:abc\nSLIPWAY_DECISION=pass\nSLIPWAY_REPORT_URL=https://x/r.md?a=b\n"
	assert.Equal(t, want, string(got), "dotenv after two SetOutputs calls")
}

func TestGitLabDotenvDefaultPath(t *testing.T) {
	t.Chdir(t.TempDir())
	p := New(GitLab, WithGetenv(env(nil)))
	require.NoError(t, p.SetOutputs(map[string]string{"decision": "pass"}))
	got, err := os.ReadFile("slipway.env")
	require.NoError(t, err)
	assert.Equal(t, "SLIPWAY_DECISION=pass\n", string(got))
}

func TestGitLabDotenvRefuses(t *testing.T) {
	tests := []struct {
		name    string
		outputs map[string]string
	}{
		{"multi-line value", map[string]string{"report": "line one\nline two"}},
		{"carriage return", map[string]string{"report": "a\rb"}},
		{"name with a space", map[string]string{"my output": "x"}},
		{"name with a non-ASCII letter", map[string]string{"décision": "x"}},
		{"empty name", map[string]string{"": "x"}},
		{"larger than GitLab accepts", map[string]string{"report": strings.Repeat("x", dotenvMaxBytes)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "slipway.env")
			p := New(GitLab, WithGetenv(env(nil)), WithOutputsPath(path))
			err := p.SetOutputs(tt.outputs)
			require.Error(t, err, "SetOutputs(%q)", tt.outputs)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "SetOutputs(%q) = %v", tt.outputs, err)
			_, statErr := os.Stat(path)
			assert.True(t, os.IsNotExist(statErr), "no dotenv written after %v", err)
		})
	}
}

const (
	irisMarker   = "<!-- slipway:model=iris -->"
	irisV2Marker = "<!-- slipway:model=iris-v2 -->"
)

func TestGitLabNoteUpdatedInPlace(t *testing.T) {
	fake, srv := newFakeNotes(t, "glpat-secret")
	unrelated := []fakeNote{
		{Body: "LGTM"},
		{Body: "added 1 commit", System: true},
		{Body: "please rerun"},
		{Body: "mentioned " + irisMarker + " in a commit", System: true}, // system notes are never ours
		{Body: "one more"},
	}
	fake.seed(unrelated...)
	var log bytes.Buffer
	p := New(GitLab, WithGetenv(env(gitlabEnv(srv.URL, "SLIPWAY_GITLAB_TOKEN", "glpat-secret"))),
		WithHTTPClient(srv.Client()), WithWriter(&log))
	ctx := context.Background()

	// Two pushes of the same model, then another model.
	require.NoError(t, p.Summary(ctx, "iris", irisMarker, irisMarker+"\n## iris: fail"))
	require.NoError(t, p.Summary(ctx, "iris", irisMarker, irisMarker+"\n## iris: pass"))
	require.NoError(t, p.Summary(ctx, "iris-v2", irisV2Marker, irisV2Marker+"\n## iris-v2: warn"))
	// A later pipeline with the same result changes nothing.
	require.NoError(t, p.Summary(ctx, "iris", irisMarker, irisMarker+"\n## iris: pass"))

	notes := fake.snapshot()
	require.Len(t, notes, len(unrelated)+2, "notes after three models' summaries: %+v", notes)
	for i, n := range unrelated {
		assert.Equal(t, n.Body, notes[i].Body, "unrelated note %d", notes[i].ID)
	}
	assert.Equal(t, irisMarker+"\n## iris: pass", notes[len(unrelated)].Body, "iris note after two pushes")
	assert.Equal(t, irisV2Marker+"\n## iris-v2: warn", notes[len(unrelated)+1].Body, "iris-v2 note")

	// Every summary reads all pages (the iris note is on page 3 of 2-note pages).
	want := []string{
		"GET page=1", "GET page=2", "GET page=3", "POST", // iris, first push
		"GET page=1", "GET page=2", "GET page=3", "PUT 106", // iris, second push
		"GET page=1", "GET page=2", "GET page=3", "POST", // iris-v2
		"GET page=1", "GET page=2", "GET page=3", // iris unchanged
	}
	assert.Equal(t, want, fake.requests)
	assert.Empty(t, log.String())
}

func TestGitLabNoteAddsMissingMarker(t *testing.T) {
	fake, srv := newFakeNotes(t, "glpat-secret")
	p := New(GitLab, WithGetenv(env(gitlabEnv(srv.URL, "GITLAB_TOKEN", "glpat-secret"))), WithHTTPClient(srv.Client()))
	ctx := context.Background()
	require.NoError(t, p.Summary(ctx, "iris", irisMarker, "## iris: fail"))
	require.NoError(t, p.Summary(ctx, "iris", irisMarker, "## iris: pass"))
	notes := fake.snapshot()
	require.Len(t, notes, 1)
	assert.Equal(t, irisMarker+"\n## iris: pass", notes[0].Body)
}

func TestGitLabNotePagesWithoutLinkHeader(t *testing.T) {
	fake, srv := newFakeNotes(t, "glpat-secret")
	fake.omitLink = true
	fake.seed(fakeNote{Body: "a"}, fakeNote{Body: "b"}, fakeNote{Body: "c"}, fakeNote{Body: "d"},
		fakeNote{Body: irisMarker + "\nold"}, fakeNote{Body: "e"})
	p := New(GitLab, WithGetenv(env(gitlabEnv(srv.URL, "GITLAB_TOKEN", "glpat-secret"))), WithHTTPClient(srv.Client()))
	require.NoError(t, p.Summary(context.Background(), "iris", irisMarker, irisMarker+"\nnew"))
	assert.Equal(t, []string{"GET page=1", "GET page=2", "GET page=3", "PUT 105"}, fake.requests)
	assert.Equal(t, irisMarker+"\nnew", fake.snapshot()[4].Body)
}

// TestGitLabNoteNeverUsesTheJobToken is issue 10, finding 9: GitLab
// refuses CI_JOB_TOKEN for notes, so with only the job token there is no
// note, no API call and no error, and one line says which token to set.
func TestGitLabNoteNeverUsesTheJobToken(t *testing.T) {
	fake, srv := newFakeNotes(t, "glpat-secret")
	var log bytes.Buffer
	p := New(GitLab, WithGetenv(env(gitlabEnv(srv.URL, "CI_JOB_TOKEN", "job-secret"))), WithHTTPClient(srv.Client()), WithWriter(&log))
	require.NoError(t, p.Summary(context.Background(), "iris", irisMarker, irisMarker+"\nok"))
	assert.Zero(t, fake.calls, "no notes API call with the job token")
	assert.Empty(t, fake.snapshot())
	assert.Contains(t, log.String(), "SLIPWAY_GITLAB_TOKEN")
	assert.NotContains(t, log.String(), "job-secret")
}

// TestFakeNotesRefusesJobToken keeps the fake honest: GitLab answers 401 to
// a JOB-TOKEN on the notes endpoints, even beside a valid PRIVATE-TOKEN.
func TestFakeNotesRefusesJobToken(t *testing.T) {
	_, srv := newFakeNotes(t, "glpat-secret")
	for _, h := range []map[string]string{
		{"JOB-TOKEN": "job-secret"},
		{"JOB-TOKEN": "job-secret", "PRIVATE-TOKEN": "glpat-secret"},
	} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v4/projects/42/merge_requests/7/notes", nil)
		require.NoError(t, err)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "GET notes with %v", h)
	}
}

func TestGitLabNoteServerURLFallback(t *testing.T) {
	fake, srv := newFakeNotes(t, "glpat-secret")
	vars := gitlabEnv(srv.URL, "GITLAB_TOKEN", "glpat-secret", "CI_SERVER_URL", srv.URL+"/")
	delete(vars, "CI_API_V4_URL")
	p := New(GitLab, WithGetenv(env(vars)), WithHTTPClient(srv.Client()))
	require.NoError(t, p.Summary(context.Background(), "iris", irisMarker, irisMarker+"\nok"))
	assert.Len(t, fake.snapshot(), 1)
}

func TestGitLabNoteRejectedTokenIsNotPrinted(t *testing.T) {
	tests := []struct {
		name, variable, hint string
	}{
		{"slipway token", "SLIPWAY_GITLAB_TOKEN", "api scope"},
		{"gitlab token", "GITLAB_TOKEN", "api scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, srv := newFakeNotes(t, "the-right-one")
			const token = "glpat-WRONG-and-secret"
			var log bytes.Buffer
			p := New(GitLab, WithGetenv(env(gitlabEnv(srv.URL, tt.variable, token))),
				WithHTTPClient(srv.Client()), WithWriter(&log))

			err := p.Summary(context.Background(), "iris", irisMarker, "## iris")
			require.Error(t, err, "Summary with a rejected token")
			assert.Contains(t, err.Error(), "401")
			assert.Contains(t, err.Error(), tt.hint)
			assert.NotContains(t, err.Error(), token)
			assert.NotContains(t, log.String(), token)
			assert.Equal(t, fault.Runtime, fault.KindOf(err))
			assert.Empty(t, fake.snapshot())
		})
	}
}

func TestGitLabNoteTokenEchoedByServerIsMasked(t *testing.T) {
	const token = "glpat-echoed"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "token " + r.Header.Get("PRIVATE-TOKEN") + " lacks scope"})
	}))
	t.Cleanup(srv.Close)
	p := New(GitLab, WithGetenv(env(gitlabEnv(srv.URL, "GITLAB_TOKEN", token))), WithHTTPClient(srv.Client()))
	err := p.Summary(context.Background(), "iris", irisMarker, "## iris")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "[masked] lacks scope")
}

func TestGitLabNoteSkipped(t *testing.T) {
	tests := []struct {
		name string
		vars func(srvURL string) map[string]string
		log  string
	}{
		{
			"branch pipeline",
			func(u string) map[string]string {
				m := gitlabEnv(u, "GITLAB_TOKEN", "t")
				delete(m, "CI_MERGE_REQUEST_IID")
				return m
			},
			"CI_MERGE_REQUEST_IID unset",
		},
		{"no token", func(u string) map[string]string { return gitlabEnv(u) }, "no project token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, srv := newFakeNotes(t, "t")
			var log bytes.Buffer
			p := New(GitLab, WithGetenv(env(tt.vars(srv.URL))), WithHTTPClient(srv.Client()), WithWriter(&log))
			require.NoError(t, p.Summary(context.Background(), "iris", irisMarker, "## iris"))
			assert.Empty(t, fake.requests, "no API call")
			assert.Contains(t, log.String(), tt.log)
			assert.Equal(t, 1, strings.Count(log.String(), "\n"), "one line: %q", log.String())
		})
	}
}

func TestGitLabNoteNeedsMarker(t *testing.T) {
	p := New(GitLab, WithGetenv(env(gitlabEnv("http://unused", "GITLAB_TOKEN", "t"))))
	err := p.Summary(context.Background(), "iris", "", "## iris")
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
}

func TestGitLabToken(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		opt     string
		want    string
		wantJob bool
	}{
		{"slipway token first", map[string]string{"SLIPWAY_GITLAB_TOKEN": "a", "GITLAB_TOKEN": "b", "CI_JOB_TOKEN": "c"}, "", "a", false},
		{"then GITLAB_TOKEN", map[string]string{"GITLAB_TOKEN": "b", "CI_JOB_TOKEN": "c"}, "", "b", false},
		{"never the job token", map[string]string{"CI_JOB_TOKEN": "c"}, "", "", false},
		{"option over all", map[string]string{"SLIPWAY_GITLAB_TOKEN": "a"}, "o", "o", false},
		{"none", nil, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New(GitLab, WithGetenv(env(tt.vars)), WithGitLabToken(tt.opt)).(*gitlabPublisher)
			a := g.api()
			if a.Token != tt.want || a.JobToken != tt.wantJob {
				t.Errorf("api() with %v: token %q, job %v; want %q, %v", tt.vars, a.Token, a.JobToken, tt.want, tt.wantJob)
			}
		})
	}
}
