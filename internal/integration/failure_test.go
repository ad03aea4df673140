package integration

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// failBlobUploads makes the proxy let the first `after` blob uploads through
// and then answer status to the next `times` requests that send blob bytes
// (PATCH under /blobs/uploads/; times < 0 means for ever). It returns how
// many it failed.
func failBlobUploads(stats *registrytest.Stats, after, times int64, status int) *atomic.Int64 {
	var seen, failed atomic.Int64
	stats.OnRequest(func(r *http.Request) int {
		if r.Method != http.MethodPatch || !strings.Contains(r.URL.Path, "/blobs/uploads/") {
			return 0
		}
		if seen.Add(1) <= after {
			return 0
		}
		if times >= 0 && failed.Load() >= times {
			return 0
		}
		failed.Add(1)
		return status
	})
	return &failed
}

// TestPackToFailingRegistry packs through a registry that refuses blob
// uploads part way: pack exits 3 with a message naming the registry and the
// status, no tag appears, and the same command against the recovered
// registry completes the push with every blob present.
func TestPackToFailingRegistry(t *testing.T) {
	reg := env(t)
	proxy, stats := registrytest.Counting(t, reg)
	name := repo("iris")
	// 400 is not retried, so the failure is immediate; a 5xx is retried for
	// about 16 s before pack gives up (see TestPackRetriesTransientFailures).
	failed := failBlobUploads(stats, 1, -1, http.StatusBadRequest)

	start := time.Now()
	r := wantExit(t, 3, "pack", example(t), "--version", "1.0.0", "--to", proxy+"/"+name, "--lock", "iris.lock")
	assert.Less(t, time.Since(start), 5*time.Second, "time to give up on a registry that answers 400")
	require.NotZero(t, failed.Load(), "the proxy failed no upload; requests: %v", stats.Requests())
	assert.Contains(t, r.stderr, "registry "+proxy, "the error should name the registry")
	assert.Contains(t, r.stderr, "400", "the error should give the status")
	assert.Empty(t, r.stdout, "stdout of a failed pack")
	assert.NoFileExists(t, "iris.lock", "a failed pack wrote its lock")
	assert.Zero(t, stats.Count(http.MethodPut, "/manifests/"), "manifest PUTs after a failed upload: %v", stats.Requests())
	assert.Empty(t, skopeoTagsOrNone(t, reg+"/"+name), "tags after a failed pack")

	// The registry recovers: the same command completes the push.
	stats.OnRequest(nil)
	r = mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", proxy+"/"+name, "--lock", "iris.lock")
	assert.Contains(t, r.stderr, "packed iris-classifier 1.0.0")
	assert.Equal(t, []string{"1.0.0"}, skopeoTags(t, reg+"/"+name), "tags after the second pack")
	assert.Equal(t, strings.TrimPrefix(r.lastLine(), proxy+"/"+name+"@"), skopeoDigest(t, reg+"/"+name+":1.0.0"),
		"digest of :1.0.0 against what pack printed")
	// skopeo copy fetches every blob the manifest names.
	layout := filepath.Join(t.TempDir(), "layout")
	registrytest.Skopeo(t, "copy", "--src-tls-verify=false", "docker://"+reg+"/"+name+":1.0.0", "oci:"+layout+":1.0.0")
}

// TestPackRetriesTransientFailures packs through a registry that answers 503
// to two blob uploads: the store retries, and pack succeeds.
func TestPackRetriesTransientFailures(t *testing.T) {
	reg := env(t)
	proxy, stats := registrytest.Counting(t, reg)
	name := repo("iris")
	failed := failBlobUploads(stats, 1, 2, http.StatusServiceUnavailable)

	r := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", proxy+"/"+name, "--lock", "iris.lock")
	assert.Equal(t, int64(2), failed.Load(), "uploads the proxy failed")
	assert.Equal(t, strings.TrimPrefix(r.lastLine(), proxy+"/"+name+"@"), skopeoDigest(t, reg+"/"+name+":1.0.0"))
	layout := filepath.Join(t.TempDir(), "layout")
	registrytest.Skopeo(t, "copy", "--src-tls-verify=false", "docker://"+reg+"/"+name+":1.0.0", "oci:"+layout+":1.0.0")
}

// TestPackInterrupted cancels pack (as Ctrl-C does) while it uploads: exit
// 130 (interrupted, as shells report SIGINT), no tag, no lock; the next run
// completes the push.
func TestPackInterrupted(t *testing.T) {
	reg := env(t)
	proxy, stats := registrytest.Counting(t, reg)
	name := repo("iris")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stats.OnRequest(func(r *http.Request) int {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			cancel()
			return http.StatusServiceUnavailable
		}
		return 0
	})

	r := slipwayCtx(ctx, "", "pack", example(t), "--version", "1.0.0", "--to", proxy+"/"+name, "--lock", "iris.lock")
	assert.Equal(t, 130, r.code, "exit code of an interrupted pack\n%s", r)
	assert.Empty(t, r.stdout, "stdout of an interrupted pack")
	assert.NoFileExists(t, "iris.lock", "an interrupted pack wrote its lock")
	assert.Empty(t, skopeoTagsOrNone(t, reg+"/"+name), "tags after an interrupted pack")

	stats.OnRequest(nil)
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", proxy+"/"+name, "--lock", "iris.lock")
	assert.Equal(t, []string{"1.0.0"}, skopeoTags(t, reg+"/"+name), "tags after the second pack")
}
