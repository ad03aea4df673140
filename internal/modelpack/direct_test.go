package modelpack

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// directReq is a NoLocal pack request of dir to the registry repository to,
// with its temporary staging layouts kept under a TMPDIR of the test's own,
// which tmpdir returns, so that a test sees what the pack leaves behind.
func directReq(t *testing.T, dir, to string) (req PackRequest, tmpdir string) {
	t.Helper()
	tmpdir = t.TempDir()
	t.Setenv("TMPDIR", tmpdir)
	backdate(t, dir) // the hash cache trusts only files not modified just now
	req = packReq(t, dir, to)
	req.NoLocal = true
	req.Version = "1.0.0"
	req.Cache = OpenHashCache(t.TempDir())
	return req, tmpdir
}

// assertNothingLocal checks that a NoLocal pack wrote nothing but its lock:
// no staging store and no temporary layout left in tmpdir.
func assertNothingLocal(t *testing.T, req PackRequest, tmpdir string) {
	t.Helper()
	assert.NoDirExists(t, req.Staging, "a pack that keeps nothing locally wrote the local store")
	left, err := os.ReadDir(tmpdir)
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files left in TMPDIR by a pack that keeps nothing locally")
}

// TestDirectPackMatchesStagedPack: a pack that keeps no local copy gives
// the digest and lock of one that does, sends each large file once (while
// hashing it) and leaves nothing behind but the lock.
func TestDirectPackMatchesStagedPack(t *testing.T) {
	ctx := context.Background()
	dir := weightsTree(t, 2, StreamMinSize)
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)

	staged := packReq(t, dir, layoutTo(t))
	staged.Version = "1.0.0"
	want, err := PackModel(ctx, staged)
	require.NoError(t, err, "PackModel to a layout")

	req, tmpdir := directReq(t, dir, proxy+"/acme/big")
	got, err := PackModel(ctx, req)
	require.NoError(t, err, "PackModel --no-local to %s", req.To)
	assert.Equal(t, want.Digest, got.Digest, "digest packed without a local copy against the one packed to a layout")
	assert.Equal(t, want.Files, got.Files, "files packed without a local copy")
	assert.Equal(t, 2*int64(StreamMinSize)+int64(len("---\nname: big-model\n---\n")), got.BytesRead, "bytes read: each file once")
	wantLock, err := ReadLock(staged.Lock)
	require.NoError(t, err)
	gotLock, err := ReadLock(req.Lock)
	require.NoError(t, err)
	wantLock.Reference = gotLock.Reference
	assert.Equal(t, wantLock, gotLock, "lock of a pack without a local copy, but for its reference")
	assertNothingLocal(t, req, tmpdir)

	m := manifestOf(t, oci.Open(mustParse(t, reg+"/acme/big")), got.Digest)
	for _, b := range blobsOf(m) {
		assert.True(t, hasBlob(t, reg, "acme/big", b.Digest), "registry holds %s", b.Digest)
	}
	assert.Equal(t, len(blobsOf(m)), stats.Count(http.MethodPost, "/blobs/uploads/"), "upload sessions, one a blob; requests: %v", stats.Requests())
	d, err := oci.Open(mustParse(t, reg+"/acme/big")).Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	size := d.Size // the manifest
	for _, b := range blobsOf(m) {
		size += b.Size
	}
	assert.Equal(t, size, stats.BytesUploaded(), "bytes uploaded: each blob once, and the manifest")
	for _, l := range m.Layers {
		if l.Size < StreamMinSize {
			continue
		}
		head, commit := firstRequests(stats.Requests(), l.Digest)
		assert.True(t, commit >= 0 && (head < 0 || head > commit), "the large blob %s was sent unasked while hashed (HEAD %d, commit %d); requests: %v",
			l.Digest, head, commit, stats.Requests())
	}
}

