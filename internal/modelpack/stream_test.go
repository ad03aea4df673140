package modelpack

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// weightsTree is a model of n weight files of size bytes each: n layers of
// their own, so a streaming pack has several blobs to overlap.
func weightsTree(t *testing.T, n, size int) string {
	t.Helper()
	files := map[string]string{"README.md": "---\nname: big-model\n---\n"}
	for i := range n {
		files[string(rune('a'+i))+".safetensors"] = strings.Repeat(string(rune('0'+i)), size)
	}
	return writeTree(t, files)
}

// manifestOf reads the manifest that digest names in a layout or registry store.
func manifestOf(t *testing.T, s oci.Store, digest string) *v1.Manifest {
	t.Helper()
	h, err := v1.NewHash(digest)
	require.NoError(t, err)
	img, err := s.Image(context.Background(), h)
	require.NoError(t, err, "reading %s from %s", digest, s.Ref())
	m, err := img.Manifest()
	require.NoError(t, err)
	return m
}

func blobsOf(m *v1.Manifest) []v1.Descriptor { return append([]v1.Descriptor{m.Config}, m.Layers...) }

// hasBlob asks the registry at host (not through a proxy) for a blob.
func hasBlob(t *testing.T, host, repo string, h v1.Hash) bool {
	t.Helper()
	resp, err := http.Head("http://" + host + "/v2/" + repo + "/blobs/" + h.String())
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func TestStreamingPackMatchesLayoutPack(t *testing.T) {
	ctx := context.Background()
	dir := weightsTree(t, 3, 1<<16)
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)

	toLayout := packReq(t, dir, layoutTo(t))
	toLayout.Version = "1.0.0"
	want, err := PackModel(ctx, toLayout)
	require.NoError(t, err, "PackModel to a layout")

	toReg := packReq(t, dir, proxy+"/acme/big")
	toReg.Version = "1.0.0"
	got, err := PackModel(ctx, toReg)
	require.NoError(t, err, "PackModel to %s", toReg.To)

	assert.Equal(t, want.Digest, got.Digest, "digest packed to a registry against the one packed to a layout")
	assert.Equal(t, want.Files, got.Files, "files packed to a registry against those packed to a layout")
	wantLock, err := ReadLock(toLayout.Lock)
	require.NoError(t, err)
	gotLock, err := ReadLock(toReg.Lock)
	require.NoError(t, err)
	wantLock.Reference = gotLock.Reference
	assert.Equal(t, wantLock, gotLock, "lock of a registry pack, but for its reference")

	d, err := oci.Open(mustParse(t, reg+"/acme/big")).Resolve(ctx, "1.0.0")
	require.NoError(t, err, "resolving the version in the registry")
	assert.Equal(t, got.Digest, d.Digest.String(), "digest the version names in the registry")
	m := manifestOf(t, oci.OpenLayout(strings.TrimPrefix(toLayout.To, oci.LayoutPrefix)), want.Digest)
	assert.Equal(t, len(blobsOf(m)), stats.Count(http.MethodPost, "/blobs/uploads/"),
		"uploads started for %d blobs; requests: %v", len(blobsOf(m)), stats.Requests())
	assert.Equal(t, 1, stats.Count(http.MethodPut, "/manifests/"), "manifest PUTs; requests: %v", stats.Requests())
}

// blockingProgress holds the read of the second layer until release is
// closed (or a deadline passes, which the test reports), so whatever the
// registry sees meanwhile happened before the last layer was built.
type blockingProgress struct {
	first   int64 // size of the first layer
	release <-chan struct{}
	done    atomic.Int64
	waited  atomic.Bool
	late    atomic.Bool
}

func (p *blockingProgress) SetTotal(int64) {}

func (p *blockingProgress) Add(n int64) {
	if p.done.Add(n)-n >= p.first && p.waited.CompareAndSwap(false, true) {
		select {
		case <-p.release:
		case <-time.After(10 * time.Second): // a deadlock guard, not a wait for the uploads
			p.late.Store(true)
		}
	}
}

func TestStreamingPackUploadsBeforeTheLastLayerIsBuilt(t *testing.T) {
	ctx := context.Background()
	const size = 1 << 20
	dir := weightsTree(t, 2, size)
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)
	uploading := make(chan struct{})
	var once sync.Once
	stats.OnRequest(func(r *http.Request) int {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			once.Do(func() { close(uploading) })
		}
		return 0
	})
	dst, ok := oci.Client{}.Open(mustParse(t, proxy+"/acme/big")).(oci.BlobWriter)
	require.True(t, ok, "a registry store should take blobs one at a time")
	progress := &blockingProgress{first: size, release: uploading}

	_, err := PackStreaming(ctx, oci.OpenLayout(filepath.Join(t.TempDir(), "staging")), dst,
		PackOptions{Dir: dir, Epoch: time.Unix(0, 0), Jobs: 1, Progress: progress}, nil)
	require.NoError(t, err, "PackStreaming")
	require.True(t, progress.waited.Load(), "the pack never read a second layer")
	assert.False(t, progress.late.Load(),
		"no blob upload reached the registry while the second (last) layer waited to be read; requests: %v", stats.Requests())
}

