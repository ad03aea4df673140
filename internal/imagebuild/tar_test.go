package imagebuild_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

type entry struct {
	name, body, link string
	typ              byte
}

// gzipTarModel writes a model whose only layer is a gzip tar of entries
// (as a KitOps ModelKit or another packer may write it) and opens it.
func gzipTarModel(t *testing.T, entries []entry) (*modelpack.Artifact, oci.Store) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Typeflag: e.typ, Name: e.name, Linkname: e.link, Mode: 0o600, Size: int64(len(e.body)), Uid: 1234, Uname: "someone"}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())

	store := oci.OpenLayout(filepath.Join(t.TempDir(), "model"))
	layer, size, err := store.Ingest(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	cfg := []byte(`{"descriptor":{"name":"gz"},"modelfs":{"type":"layers","diffIds":[]},"config":{}}`)
	cfgDigest, cfgSize, err := store.Ingest(bytes.NewReader(cfg))
	require.NoError(t, err)
	m, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: modelpack.ArtifactType,
		Config: v1.Descriptor{MediaType: modelpack.MediaTypeConfig, Digest: cfgDigest, Size: cfgSize},
		Layers: []v1.Descriptor{{MediaType: "application/vnd.cncf.model.doc.v1.tar+gzip", Digest: layer, Size: size}},
	})
	require.NoError(t, err)
	desc, err := store.WriteManifest(t.Context(), m, types.OCIManifestSchema1, modelpack.ArtifactType, "")
	require.NoError(t, err)
	a, err := modelpack.Open(t.Context(), store, desc.Digest.String())
	require.NoError(t, err)
	return a, store
}

// TestBuildRerootsTarLayers moves a compressed tar layer's files under the
// model folder with fixed metadata, and refuses entries that are not files
// or folders, or that would land outside it.
func TestBuildRerootsTarLayers(t *testing.T) {
	a, ms := gzipTarModel(t, []entry{
		{name: "docs/", typ: tar.TypeDir},
		{name: "docs/card.md", body: "# card\n", typ: tar.TypeReg},
		{name: "./notes.txt", body: "notes\n", typ: tar.TypeReg},
	})
	o := options(a, ms, nil, oci.OpenLayout(filepath.Join(t.TempDir(), "image")))
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	assert.Equal(t, "model docs files", res.Layers[0].What)
	var paths []string
	for _, f := range res.Layers[0].Files {
		paths = append(paths, f.Path)
	}
	assert.Equal(t, []string{"/models/gz/docs/card.md", "/models/gz/notes.txt"}, paths)

	img, err := o.Dest.Image(t.Context(), res.Descriptor.Digest)
	require.NoError(t, err)
	files, _ := filesystem(t, img)
	assert.Len(t, files, 2, "files in the image: %v", files)

	for _, tc := range []struct {
		name  string
		entry entry
		want  string
	}{
		{"a name that climbs out", entry{name: "../../etc/passwd", body: "x", typ: tar.TypeReg}, "leaves the target folder"},
		{"an absolute name", entry{name: "/etc/passwd", body: "x", typ: tar.TypeReg}, "path is absolute"},
		{"a symlink", entry{name: "link", link: "/etc/shadow", typ: tar.TypeSymlink}, "is not a file or a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, ms := gzipTarModel(t, []entry{tc.entry})
			_, err := imagebuild.Build(t.Context(), options(a, ms, nil, oci.OpenLayout(filepath.Join(t.TempDir(), "image"))))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