// TestDirectRepackReadsAndSendsNothing: with the hash cache, an unchanged
// re-pack asks the registry (HEAD) for the large files instead of reading
// them, and sends nothing.
func TestDirectRepackReadsAndSendsNothing(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)
	req, tmpdir := directReq(t, weightsTree(t, 2, StreamMinSize), proxy+"/acme/big")
	first, err := PackModel(ctx, req)
	require.NoError(t, err)

	stats.Reset()
	again, err := PackModel(ctx, req)
	require.NoError(t, err, "unchanged re-pack")
	assert.Equal(t, first.Digest, again.Digest)
	assert.True(t, again.Unchanged, "an unchanged re-pack of a version")
	assert.Equal(t, 2, again.FilesCached, "large files whose digest came from the cache")
	assert.Less(t, again.BytesRead, int64(StreamMinSize), "bytes read by an unchanged re-pack")
	assert.Zero(t, stats.Count(http.MethodPost, ""), "POSTs in an unchanged re-pack; requests: %v", stats.Requests())
	assert.Zero(t, stats.BytesUploaded(), "bytes sent by an unchanged re-pack")
	assertNothingLocal(t, req, tmpdir)

	// The same files as a new version: the weights are in the registry,
	// so only what differs travels (the config and the manifest).
	stats.Reset()
	req.Version = "1.0.1"
	_, err = PackModel(ctx, req)
	require.NoError(t, err, "the same files as another version")
	assert.Less(t, stats.BytesUploaded(), int64(StreamMinSize), "bytes sent for a new version of the same weights; requests: %v", stats.Requests())
}

// TestDirectPackFailureThenResume: a registry failing part way leaves no
// tag and no lock; the re-run sends only what the registry lacks, from the
// model folder.
func TestDirectPackFailureThenResume(t *testing.T) {
	ctx := context.Background()
	dir := weightsTree(t, 3, StreamMinSize)
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)

	failed := failCommitsAfter(stats, 1)
	req, tmpdir := directReq(t, dir, proxy+"/acme/big")
	_, err := PackModel(ctx, req)
	require.Error(t, err, "PackModel --no-local through a registry that fails uploads")
	require.NotZero(t, failed.Load(), "the proxy failed no upload; requests: %v", stats.Requests())
	assert.Equal(t, fault.Runtime, fault.KindOf(err), "kind of %v", err)
	assert.NoFileExists(t, req.Lock, "a failed pack wrote its lock")
	assert.Zero(t, stats.Count(http.MethodPut, "/manifests/"), "manifest PUTs after a failed upload: %v", stats.Requests())
	assertNothingLocal(t, req, tmpdir)

	stats.OnRequest(nil)
	stats.Reset()
	res, err := PackModel(ctx, req)
	require.NoError(t, err, "PackModel --no-local again against the recovered registry")
	m := manifestOf(t, oci.Open(mustParse(t, reg+"/acme/big")), res.Digest)
	for _, b := range blobsOf(m) {
		assert.True(t, hasBlob(t, reg, "acme/big", b.Digest), "blob %s after the re-run", b.Digest)
	}
	var size int64
	for _, b := range blobsOf(m) {
		size += b.Size
	}
	assert.Less(t, stats.BytesUploaded(), size, "the re-run sent every blob again")
	assert.FileExists(t, req.Lock, "lock after the re-run")
	assertNothingLocal(t, req, tmpdir)
}

// TestDirectPackOverATakenVersion: a version that exists is checked by
// hashing only: the same bytes are unchanged and other bytes refused, and
// neither sends or stages anything.
func TestDirectPackOverATakenVersion(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)
	req, tmpdir := directReq(t, weightsTree(t, 2, StreamMinSize), proxy+"/acme/big")
	first, err := PackModel(ctx, req)
	require.NoError(t, err)

	stats.Reset()
	req.Cache = nil // read every file: the digest comes from hashing alone
	again, err := PackModel(ctx, req)
	require.NoError(t, err, "the same bytes as the existing version")
	assert.True(t, again.Unchanged)
	assert.Equal(t, first.Digest, again.Digest)
	assert.Zero(t, stats.Count(http.MethodPost, ""), "POSTs by an unchanged pack; requests: %v", stats.Requests())

	req.Dir = weightsTree(t, 3, StreamMinSize)
	backdate(t, req.Dir)
	req.Lock = filepath.Join(t.TempDir(), LockFileName)
	_, err = PackModel(ctx, req)
	require.Error(t, err, "PackModel --no-local of other bytes as an existing version")
	assert.Equal(t, fault.Denied, fault.KindOf(err), "kind of %v", err)
	assert.Zero(t, stats.Count(http.MethodPost, ""), "POSTs by a refused pack; requests: %v", stats.Requests())
	assert.Zero(t, stats.BytesUploaded(), "bytes sent by a refused pack")
	assert.NoFileExists(t, req.Lock, "a refused pack wrote its lock")
	assertNothingLocal(t, req, tmpdir)

	// --bump finds the latest version is these bytes and keeps it.
	req.Version, req.Bump = "", "patch"
	req.Dir = weightsTree(t, 2, StreamMinSize)
	backdate(t, req.Dir)
	bumped, err := PackModel(ctx, req)
	require.NoError(t, err, "--bump patch of the latest version's bytes")
	assert.Equal(t, "1.0.0", bumped.Version, "version kept by a bump of unchanged bytes")
	assert.Zero(t, stats.BytesUploaded(), "bytes sent by a bump of unchanged bytes")
}

