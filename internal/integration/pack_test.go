package integration

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestPackToRegistry packs the example straight into the registry and reads
// the result back with skopeo: a ModelPack manifest, the weights as one raw
// layer whose blob is the file byte for byte.
func TestPackToRegistry(t *testing.T) {
	reg := env(t)
	dst := reg + "/" + repo("iris")

	r := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")
	pinned := r.lastLine()
	assert.Regexp(t, `^`+dst+`@sha256:[0-9a-f]{64}$`, pinned, "last stdout line of\n%s", r)
	assert.Contains(t, r.stderr, "packed iris-classifier 1.0.0")

	m, raw := skopeoManifest(t, dst+":1.0.0")
	assert.Equal(t, strings.TrimPrefix(pinned, dst+"@"), digestOf(raw), "digest of the manifest skopeo reads at :1.0.0, against what pack printed")
	assert.Equal(t, artifactType, m.ArtifactType, "artifactType")
	assert.Equal(t, "application/vnd.oci.image.manifest.v1+json", m.MediaType, "mediaType")
	assert.Equal(t, configMediaType, m.Config.MediaType, "config mediaType")
	weights := layerWith(t, m, "model.safetensors")
	assert.Equal(t, weightRaw, weights.MediaType, "media type of the weight layer")
	for _, l := range m.Layers {
		assert.True(t, strings.HasPrefix(l.MediaType, "application/vnd.cncf.model."), "layer media type %q", l.MediaType)
	}

	// skopeo copies it into an OCI layout: every blob comes across, and the
	// weight blob is the weight file.
	layout := filepath.Join(t.TempDir(), "layout")
	registrytest.Skopeo(t, "copy", "--src-tls-verify=false", "docker://"+dst+":1.0.0", "oci:"+layout+":1.0.0")
	got, err := os.ReadFile(filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(weights.Digest, "sha256:")))
	require.NoError(t, err, "weight blob in the layout skopeo wrote")
	want, err := os.ReadFile(filepath.Join(example(t), "model.safetensors"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "weight blob (%d bytes) differs from model.safetensors (%d bytes)", len(got), len(want))

	// -o json prints one document instead.
	r = mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock", "-o", "json")
	var doc struct {
		Reference, Digest string
		Unchanged         bool
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), "pack -o json printed:\n%s", r.stdout)
	assert.Equal(t, pinned, doc.Reference)
	assert.True(t, doc.Unchanged, "unchanged in the JSON of a re-pack")

	// The lock names the registry reference and the same digest.
	lock, err := os.ReadFile("iris.lock")
	require.NoError(t, err)
	assert.Contains(t, string(lock), `"reference": "`+dst+`:1.0.0"`)
	assert.Contains(t, string(lock), `"digest": "`+digestOf(raw)+`"`)
}

// TestPackNoLocalToRegistry packs a model with a 9 MiB weight file straight
// to the registry without a local copy: skopeo reads back the same
// artifact, byte for byte, as a pack that stages it, and the pack leaves
// no local store and no temporary layout behind.
func TestPackNoLocalToRegistry(t *testing.T) {
	reg := env(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	model := filepath.Join(t.TempDir(), "big")
	require.NoError(t, os.MkdirAll(model, 0o755))
	weights := make([]byte, 9<<20)
	_, err := rand.Read(weights)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(model, "model.safetensors"), weights, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(model, "README.md"), []byte("---\nname: big\nlicense: mit\n---\n# big\n"), 0o644))

	staged := mustSlipway(t, "pack", model, "--version", "1.0.0", "--to", "oci:staged", "--lock", "staged.lock")
	_, wantDigest, _ := strings.Cut(staged.lastLine(), "@")

	dst := reg + "/" + repo("big")
	r := mustSlipway(t, "pack", model, "--version", "1.0.0", "--to", dst, "--no-local", "--lock", "big.lock")
	assert.Equal(t, dst+"@"+wantDigest, r.lastLine(), "pinned reference of a pack without a local copy\n%s", r)
	assert.NoDirExists(t, ".slipway", "a pack without a local copy made the local store")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files left behind")

	m, raw := skopeoManifest(t, dst+":1.0.0")
	assert.Equal(t, wantDigest, digestOf(raw), "digest of the manifest skopeo reads")
	layer := layerWith(t, m, "model.safetensors")
	layout := filepath.Join(t.TempDir(), "layout")
	registrytest.Skopeo(t, "copy", "--src-tls-verify=false", "docker://"+dst+":1.0.0", "oci:"+layout+":1.0.0")
	got, err := os.ReadFile(filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(layer.Digest, "sha256:")))
	require.NoError(t, err, "weight blob in the layout skopeo wrote")
	assert.True(t, bytes.Equal(weights, got), "weight blob (%d bytes) differs from model.safetensors (%d bytes)", len(got), len(weights))

	// Given a local layout, the flag is a usage error (exit 2).
	r = wantExit(t, 2, "pack", model, "--version", "1.0.0", "--to", "oci:elsewhere", "--no-local")
	assert.Contains(t, r.stderr, "--no-local")
}

