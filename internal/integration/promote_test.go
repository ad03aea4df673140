package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/promote"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// promoteSetup packs the example into a new repository of the real
// registry as 1.0.0 and 1.1.0, gates both with a new key, and writes a
// slipway.yaml (staging → production, soak) in the working folder.
func promoteSetup(t *testing.T, soak string) (src, v1ref, v2ref, pub string) {
	t.Helper()
	reg := env(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "gate.key")
	pub = filepath.Join(dir, "gate.pub")
	mustSlipway(t, "attest", "keygen", key, pub)
	src = reg + "/" + repo("iris")
	v1ref = mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", src).lastLine()
	v2ref = mustSlipway(t, "pack", example(t), "--version", "1.1.0", "--to", src).lastLine()
	for _, v := range []string{"1.0.0", "1.1.0"} {
		mustSlipway(t, "gate", src+":"+v, "--metrics", filepath.Join(example(t), "eval.json"), "--key", key, "-q")
	}
	writeFile(t, "slipway.yaml", fmt.Sprintf("key: %s\nenvironments:\n  - name: staging\n  - name: production\n    requires: staging\n    soak: %s\n", pub, soak))
	return src, v1ref, v2ref, pub
}

// TestPromoteChainOnRegistry walks staging → production with its soak on
// the real registry (referrers by the tag scheme), rolls back, and reads
// the history; the refusals along the way have their exit codes.
func TestPromoteChainOnRegistry(t *testing.T) {
	src, v1ref, v2ref, _ := promoteSetup(t, "2s")

	r := wantExit(t, 2, "promote", src+":1.0.0", "--env", "staging")
	assert.Contains(t, r.stderr, "promotion is by digest")
	assert.Contains(t, r.stderr, v1ref+" (what 1.0.0 names now)")
	wantExit(t, 2, "promote", v1ref, "--env", "qa")
	r = wantExit(t, 2, "promote", src+"@sha256:"+strings.Repeat("0", 64), "--env", "staging")
	assert.Contains(t, r.stderr, "is not in "+src)
	r = wantExit(t, 1, "promote", v1ref, "--env", "production")
	assert.Contains(t, r.stderr, "production requires staging first")

	r = mustSlipway(t, "promote", v1ref, "--env", "staging")
	assert.Equal(t, v1ref, r.lastLine())
	r = wantExit(t, 1, "promote", v1ref, "--env", "production")
	assert.Contains(t, r.stderr, "production requires 2s of soak in staging")
	time.Sleep(2 * time.Second)
	mustSlipway(t, "promote", v1ref, "--env", "production")

	mustSlipway(t, "promote", v2ref, "--env", "staging")
	r = mustSlipway(t, "rollback", src, "--env", "staging", "--reason", "latency regression")
	assert.Equal(t, v1ref, r.lastLine(), "staging rolled back to 1.0.0")
	r = wantExit(t, 1, "promote", v2ref, "--env", "production")
	assert.Contains(t, r.stderr, "was rolled back out of staging")

	r = mustSlipway(t, "history", src)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 5, "a header and four records:\n%s", r.stdout)
	assert.Regexp(t, `staging +rollback +1\.0\.0 `, lines[1], "newest first")
	r = mustSlipway(t, "history", src, "--env", "production", "-o", "json")
	var hist promote.HistoryResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &hist))
	recs := hist.Records
	require.Len(t, recs, 1)
	assert.Equal(t, strings.TrimPrefix(v1ref, src+"@"), recs[0].Digest)
	assert.True(t, recs[0].Gate.Verified)

	// skopeo, not our code, sees the tags.
	assert.Equal(t, strings.TrimPrefix(v1ref, src+"@"), skopeoDigest(t, src+":production"))
}