// failCommitsAfter answers 400 (not retried) to every blob upload commit
// (PUT under /blobs/uploads/) after the first n, like a registry that fails
// part way through a push; it returns how many it failed.
func failCommitsAfter(stats *registrytest.Stats, n int64) *atomic.Int64 {
	var seen, failed atomic.Int64
	stats.OnRequest(func(r *http.Request) int {
		if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/blobs/uploads/") || seen.Add(1) <= n {
			return 0
		}
		// The first n commits land before any fails: a failure cancels the
		// pack, and with it a commit still in flight.
		for deadline := time.Now().Add(5 * time.Second); committed(stats) < n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		failed.Add(1)
		return http.StatusBadRequest
	})
	return &failed
}

// committed counts the blob uploads the registry has committed.
func committed(stats *registrytest.Stats) int64 {
	var n int64
	for _, r := range stats.Requests() {
		if r.Method == http.MethodPut && strings.Contains(r.Path, "/blobs/uploads/") && r.Status == http.StatusCreated {
			n++
		}
	}
	return n
}

func TestStreamingPackFailureThenResume(t *testing.T) {
	ctx := context.Background()
	dir := weightsTree(t, 4, 1<<16)
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)

	// The blobs the artifact names, from a pack to a layout.
	layoutReq := packReq(t, dir, layoutTo(t))
	layoutReq.Version = "1.0.0"
	want, err := PackModel(ctx, layoutReq)
	require.NoError(t, err)
	blobs := blobsOf(manifestOf(t, oci.OpenLayout(strings.TrimPrefix(layoutReq.To, oci.LayoutPrefix)), want.Digest))

	failed := failCommitsAfter(stats, 1)
	req := packReq(t, dir, proxy+"/acme/big")
	req.Version = "1.0.0"
	_, err = PackModel(ctx, req)
	require.Error(t, err, "PackModel through a registry that fails uploads")
	require.NotZero(t, failed.Load(), "the proxy failed no upload; requests: %v", stats.Requests())
	assert.Equal(t, fault.Runtime, fault.KindOf(err), "kind of %v", err)
	assert.Contains(t, err.Error(), "registry "+proxy, "the error should name the registry")
	assert.NoFileExists(t, req.Lock, "a failed pack wrote its lock")
	assert.Zero(t, stats.Count(http.MethodPut, "/manifests/"), "manifest PUTs after a failed upload: %v", stats.Requests())
	tags, err := oci.Open(mustParse(t, reg+"/acme/big")).Tags(ctx)
	require.NoError(t, err)
	assert.Empty(t, tags, "tags after a failed pack")

	missing := map[string]bool{}
	for _, b := range blobs {
		if !hasBlob(t, reg, "acme/big", b.Digest) {
			missing[b.Digest.String()] = true
		}
	}
	require.NotEmpty(t, missing, "every blob arrived though uploads failed")
	require.Less(t, len(missing), len(blobs), "no blob arrived before the failure")

	// The registry recovers: the same pack sends only what it lacks. (An
	// upload the failure cancelled may still land in the registry after
	// the count above, so the re-run may send fewer.)
	stats.OnRequest(nil)
	stats.Reset()
	res, err := PackModel(ctx, req)
	require.NoError(t, err, "PackModel again against the recovered registry")
	assert.Equal(t, want.Digest, res.Digest)
	for _, r := range stats.Requests() {
		if r.Method != http.MethodPut || !strings.Contains(r.Path, "/blobs/uploads/") {
			continue
		}
		q, err := url.ParseQuery(r.Query)
		require.NoError(t, err)
		assert.True(t, missing[q.Get("digest")], "the re-run sent %s, which the registry held; requests: %v", q.Get("digest"), stats.Requests())
	}
	assert.LessOrEqual(t, stats.Count(http.MethodPost, "/blobs/uploads/"), len(missing),
		"uploads started by the re-run, for %d missing blobs; requests: %v", len(missing), stats.Requests())
	assert.FileExists(t, req.Lock, "lock after the re-run")
	for _, b := range blobs {
		assert.True(t, hasBlob(t, reg, "acme/big", b.Digest), "blob %s after the re-run", b.Digest)
	}
}

func TestStreamingRepackUploadsNothing(t *testing.T) {
	for _, version := range []string{"1.0.0", ""} {
		t.Run("version "+version, func(t *testing.T) {
			ctx := context.Background()
			reg := registrytest.InProcess(t)
			proxy, stats := registrytest.Counting(t, reg)
			req := packReq(t, weightsTree(t, 2, 1<<16), proxy+"/acme/big")
			req.Version = version
			first, err := PackModel(ctx, req)
			require.NoError(t, err)

			stats.Reset()
			again, err := PackModel(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, first.Digest, again.Digest)
			assert.Zero(t, stats.Count(http.MethodPost, ""), "POSTs in an unchanged re-pack; requests: %v", stats.Requests())
			assert.Zero(t, stats.Count(http.MethodPatch, ""), "PATCHes in an unchanged re-pack; requests: %v", stats.Requests())
			if version != "" {
				assert.True(t, again.Unchanged, "an unchanged re-pack of a version")
				assert.Zero(t, stats.Count(http.MethodPut, ""), "PUTs in an unchanged re-pack; requests: %v", stats.Requests())
				assert.Zero(t, stats.BytesUploaded(), "bytes sent by an unchanged re-pack")
			}
		})
	}
}