// TestPackVersionsAreImmutable re-packs a version: the same bytes are a no-op,
// other bytes are refused with exit 1 and the tag keeps its digest.
func TestPackVersionsAreImmutable(t *testing.T) {
	reg := env(t)
	dst := reg + "/" + repo("iris")

	first := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")
	before := skopeoDigest(t, dst+":1.0.0")

	again := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "again.lock")
	assert.Equal(t, first.lastLine(), again.lastLine(), "pinned reference of an unchanged re-pack")
	assert.Contains(t, again.stderr, "unchanged iris-classifier 1.0.0")

	changed := copyExample(t)
	appendTo(t, filepath.Join(changed, "model.safetensors"), "x")
	r := wantExit(t, 1, "pack", changed, "--version", "1.0.0", "--to", dst, "--lock", "changed.lock")
	assert.Contains(t, r.stderr, "version 1.0.0 already exists")
	assert.Contains(t, r.stderr, before, "the refusal should name the digest the tag keeps")
	assert.Empty(t, r.stdout, "stdout of a refused pack")
	assert.NoFileExists(t, "changed.lock", "a refused pack must not write its lock")

	assert.Equal(t, before, skopeoDigest(t, dst+":1.0.0"), "digest of :1.0.0 after a refused re-pack")
	assert.Equal(t, []string{"1.0.0"}, skopeoTags(t, dst), "tags after a refused re-pack")
}

// TestPackBumpFromRegistryTags computes the next version from the tags in
// the registry repository.
func TestPackBumpFromRegistryTags(t *testing.T) {
	reg := env(t)
	dst := reg + "/" + repo("iris")

	r := mustSlipway(t, "pack", example(t), "--bump", "patch", "--to", dst, "--lock", "a.lock")
	assert.Contains(t, r.stderr, "iris-classifier 0.0.1", "a repository with no versions starts from 0.0.0\n%s", r)

	mustSlipway(t, "pack", example(t), "--version", "1.2.0", "--to", dst, "--lock", "b.lock")

	changed := copyExample(t)
	appendTo(t, filepath.Join(changed, "README.md"), "\nRetrained.\n")
	r = mustSlipway(t, "pack", changed, "--bump", "patch", "--to", dst, "--lock", "c.lock")
	assert.Contains(t, r.stderr, "packed iris-classifier 1.2.1")
	assert.Equal(t, skopeoDigest(t, dst+":1.2.1"), strings.TrimPrefix(r.lastLine(), dst+"@"), "digest of :1.2.1")

	changed2 := copyExample(t)
	appendTo(t, filepath.Join(changed2, "README.md"), "\nRetrained again.\n")
	r = mustSlipway(t, "pack", changed2, "--bump", "minor", "--to", dst, "--lock", "d.lock")
	assert.Contains(t, r.stderr, "packed iris-classifier 1.3.0")

	assert.ElementsMatch(t, []string{"0.0.1", "1.2.0", "1.2.1", "1.3.0"}, skopeoTags(t, dst), "tags in %s", dst)
}