// TestPromoteRefusalsOnRegistry: failed, unsigned, foreign-signed and
// tampered verdicts do not count.
func TestPromoteRefusalsOnRegistry(t *testing.T) {
	reg := env(t)
	dir := t.TempDir()
	key, pub, otherKey := filepath.Join(dir, "k"), filepath.Join(dir, "k.pub"), filepath.Join(dir, "o")
	mustSlipway(t, "attest", "keygen", key, pub)
	mustSlipway(t, "attest", "keygen", otherKey, otherKey+".pub")
	worse := filepath.Join(dir, "worse.json")
	writeFile(t, worse, `{"accuracy": 0.5}`)
	thresholds := filepath.Join(dir, "t.yaml")
	writeFile(t, thresholds, "slipway:\n  config:\n    metrics:\n      min: {accuracy: 0.9}\n")
	eval := filepath.Join(example(t), "eval.json")

	for _, tc := range []struct {
		name string
		gate []string
		want string
	}{
		{"failed", []string{"--metrics", worse, "--data", thresholds, "--key", key}, "is fail"},
		{"unsigned", []string{"--metrics", eval}, "envelope is unsigned"},
		{"foreign-signed", []string{"--metrics", eval, "--key", otherKey}, "its signature is from a different key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := reg + "/" + repo("iris")
			ref := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", src).lastLine()
			slipway(t, append([]string{"gate", src + ":1.0.0", "-q"}, tc.gate...)...)
			r := wantExit(t, 1, "promote", ref, "--env", "staging", "--key", pub)
			assert.Contains(t, r.stderr, tc.want)
		})
	}
	t.Run("tampered", func(t *testing.T) {
		// A genuine failing verdict, edited to say pass at a later time: the
		// edit breaks the signature, so the genuine failure still decides.
		src := reg + "/" + repo("iris")
		ref := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", src).lastLine()
		wantExit(t, 1, "gate", src+":1.0.0", "--metrics", worse, "--data", thresholds, "--key", key, "-q")
		store := openRef(t, src)
		d, err := store.Resolve(t.Context(), "1.0.0")
		require.NoError(t, err)
		found, err := attest.Find(t.Context(), store, d.Digest, attest.PredicateGate)
		require.NoError(t, err)
		require.Len(t, found, 1)
		payload, err := base64.StdEncoding.DecodeString(found[0].Envelope.Payload)
		require.NoError(t, err)
		var st map[string]any
		require.NoError(t, json.Unmarshal(payload, &st))
		st["predicate"].(map[string]any)["decision"] = "pass"
		st["predicate"].(map[string]any)["time"] = "2099-01-01T00:00:00Z"
		payload, err = json.Marshal(st)
		require.NoError(t, err)
		forged := *found[0].Envelope
		forged.Payload = base64.StdEncoding.EncodeToString(payload)
		_, err = attest.Attach(t.Context(), store, d, &forged, nil)
		require.NoError(t, err)
		r := wantExit(t, 1, "promote", ref, "--env", "staging", "--key", pub)
		assert.Contains(t, r.stderr, "is fail")
	})
}

func openRef(t *testing.T, s string) oci.Store {
	t.Helper()
	ref, err := oci.ParseRef(s, false)
	require.NoError(t, err)
	return oci.Open(ref.WithTag(""))
}

// TestHistoryAfter200Promotions reads a long history in a few requests.
func TestHistoryAfter200Promotions(t *testing.T) {
	reg := env(t)
	host, stats := registrytest.Counting(t, reg)
	name := repo("iris")
	store := openRef(t, host+"/"+name)
	a, b := pushRandom(t, store, 1024), pushRandom(t, store, 1024)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 200 {
		d := []v1.Descriptor{a, b}[i%2]
		clock = clock.Add(time.Minute)
		_, err := promote.Promote(t.Context(), promote.Request{
			Source: store, Digest: d.Digest, Env: config.Environment{Name: "production"}, Actor: "seed", Force: true, Reason: "seeding",
		}, promote.WithClock(func() time.Time { return clock }), promote.WithSettle(0, 0))
		require.NoError(t, err, "promotion %d", i)
	}

	stats.Reset()
	r := mustSlipway(t, "history", host+"/"+name, "--env", "production")
	assert.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 21, "a header and the newest 20")
	assert.LessOrEqual(t, len(stats.Requests()), 8, "history after 200 promotions made %d requests: %v", len(stats.Requests()), stats.Requests())

	stats.Reset()
	r = mustSlipway(t, "history", host+"/"+name, "--env", "production", "--limit", "0", "-o", "json")
	var hist promote.HistoryResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &hist))
	recs := hist.Records
	assert.Len(t, recs, 200)
	pages := (200 + promote.PageSize - 1) / promote.PageSize
	// Each request may follow a ping; the tags are listed once (the
	// repository must exist), then the history tag, its pages.
	assert.LessOrEqual(t, len(stats.Requests()), 2*(3+pages), "all of it: %d requests for %d pages: %v", len(stats.Requests()), pages, stats.Requests())
}

// pushRandom pushes a random image with one layer of size bytes.
func pushRandom(t *testing.T, store oci.Store, size int64) v1.Descriptor {
	t.Helper()
	img, err := random.Image(size, 1)
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(t.Context(), img, ""))
	d, err := partial.Descriptor(img)
	require.NoError(t, err)
	return *d
}

// TestConcurrentPromotionsOnRegistry: promotions to one environment at
// once all end up in its history, and the tag names the newest record's digest.
func TestConcurrentPromotionsOnRegistry(t *testing.T) {
	reg := env(t)
	name := reg + "/" + repo("iris")
	store := openRef(t, name)
	const writers = 4
	var wg sync.WaitGroup
	results := make([]result, writers)
	for i := range writers {
		ref := name + "@" + pushRandom(t, store, 1024).Digest.String()
		wg.Go(func() {
			results[i] = slipwayCtx(context.Background(), "", "promote", ref, "--env", "staging", "--force", "--reason", "race", "-o", "json")
		})
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, r := range results {
		require.Equal(t, 0, r.code, "%s", r)
		var res promote.Result
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
		ids[res.Record.ID] = true
	}
	r := mustSlipway(t, "history", name, "--env", "staging", "-o", "json")
	var hist promote.HistoryResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &hist))
	recs := hist.Records
	require.Len(t, recs, writers, "every concurrent promotion is in the history")
	for _, rec := range recs {
		assert.True(t, ids[rec.ID], "record %s is one of the writers'", rec.ID)
	}
	assert.Equal(t, recs[0].Digest, skopeoDigest(t, name+":staging"), "staging names the newest record's digest")
}