func mustHash(t *testing.T, s string) v1.Hash {
	t.Helper()
	h, err := v1.NewHash(s)
	require.NoError(t, err)
	return h
}

func TestStreamingPackOverATakenVersionUploadsNothing(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)
	req := packReq(t, weightsTree(t, 2, 1<<16), proxy+"/acme/big")
	req.Version = "1.0.0"
	_, err := PackModel(ctx, req)
	require.NoError(t, err)

	stats.Reset()
	req.Dir = weightsTree(t, 3, 1<<16)
	req.Lock = filepath.Join(t.TempDir(), LockFileName)
	_, err = PackModel(ctx, req)
	require.Error(t, err, "PackModel of other bytes as an existing version")
	assert.Equal(t, fault.Denied, fault.KindOf(err), "kind of %v", err)
	assert.Zero(t, stats.Count(http.MethodPost, ""), "POSTs by a refused pack; requests: %v", stats.Requests())
	assert.Zero(t, stats.BytesUploaded(), "bytes sent by a refused pack")
	assert.NoFileExists(t, req.Lock, "a refused pack wrote its lock")
}

// TestStreamingPackSendsLargeFilesWhileHashingThem: a file of StreamMinSize
// or more whose digest is not known yet travels before it is hashed (no
// HEAD can be asked without the digest), and the upload is committed under
// the digest of what was staged.
func TestStreamingPackSendsLargeFilesWhileHashingThem(t *testing.T) {
	ctx := context.Background()
	dir := weightsTree(t, 2, StreamMinSize)
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)

	req := packReq(t, dir, proxy+"/acme/big")
	req.Version = "1.0.0"
	got, err := PackModel(ctx, req)
	require.NoError(t, err, "PackModel to %s", req.To)

	m := manifestOf(t, oci.Open(mustParse(t, reg+"/acme/big")), got.Digest)
	streamed := 0
	for _, l := range m.Layers {
		if l.Size < StreamMinSize {
			continue
		}
		streamed++
		head, commit := firstRequests(stats.Requests(), l.Digest)
		assert.True(t, commit >= 0 && (head < 0 || head > commit),
			"the streamed blob %s was committed (request %d) without asking for it first (HEAD, request %d); requests: %v",
			l.Digest, commit, head, stats.Requests())
		assert.True(t, hasBlob(t, reg, "acme/big", l.Digest), "registry holds %s", l.Digest)
	}
	assert.Equal(t, 2, streamed, "large layers")
	assert.Equal(t, len(blobsOf(m)), stats.Count(http.MethodPost, "/blobs/uploads/"), "upload sessions; requests: %v", stats.Requests())
}

// TestStreamingPackFallsBackWhenAStreamFails: a registry that refuses the
// streamed bytes still gets the blob, the usual way, from the staged copy.
func TestStreamingPackFallsBackWhenAStreamFails(t *testing.T) {
	ctx := context.Background()
	dir := weightsTree(t, 1, StreamMinSize)
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)
	var refused atomic.Bool
	stats.OnRequest(func(r *http.Request) int {
		// The streamed PATCH carries the whole file; others may run first.
		if r.Method == http.MethodPatch && r.ContentLength >= StreamMinSize && refused.CompareAndSwap(false, true) {
			return http.StatusBadRequest
		}
		return 0
	})

	req := packReq(t, dir, proxy+"/acme/big")
	req.Version = "1.0.0"
	got, err := PackModel(ctx, req)
	require.NoError(t, err, "PackModel to %s", req.To)
	require.True(t, refused.Load(), "the stream was never refused")

	m := manifestOf(t, oci.Open(mustParse(t, reg+"/acme/big")), got.Digest)
	for _, b := range blobsOf(m) {
		assert.True(t, hasBlob(t, reg, "acme/big", b.Digest), "registry holds %s", b.Digest)
	}
	weights := m.Layers[len(m.Layers)-1]
	for _, l := range m.Layers {
		if l.Size >= StreamMinSize {
			weights = l
		}
	}
	head, commit := firstRequests(stats.Requests(), weights.Digest)
	assert.True(t, head >= 0 && head < commit, "the fallback asks first (HEAD, request %d) and then commits (request %d); requests: %v",
		head, commit, stats.Requests())
}

// firstRequests returns the index of the first HEAD of blob h and of the
// first upload committed under h, or -1.
func firstRequests(reqs []registrytest.Request, h v1.Hash) (head, commit int) {
	head, commit = -1, -1
	for i, r := range reqs {
		switch {
		case head < 0 && r.Method == http.MethodHead && strings.HasSuffix(r.Path, "/blobs/"+h.String()):
			head = i
		case commit < 0 && r.Method == http.MethodPut && strings.Contains(r.Query, "digest="+url.QueryEscape(h.String())):
			commit = i
		}
	}
	return head, commit
}