// TestDirectPackFallsBackWhenAStreamFails: a registry that refuses the
// streamed bytes still gets the blob, the usual way (HEAD, then upload),
// read again from the model folder.
func TestDirectPackFallsBackWhenAStreamFails(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)
	var refused atomic.Bool
	stats.OnRequest(func(r *http.Request) int {
		if r.Method == http.MethodPatch && r.ContentLength >= StreamMinSize && refused.CompareAndSwap(false, true) {
			return http.StatusBadRequest
		}
		return 0
	})
	req, tmpdir := directReq(t, weightsTree(t, 1, StreamMinSize), proxy+"/acme/big")
	got, err := PackModel(ctx, req)
	require.NoError(t, err, "PackModel --no-local to %s", req.To)
	require.True(t, refused.Load(), "the stream was never refused")
	m := manifestOf(t, oci.Open(mustParse(t, reg+"/acme/big")), got.Digest)
	for _, l := range m.Layers {
		assert.True(t, hasBlob(t, reg, "acme/big", l.Digest), "registry holds %s", l.Digest)
		if l.Size >= StreamMinSize {
			head, commit := firstRequests(stats.Requests(), l.Digest)
			assert.True(t, head >= 0 && head < commit, "the fallback asks first (HEAD, request %d) and then commits (request %d); requests: %v",
				head, commit, stats.Requests())
		}
	}
	assertNothingLocal(t, req, tmpdir)
}

func TestDirectPackNeedsARegistry(t *testing.T) {
	req, _ := directReq(t, weightsTree(t, 1, 1<<10), layoutTo(t))
	_, err := PackModel(context.Background(), req)
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
	assert.True(t, strings.Contains(err.Error(), "--no-local") && strings.Contains(err.Error(), "registry"),
		"the error names the flag and what it needs: %v", err)
}

// TestDirectPackOfAFileThatShrinks: a weight file cut short while it is
// packed is refused (exit 2, naming it), and the registry commits nothing
// under a digest of bytes that are no longer there.
func TestDirectPackOfAFileThatShrinks(t *testing.T) {
	ctx := context.Background()
	dir := weightsTree(t, 1, StreamMinSize)
	weights := filepath.Join(dir, "a.safetensors")
	reg := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, reg)
	var once atomic.Bool
	stats.OnRequest(func(r *http.Request) int {
		if r.Method == http.MethodPost && once.CompareAndSwap(false, true) {
			require.NoError(t, os.Truncate(weights, StreamMinSize/2)) // before the bytes travel
		}
		return 0
	})
	req, tmpdir := directReq(t, dir, proxy+"/acme/big")
	_, err := PackModel(ctx, req)
	require.Error(t, err, "PackModel --no-local of a file cut short while it is read")
	assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
	assert.Contains(t, err.Error(), "a.safetensors", "the error names the file")
	assert.NoFileExists(t, req.Lock, "a failed pack wrote its lock")
	assert.Zero(t, stats.Count(http.MethodPut, "/manifests/"), "manifest PUTs; requests: %v", stats.Requests())
	assertNothingLocal(t, req, tmpdir)
}