// TestPromoteCopiesAcrossRepositories: --to copies the artifact with its
// attestation, which verifies there; within one registry no blob bytes
// are uploaded, even for a large image.
func TestPromoteCopiesAcrossRepositories(t *testing.T) {
	reg := env(t)
	host, stats := registrytest.Counting(t, reg)
	dir := t.TempDir()
	key, pub := filepath.Join(dir, "k"), filepath.Join(dir, "k.pub")
	mustSlipway(t, "attest", "keygen", key, pub)
	signer, err := attest.LoadPrivateKey(key)
	require.NoError(t, err)
	srcName, dstName := repo("iris-server"), repo("iris-prod")
	src := openRef(t, host+"/"+srcName)
	big := pushRandom(t, src, 48<<20)
	v := gate.Verdict{Decision: policy.Pass, Model: gate.ModelRef{Name: "iris", Version: "2.0.0"}, Time: time.Now().UTC()}
	env, err := attest.Sign(attest.NewStatement("iris", big.Digest, attest.PredicateGate, v), signer)
	require.NoError(t, err)
	_, err = attest.Attach(t.Context(), src, big, env, nil)
	require.NoError(t, err)
	ref := host + "/" + srcName + "@" + big.Digest.String()

	stats.Reset()
	mustSlipway(t, "promote", ref, "--env", "staging", "--key", pub)
	assert.Less(t, stats.BytesUploaded(), int64(64<<10), "an in-place promotion of a 48 MiB image uploaded %d bytes", stats.BytesUploaded())

	stats.Reset()
	r := mustSlipway(t, "promote", ref, "--env", "production", "--key", pub, "--to", host+"/"+dstName)
	assert.Equal(t, host+"/"+dstName+"@"+big.Digest.String(), r.lastLine())
	assert.Less(t, stats.BytesUploaded(), int64(64<<10), "a promotion into another repository of the registry uploaded %d bytes", stats.BytesUploaded())
	assert.Positive(t, stats.Count("POST", "mount="), "blobs were mounted")

	r = mustSlipway(t, "attest", "verify", host+"/"+dstName+"@"+big.Digest.String(), "--key", pub)
	assert.Contains(t, r.stdout, "gate pass", "the attestation came along and verifies there")
	r = mustSlipway(t, "history", host+"/"+dstName, "-o", "json")
	var hist promote.HistoryResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &hist))
	recs := hist.Records
	require.Len(t, recs, 1)
	assert.Equal(t, host+"/"+srcName, recs[0].Source)
}

// TestPromoteReleaseOnGitLab: --release creates, then updates, the release
// of the version through GitLab's API (a fake serving its shapes).
func TestPromoteReleaseOnGitLab(t *testing.T) {
	_, v1ref, _, _ := promoteSetup(t, "0s")
	var mu sync.Mutex
	releases := map[string]map[string]any{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/projects/7/releases/{tag}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if rel, ok := releases[r.PathValue("tag")]; ok {
			_ = json.NewEncoder(w).Encode(rel)
			return
		}
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
	})
	mux.HandleFunc("POST /api/v4/projects/7/releases", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		releases[body["tag_name"].(string)] = body
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(body)
	})
	mux.HandleFunc("PUT /api/v4/projects/7/releases/{tag}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		releases[r.PathValue("tag")]["description"] = body["description"]
		_ = json.NewEncoder(w).Encode(releases[r.PathValue("tag")])
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{"GITLAB_CI": "true", "CI_API_V4_URL": srv.URL + "/api/v4", "CI_PROJECT_ID": "7",
		"CI_JOB_TOKEN": "job", "CI_COMMIT_SHA": "0123abc", "GITLAB_USER_LOGIN": "tanuki", "CI_JOB_URL": "https://gitlab.example.com/j/1"} {
		t.Setenv(k, v)
	}
	mustSlipway(t, "promote", v1ref, "--env", "staging", "--release")
	mustSlipway(t, "promote", v1ref, "--env", "production", "--release")
	rel := releases["1.0.0"]
	require.NotNil(t, rel, "release 1.0.0 was created")
	notes := rel["description"].(string)
	assert.Regexp(t, `(?s)\*\*staging\*\* promote .* by tanuki .*\*\*production\*\* promote`, notes)
	assert.Contains(t, notes, "## Gate report")
	assert.Contains(t, notes, "iris-classifier")
	assert.Equal(t, "0123abc", rel["ref"])
}
