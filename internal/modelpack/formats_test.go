package modelpack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

func tarOf(t *testing.T, gz bool, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w = &buf
	var zw *gzip.Writer
	var tw *tar.Writer
	if gz {
		zw = gzip.NewWriter(w)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(w)
	}
	for name, content := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(content))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	if zw != nil {
		require.NoError(t, zw.Close())
	}
	return buf.Bytes()
}

type blob struct {
	mediaType types.MediaType
	data      []byte
}

// writeForeign stores a manifest in another tool's format, tagged tag.
func writeForeign(t *testing.T, store oci.LayoutStore, configType types.MediaType, config, artifactType, tag string, layers ...blob) {
	t.Helper()
	ingest := func(mt types.MediaType, b []byte) v1.Descriptor {
		h, n, err := store.Ingest(bytes.NewReader(b))
		require.NoError(t, err)
		return v1.Descriptor{MediaType: mt, Digest: h, Size: n}
	}
	m := manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: artifactType, Config: ingest(configType, []byte(config))}
	for _, l := range layers {
		m.Layers = append(m.Layers, ingest(l.mediaType, l.data))
	}
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	_, err = store.WriteManifest(context.Background(), raw, types.OCIManifestSchema1, artifactType, tag)
	require.NoError(t, err)
}

func TestReadsOtherFormats(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, format, wantName string
		configType             types.MediaType
		config, artifactType   string
		layers                 []blob
	}{
		{
			name: "kitops modelkit", format: "kitops", wantName: "kit-model", configType: kitConfig,
			config: `{"manifestVersion":"1.0","package":{"name":"kit-model","version":"2.0.0"}}`,
			layers: []blob{
				{"application/vnd.kitops.modelkit.model.v1.tar+gzip", tarOf(t, true, map[string]string{"model.gguf": "weights"})},
				{"application/vnd.kitops.modelkit.docs.v1.tar", tarOf(t, false, map[string]string{"README.md": "# kit"})},
			},
		},
		{
			name: "vnd.cnai modelpack", format: "modelpack (vnd.cnai)", wantName: "cnai-model", configType: legacyConfig,
			config: `{"descriptor":{"name":"cnai-model","version":"2.0.0"}}`, artifactType: legacyArtifact,
			layers: []blob{
				{"application/vnd.cnai.model.weight.v1.tar", tarOf(t, false, map[string]string{"model.gguf": "weights"})},
				{"application/vnd.cnai.model.doc.v1.tar", tarOf(t, false, map[string]string{"README.md": "# cnai"})},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := oci.OpenLayout(t.TempDir())
			writeForeign(t, store, tt.configType, tt.config, tt.artifactType, "2.0.0", tt.layers...)
			art, err := Open(ctx, store, "2.0.0")
			require.NoError(t, err)
			assert.Equal(t, tt.format, art.Format)
			assert.Equal(t, tt.wantName, art.Name)
			assert.Equal(t, "2.0.0", art.Version)
			assert.Equal(t, RoleWeights, art.Layers[0].Info.Role)

			out := t.TempDir()
			_, err = Pull(ctx, store, art, out, PullOptions{})
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(out, "model.gguf"))
			require.NoError(t, err)
			assert.Equal(t, "weights", string(b))

			files, err := art.Files(ctx, store)
			require.NoError(t, err)
			assert.Len(t, files, 2)
		})
	}
}

func TestOpenRefusesAnImage(t *testing.T) {
	ctx := context.Background()
	store := oci.OpenLayout(t.TempDir())
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer([]byte("x"), types.OCILayer))
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(ctx, mutate.MediaType(img, types.OCIManifestSchema1), "1"))
	_, err = Open(ctx, store, "1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a model artifact")
	assert.Equal(t, fault.Usage, fault.KindOf(err))
}
