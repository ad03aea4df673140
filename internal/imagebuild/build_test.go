package imagebuild_test

import (
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/oci"
)

// TestBuildPutsTheModelInTheImage checks what a container would see: every
// file of the example under /models/<name>, byte for byte, the base's
// files still there, one layer per weight file and one per small-file group.
func TestBuildPutsTheModelInTheImage(t *testing.T) {
	o, _ := setup(t)
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)

	img, err := o.Dest.Image(t.Context(), res.Descriptor.Digest)
	require.NoError(t, err)
	files, _ := filesystem(t, img)
	for _, name := range []string{"model.safetensors", "config.json", "README.md", "predict.py", "requirements.txt", "eval.json", "data/iris.csv", "data/iris.rst"} {
		assert.Equal(t, sha256File(t, filepath.Join("../../testdata/iris", name)), files["/models/iris-classifier/"+name], "sha256 of /models/iris-classifier/%s in the image", name)
	}

	m, err := img.Manifest()
	require.NoError(t, err)
	require.Len(t, m.Layers, 2+len(o.Model.Layers), "base layers + one per model layer: %+v", m.Layers)
	for _, l := range m.Layers[2:] {
		assert.Equal(t, types.OCIUncompressedLayer, l.MediaType, "media type of model layer %s", l.Digest)
	}
	var weights []string
	for _, l := range res.Layers {
		if len(l.Files) == 1 && l.What == "model weights model.safetensors" {
			weights = append(weights, l.Files[0].Path)
		}
	}
	assert.Equal(t, []string{"/models/iris-classifier/model.safetensors"}, weights, "the weight file's layer holds it alone")
}

// TestBuildIsReproducible builds the same inputs twice, with and without
// the layer cache, into a registry and into a layout: one digest.
func TestBuildIsReproducible(t *testing.T) {
	o, _ := setup(t)
	o.CacheDir = t.TempDir()
	first, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)

	registry := o.Dest
	o.Dest = oci.OpenLayout(filepath.Join(t.TempDir(), "layout"))
	second, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	assert.Equal(t, first.Descriptor.Digest, second.Descriptor.Digest, "digest of a rebuild into a layout, layer digests from the cache")
	for _, l := range second.Layers {
		assert.True(t, l.Cached, "layer %q of the rebuild should come from the cache", l.What)
	}

	o.CacheDir, o.Dest = "", registry
	third, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	assert.Equal(t, first.Descriptor.Digest, third.Descriptor.Digest, "digest of a rebuild without the cache")
	assert.Equal(t, first.SBOM.Digest, third.SBOM.Digest, "the SBOM of a rebuild into the same repository")

	o.Epoch = o.Epoch.Add(1)
	fourth, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	assert.NotEqual(t, first.Descriptor.Digest, fourth.Descriptor.Digest, "another SOURCE_DATE_EPOCH is another image")
}

// TestBuildOnIndex appends the model to each platform of an index, or to
// the platforms asked for, and refuses a platform the base lacks.
func TestBuildOnIndex(t *testing.T) {
	o, host := setup(t)
	o.Base = registryStore(t, host, "acme/multi")
	pushBase(t, o.Base, baseIndex(t, amd64, arm64))
	baseDesc, err := o.Base.Resolve(t.Context(), "base")
	require.NoError(t, err)

	for _, tc := range []struct {
		name      string
		platforms []v1.Platform
		want      []string
	}{
		{"all platforms", nil, []string{"linux/amd64", "linux/arm64/v8"}},
		{"a subset", []v1.Platform{{OS: "linux", Architecture: "arm64"}}, []string{"linux/arm64/v8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := o
			o.Platforms = tc.platforms
			res, err := imagebuild.Build(t.Context(), o)
			require.NoError(t, err)
			require.Equal(t, types.OCIImageIndex, res.Descriptor.MediaType)
			idx, err := o.Dest.Index(t.Context(), res.Descriptor.Digest)
			require.NoError(t, err)
			im, err := idx.IndexManifest()
			require.NoError(t, err)
			assert.Equal(t, baseDesc.Digest.String(), im.Annotations["org.opencontainers.image.base.digest"], "the index names the base index")
			var got []string
			for _, d := range im.Manifests {
				got = append(got, d.Platform.OS+"/"+d.Platform.Architecture+map[bool]string{true: "/" + d.Platform.Variant}[d.Platform.Variant != ""])
				img, err := idx.Image(d.Digest)
				require.NoError(t, err)
				files, _ := filesystem(t, img)
				assert.Contains(t, files, "/models/iris-classifier/model.safetensors", "the %s image holds the model", d.Platform.Architecture)
				cfg, err := img.ConfigFile()
				require.NoError(t, err)
				assert.Equal(t, d.Platform.Architecture, cfg.Architecture, "config of the %s image", d.Platform.Architecture)
			}
			assert.Equal(t, tc.want, got)
		})
	}

	o.Platforms = []v1.Platform{{OS: "linux", Architecture: "s390x"}}
	_, err = imagebuild.Build(t.Context(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has no linux/s390x image; it has linux/amd64, linux/arm64/v8")
}

// TestBuildOnScratch makes a model-only image, per platform.
func TestBuildOnScratch(t *testing.T) {
	o, _ := setup(t)
	o.Base, o.BaseName = nil, ""
	o.Platforms = []v1.Platform{amd64, arm64}
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	assert.Equal(t, types.OCIImageIndex, res.Descriptor.MediaType)
	assert.Len(t, res.Images, 2)
	img, err := o.Dest.Image(t.Context(), res.Images[1].Digest)
	require.NoError(t, err)
	m, err := img.Manifest()
	require.NoError(t, err)
	assert.Len(t, m.Layers, len(o.Model.Layers), "only the model's layers")
	assert.NotContains(t, m.Annotations, "org.opencontainers.image.base.name")
}
