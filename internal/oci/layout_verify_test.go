package oci_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// forgedStore packs two models into one store and replaces the manifest
// blob of the first (1.0.0) by the second's manifest, as an attacker with
// write access to the folder could. It returns the store and both digests.
func forgedStore(t *testing.T) (layout, good, other string) {
	t.Helper()
	layout = filepath.Join(t.TempDir(), "store")
	good = pack(layout, modelDir(t, "the good weights"), "1.0.0").digest
	other = pack(layout, modelDir(t, "the other weights"), "2.0.0").digest
	require.NotEmpty(t, good)
	require.NotEmpty(t, other)
	blob := func(d string) string {
		return filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
	}
	raw, err := os.ReadFile(blob(other))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(blob(good), raw, 0o644))
	return layout, good, other
}

func TestForgedLocalManifestIsRefused(t *testing.T) {
	ctx := context.Background()
	layout, good, _ := forgedStore(t)
	src := oci.LayoutPrefix + layout + "@" + good
	check := func(t *testing.T, what string, err error) {
		t.Helper()
		require.Error(t, err, "%s of a forged manifest succeeded", what)
		assert.Equal(t, fault.Runtime, fault.KindOf(err), "%s: %v", what, err)
		assert.Contains(t, err.Error(), good, "%s: the error should name the digest", what)
		assert.Contains(t, err.Error(), "does not match its digest", what)
	}
	t.Run("pull", func(t *testing.T) {
		target := t.TempDir()
		_, err := modelpack.PullModel(ctx, modelpack.PullRequest{Ref: src, Dir: target})
		check(t, "PullModel", err)
		entries, _ := os.ReadDir(target)
		assert.Empty(t, entries, "a refused pull wrote files")
	})
	t.Run("push", func(t *testing.T) {
		_, err := oci.Push(ctx, oci.PushRequest{Src: src, Dst: oci.LayoutPrefix + filepath.Join(t.TempDir(), "dst")})
		check(t, "Push", err)
	})
	t.Run("inspect", func(t *testing.T) {
		_, err := modelpack.InspectModel(ctx, modelpack.InspectRequest{Ref: src})
		check(t, "InspectModel", err)
	})
	t.Run("store reads", func(t *testing.T) {
		s, h := oci.OpenLayout(layout), mustHash(t, good)
		_, err := s.Manifest(ctx, h)
		check(t, "Manifest", err)
		_, err = s.Image(ctx, h)
		check(t, "Image", err)
		_, err = s.Index(ctx, h)
		check(t, "Index", err)
	})
}

func TestCorruptLocalBlobIsRefusedWhileStreaming(t *testing.T) {
	ctx := context.Background()
	layout := filepath.Join(t.TempDir(), "store")
	o := pack(layout, modelDir(t, "weights to corrupt"), "1.0.0")
	require.Empty(t, o.err)
	s := oci.OpenLayout(layout)
	img, err := s.Image(ctx, mustHash(t, o.digest))
	require.NoError(t, err)
	layers, err := img.Layers()
	require.NoError(t, err)
	h, err := layers[0].Digest()
	require.NoError(t, err)
	path := filepath.Join(layout, "blobs", "sha256", h.Hex)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	raw[len(raw)/2] ^= 0xff
	require.NoError(t, os.WriteFile(path, raw, 0o644))

	_, err = modelpack.PullModel(ctx, modelpack.PullRequest{Ref: oci.LayoutPrefix + layout + "@" + o.digest, Dir: t.TempDir()})
	require.Error(t, err, "pulling a corrupt layer succeeded")
	assert.Equal(t, fault.Runtime, fault.KindOf(err), "%v", err)
	assert.Contains(t, err.Error(), h.String())
}

func mustHash(t *testing.T, s string) v1.Hash {
	t.Helper()
	h, err := v1.NewHash(s)
	require.NoError(t, err)
	return h
}
