package oci_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/promote"
)

// promotedStore packs A and B as latest and promotes each to staging (A is
// then untagged: only the history names it), then packs C and D as latest
// (C is untagged and nothing names it). It returns the layout and digests.
func promotedStore(t *testing.T) (layout string, a, b, c, d string) {
	t.Helper()
	ctx := context.Background()
	layout = filepath.Join(t.TempDir(), "store")
	store := oci.OpenLayout(layout)
	packLatest := func(content string) string {
		o := pack(layout, modelDir(t, content), "")
		require.Empty(t, o.err)
		return o.digest
	}
	promoteTo := func(digest string) {
		_, err := promote.Promote(ctx, promote.Request{
			Source: store, Digest: mustHash(t, digest), Env: config.Environment{Name: "staging"},
			Force: true, Reason: "test", Actor: "tester",
		}, promote.WithSettle(0, 0))
		require.NoError(t, err, "promoting %s", digest)
	}
	a = packLatest("model A")
	promoteTo(a)
	b = packLatest("model B")
	promoteTo(b)
	c = packLatest("model C")
	d = packLatest("model D")
	return layout, a, b, c, d
}

func history(t *testing.T, store oci.Store) []promote.Record {
	t.Helper()
	recs, _, err := promote.History(context.Background(), store, "staging", 0)
	require.NoError(t, err)
	return recs
}

func TestGCKeepsHistoriesAndRemovesOrphans(t *testing.T) {
	ctx := context.Background()
	layout, a, b, c, d := promotedStore(t)
	store := oci.OpenLayout(layout)
	before := history(t, store)
	require.Len(t, before, 2)
	req := oci.GCRequest{Stores: []string{oci.LayoutPrefix + layout}, Keep: promote.Pinned}

	req.DryRun = true
	dry, err := oci.GC(ctx, req)
	require.NoError(t, err)
	removed := dry.Stores[0].Manifests
	assert.Contains(t, removed, c, "a dry run lists the orphan")
	for _, kept := range []string{a, b, d} {
		assert.NotContains(t, removed, kept, "gc would remove a digest a tag or the history names")
	}
	_, err = store.Resolve(ctx, c)
	require.NoError(t, err, "a dry run removed %s", c)

	req.DryRun = false
	res, err := oci.GC(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, dry.Stores[0].Manifests, res.Stores[0].Manifests, "the run removes what the dry run listed")
	assert.Equal(t, dry.BytesFreed, res.BytesFreed)
	assert.Positive(t, res.Blobs)
	_, err = store.Resolve(ctx, c)
	assert.ErrorIs(t, err, oci.ErrNotFound, "the orphan %s should be gone", c)
	for _, kept := range []string{a, b, d} {
		_, err := store.Image(ctx, mustHash(t, kept))
		assert.NoError(t, err, "%s should still be readable", kept)
	}
	assert.Equal(t, before, history(t, store), "history after gc")
	recs, err := promote.FindRecords(ctx, store, mustHash(t, a))
	require.NoError(t, err)
	assert.Len(t, recs, 1, "the record attached to %s", a)

	again, err := oci.GC(ctx, req)
	require.NoError(t, err)
	assert.Zero(t, again.Manifests+again.Blobs, "a second gc finds nothing: %+v", again.Stores)

	// Rollback to the untagged A still works: its manifest and blobs are there.
	_, err = promote.Rollback(ctx, promote.RollbackRequest{
		Store: store, Env: config.Environment{Name: "staging"}, Reason: "after gc", Actor: "tester",
	}, promote.WithSettle(0, 0))
	require.NoError(t, err)
	cur, err := store.Resolve(ctx, "staging")
	require.NoError(t, err)
	assert.Equal(t, a, cur.Digest.String())
}

func TestGCWithoutHistoryRootsDropsUntaggedPromotions(t *testing.T) {
	// What Keep is for: without it, A (named only by the history) goes, and
	// its promotion record with it.
	ctx := context.Background()
	layout, a, _, c, _ := promotedStore(t)
	res, err := oci.GC(ctx, oci.GCRequest{Stores: []string{oci.LayoutPrefix + layout}})
	require.NoError(t, err)
	assert.Subset(t, res.Stores[0].Manifests, []string{a, c}, "removed without history roots")
}

func TestGCGraceKeepsRecentWrites(t *testing.T) {
	ctx := context.Background()
	layout, _, _, _, _ := promotedStore(t)
	res, err := oci.GC(ctx, oci.GCRequest{Stores: []string{oci.LayoutPrefix + layout}, Keep: promote.Pinned, Grace: time.Hour})
	require.NoError(t, err)
	assert.Zero(t, res.Manifests+res.Blobs, "everything was written just now: %+v", res.Stores)
}

func TestGCRefusesAForgedStore(t *testing.T) {
	layout, good, _ := forgedStore(t)
	_, err := oci.GC(context.Background(), oci.GCRequest{Stores: []string{oci.LayoutPrefix + layout}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), good)
}
