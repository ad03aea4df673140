package announce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
)

// fakeReleases implements the parts of GitLab's releases API that
// PublishRelease uses, for one project, with one token.
type fakeReleases struct {
	mu       sync.Mutex
	releases map[string]map[string]any // by tag
	requests []string
	header   string
}

func newFakeReleases(t *testing.T, header string) (*fakeReleases, *httptest.Server) {
	f := &fakeReleases{releases: map[string]map[string]any{}, header: header}
	mux := http.NewServeMux()
	base := "/api/v4/projects/{project}/releases"
	mux.HandleFunc("GET "+base+"/{tag}", f.guard(f.get))
	mux.HandleFunc("POST "+base, f.guard(f.create))
	mux.HandleFunc("PUT "+base+"/{tag}", f.guard(f.update))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeReleases) guard(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests = append(f.requests, r.Method)
		switch {
		case r.Header.Get(f.header) != "secret":
			reply(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		case r.PathValue("project") != "42":
			reply(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		default:
			next(w, r)
		}
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeReleases) get(w http.ResponseWriter, r *http.Request) {
	rel, ok := f.releases[r.PathValue("tag")]
	if !ok {
		reply(w, http.StatusNotFound, map[string]string{"message": "404 Not Found"})
		return
	}
	reply(w, http.StatusOK, rel)
}

func (f *fakeReleases) create(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["tag_name"] == nil {
		reply(w, http.StatusBadRequest, map[string]string{"message": "tag_name is missing"})
		return
	}
	tag := body["tag_name"].(string)
	if _, ok := f.releases[tag]; ok {
		reply(w, http.StatusConflict, map[string]string{"message": "Release already exists"})
		return
	}
	f.releases[tag] = body
	reply(w, http.StatusCreated, body)
}

func (f *fakeReleases) update(w http.ResponseWriter, r *http.Request) {
	rel, ok := f.releases[r.PathValue("tag")]
	if !ok {
		reply(w, http.StatusNotFound, map[string]string{"message": "404 Not Found"})
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	for k, v := range body {
		rel[k] = v
	}
	reply(w, http.StatusOK, rel)
}

func TestPublishRelease(t *testing.T) {
	ctx := context.Background()
	f, srv := newFakeReleases(t, "PRIVATE-TOKEN")
	rel := Release{GitLabAPI: ci.GitLabAPI{BaseURL: srv.URL + "/api/v4", Token: "secret"}, Project: "42", Tag: "1.4.0", Ref: "abc123", Name: "iris 1.4.0",
		Promotion: "- staging", GateReport: "PASS iris 1.4.0"}

	created, err := PublishRelease(ctx, rel)
	require.NoError(t, err)
	assert.True(t, created)
	notes := f.releases["1.4.0"]["description"].(string)
	assert.Contains(t, notes, "- staging")
	assert.Contains(t, notes, "PASS iris 1.4.0")
	assert.Equal(t, "abc123", f.releases["1.4.0"]["ref"])

	// Someone edits the notes; a second promotion adds its line, replaces
	// the report, and keeps their text.
	f.releases["1.4.0"]["description"] = notes + "\nHand-written changelog.\n"
	rel.Promotion, rel.GateReport = "- production", "PASS iris 1.4.0 (regated)"
	created, err = PublishRelease(ctx, rel)
	require.NoError(t, err)
	assert.False(t, created)
	notes = f.releases["1.4.0"]["description"].(string)
	assert.Equal(t, 1, strings.Count(notes, "## Promotions"))
	assert.Regexp(t, `(?s)- staging\n- production\n`, notes)
	assert.Contains(t, notes, "(regated)")
	assert.NotContains(t, notes, "PASS iris 1.4.0\n")
	assert.Contains(t, notes, "Hand-written changelog.")

	// The same promotion again changes nothing.
	f.requests = nil
	_, err = PublishRelease(ctx, rel)
	require.NoError(t, err)
	assert.Equal(t, []string{"GET"}, f.requests, "no update when the notes are unchanged")

	rel.Token = "wrong"
	_, err = PublishRelease(ctx, rel)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the token needs the api scope")
	assert.NotContains(t, err.Error(), "wrong")

	rel.Token = ""
	_, err = PublishRelease(ctx, rel)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
}

func TestPublishReleaseWithJobToken(t *testing.T) {
	f, srv := newFakeReleases(t, "JOB-TOKEN")
	env := map[string]string{"CI_SERVER_URL": srv.URL + "/", "CI_PROJECT_ID": "42", "CI_JOB_TOKEN": "secret"}
	rel := GitLabRelease(func(k string) string { return env[k] })
	assert.True(t, rel.JobToken)
	rel.Tag, rel.Promotion = "2.0.0", "- production"
	created, err := PublishRelease(context.Background(), rel)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Contains(t, f.releases["2.0.0"]["description"], "- production")
}

func TestReleaseNotesKeepTheReportWhenNoneIsGiven(t *testing.T) {
	notes := releaseNotes("", "- staging", "PASS report")
	again := releaseNotes(notes, "- staging", "")
	assert.Equal(t, notes, again, "an unchanged promotion re-run changes nothing")
	assert.Contains(t, releaseNotes("Written by hand.", "- x", ""), "Written by hand.")
}

func FuzzReleaseNotes(f *testing.F) {
	f.Add("", "- staging", "PASS")
	f.Add(promotionsStart+"\n- a\n"+promotionsEnd+"\n"+gateStart+"x"+gateEnd, "- b", "")
	f.Add(promotionsEnd+promotionsStart+gateEnd+gateStart, "- c", "r")
	f.Fuzz(func(t *testing.T, old, line, report string) {
		if strings.ContainsAny(line, "\r\n") || strings.TrimSpace(line) != line || line == "" ||
			strings.Contains(line, "<!--") || strings.Contains(report, "<!--") {
			return // lines are one line; Slipway writes the markers, not the content
		}
		notes := releaseNotes(old, line, report)
		if !strings.Contains(notes, line) {
			t.Fatalf("releaseNotes(%q, %q, %q) lost the line:\n%s", old, line, report, notes)
		}
		if again := releaseNotes(notes, line, ""); again != notes {
			t.Fatalf("releaseNotes is not idempotent on %q:\n%s\nthen\n%s", old, notes, again)
		}
	})
}
