package oci_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnchangedRepackAddsNoDuplicate(t *testing.T) {
	layout := filepath.Join(t.TempDir(), "store")
	dir := modelDir(t, "weights packed twice")
	first := pack(layout, dir, "1.0.0")
	require.Empty(t, first.err)
	second := pack(layout, dir, "1.0.0")
	require.Empty(t, second.err)
	require.Equal(t, first.digest, second.digest, "an unchanged re-pack has the same digest")

	raw, err := os.ReadFile(filepath.Join(layout, "index.json"))
	require.NoError(t, err)
	var im v1.IndexManifest
	require.NoError(t, json.Unmarshal(raw, &im))
	assert.Len(t, im.Manifests, 1, "index.json after an unchanged re-pack:\n%s", raw)
}

func TestLayoutVersionTagMovesOnlyWhenForced(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	layout := filepath.Join(base, "store")
	first := pack(layout, modelDir(t, "first bytes"), "1.0.0")
	other := pack(filepath.Join(base, "other"), modelDir(t, "other bytes"), "1.0.0")
	require.Empty(t, first.err)
	require.Empty(t, other.err)
	src := oci.LayoutPrefix + filepath.Join(base, "other") + ":1.0.0"
	dst := oci.LayoutPrefix + layout

	store := oci.OpenLayout(layout)
	err := store.Tag(ctx, v1.Descriptor{Digest: mustHash(t, first.digest)}, "latest")
	require.NoError(t, err, "other tags move freely")

	_, err = oci.Push(ctx, oci.PushRequest{Src: src, Dst: dst})
	assert.Equal(t, fault.Denied, fault.KindOf(err), "push of other bytes as 1.0.0: %v", err)

	// The layout itself refuses, whatever the caller checked before.
	img, err := oci.OpenLayout(filepath.Join(base, "other")).Image(ctx, mustHash(t, other.digest))
	require.NoError(t, err)
	err = store.WriteImage(ctx, img, "1.0.0")
	assert.Equal(t, fault.Denied, fault.KindOf(err), "WriteImage of other bytes as 1.0.0: %v", err)

	res, err := oci.Push(ctx, oci.PushRequest{Src: src, Dst: dst, Force: true})
	require.NoError(t, err, "push --force")
	d, err := store.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, res.Digest, d.Digest.String(), "--force should move the version tag")
	assert.Equal(t, other.digest, res.Digest)
}
