package modelpack

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/oci"
)

// packedLayers packs dir into a fresh layout and returns the manifest's layers.
func packedLayers(t *testing.T, dir string, groupBelow int64) ([]v1.Descriptor, *Packed) {
	t.Helper()
	store := oci.OpenLayout(filepath.Join(t.TempDir(), "store"))
	p, err := Pack(context.Background(), store, PackOptions{Dir: dir, GroupBelow: groupBelow})
	require.NoError(t, err)
	art, err := Open(context.Background(), store, p.Descriptor.Digest.String())
	require.NoError(t, err)
	var out []v1.Descriptor
	for _, l := range art.Layers {
		out = append(out, l.Descriptor)
	}
	return out, p
}

// selectLayers picks layers the way modctl fetch --patterns does: a glob
// matched against each layer's org.cncf.model.filepath.
func selectLayers(layers []v1.Descriptor, pattern string) []v1.Descriptor {
	var out []v1.Descriptor
	for _, l := range layers {
		if ok, _ := doublestar.Match(pattern, l.Annotations[AnnotationPath]); ok {
			out = append(out, l)
		}
	}
	return out
}

func TestEveryFileOfTheExampleIsSelectableByFilepath(t *testing.T) {
	layers, packed := packedLayers(t, "../../testdata/iris", 0)
	require.Len(t, layers, len(packed.Files), "one layer per file")
	for _, f := range packed.Files {
		t.Run(f.Path, func(t *testing.T) {
			got := selectLayers(layers, f.Path)
			require.Len(t, got, 1, "a glob of %s should select exactly its layer", f.Path)
			assert.Equal(t, f.Layer, got[0].Digest.String(), "the layer selected for %s", f.Path)
			var meta fileMetadata
			require.NoError(t, json.Unmarshal([]byte(got[0].Annotations[AnnotationFile]), &meta), "org.cncf.model.file.metadata+json of %s", f.Path)
			assert.Equal(t, filepath.Base(f.Path), meta.Name)
			assert.Equal(t, f.Size, meta.Size)
			assert.Equal(t, byte('0'), meta.Typeflag)
			if info, _ := ParseLayerMediaType(got[0].MediaType); info.Raw {
				assert.Equal(t, f.Path, got[0].Annotations[annotationTitle], "oras pull names a raw layer's file by its title")
			}
		})
	}
	for pattern, want := range map[string]int{"config.json": 1, "README.md": 1, "data/*.csv": 1, "data/*": 2, "*.py": 1, "**/*": len(packed.Files)} {
		assert.Len(t, selectLayers(layers, pattern), want, "layers matching %q", pattern)
	}
}

func TestSmallFilesOfAFolderShareALayerBelowTheThreshold(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"model.onnx": "w", "README.md": "# m", "docs/a.md": "a", "docs/b.md": "b", "docs/big.md": "0123456789",
		"data/x.csv": "1", "data/y.csv": "2",
	})
	layers, _ := packedLayers(t, dir, 4)
	var paths []string
	for _, l := range layers {
		paths = append(paths, l.Annotations[AnnotationPath])
	}
	assert.Equal(t, []string{"model.onnx", "README.md", "docs", "docs/big.md", "data"}, paths,
		"files under 4 bytes of one role and folder share a layer named by the folder; root files and larger ones keep their own")
	var meta fileMetadata
	require.NoError(t, json.Unmarshal([]byte(layers[2].Annotations[AnnotationFile]), &meta))
	assert.Equal(t, byte('5'), meta.Typeflag, "a folder layer's metadata is a directory's")
	assert.Len(t, selectLayers(layers, "docs"), 1)
}
