package integration

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"
)

// blob is one layer of a hand-made artifact.
type blob struct {
	mediaType   types.MediaType
	content     []byte
	annotations map[string]string
	size        int64 // what the descriptor says, when not 0: a lie
}

// artifact is a manifest built by hand, so tests can push what Slipway
// would never write.
type artifact struct {
	artifactType string
	configType   types.MediaType
	config       []byte
	layers       []blob
	subject      *v1.Descriptor
	annotations  map[string]string
}

// rawManifest is a manifest go-containerregistry pushes as given.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// manifest returns the artifact's manifest as JSON, and its descriptor.
func (a artifact) manifest(t *testing.T) ([]byte, v1.Descriptor) {
	t.Helper()
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        descriptorOf(a.config, a.configType, nil),
		Layers:        []v1.Descriptor{},
		Subject:       a.subject,
		Annotations:   a.annotations,
	}
	for _, l := range a.layers {
		d := descriptorOf(l.content, l.mediaType, l.annotations)
		if l.size != 0 {
			d.Size = l.size
		}
		m.Layers = append(m.Layers, d)
	}
	// v1.Manifest has no artifactType field: add it to the JSON.
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var generic map[string]any
	require.NoError(t, json.Unmarshal(b, &generic))
	if a.artifactType != "" {
		generic["artifactType"] = a.artifactType
	}
	raw, err := json.Marshal(generic)
	require.NoError(t, err)
	d := descriptorOf(raw, types.OCIManifestSchema1, nil)
	d.ArtifactType = a.artifactType
	return raw, d
}

func descriptorOf(content []byte, mt types.MediaType, annotations map[string]string) v1.Descriptor {
	h, size, _ := v1.SHA256(bytes.NewReader(content))
	return v1.Descriptor{MediaType: mt, Digest: h, Size: size, Annotations: annotations}
}

// push uploads the artifact's blobs to repository with go-containerregistry,
// then its manifest, under tag or (tag "") by digest, and returns the
// manifest's descriptor. A manifest with a subject also updates the
// registry's referrers (the sha256-<hex> tag on Distribution).
func (a artifact) push(t *testing.T, repository, tag string) v1.Descriptor {
	t.Helper()
	repo, err := name.NewRepository(repository)
	require.NoError(t, err)
	opts := []remote.Option{remote.WithContext(t.Context())}
	upload := func(content []byte, mt types.MediaType) {
		require.NoError(t, remote.WriteLayer(repo, static.NewLayer(content, mt), opts...), "uploading a %s blob to %s", mt, repo)
	}
	upload(a.config, a.configType)
	for _, l := range a.layers {
		upload(l.content, l.mediaType)
	}
	raw, desc := a.manifest(t)
	var ref name.Reference = repo.Digest(desc.Digest.String())
	if tag != "" {
		ref = repo.Tag(tag)
	}
	require.NoError(t, remote.Put(ref, rawManifest{raw: raw, mt: types.OCIManifestSchema1}, opts...), "putting the manifest %s", ref)
	return desc
}

// writeLayout adds the artifact to the OCI image layout in dir the way
// another tool would, with go-containerregistry's layout package: its blobs,
// and its manifest listed in index.json with no annotation.
func (a artifact) writeLayout(t *testing.T, dir string) v1.Descriptor {
	t.Helper()
	p, err := layout.FromPath(dir)
	require.NoError(t, err)
	write := func(content []byte) {
		h, _, err := v1.SHA256(bytes.NewReader(content))
		require.NoError(t, err)
		require.NoError(t, p.WriteBlob(h, io.NopCloser(bytes.NewReader(content))))
	}
	write(a.config)
	for _, l := range a.layers {
		write(l.content)
	}
	raw, desc := a.manifest(t)
	write(raw)
	require.NoError(t, p.AppendDescriptor(desc))
	return desc
}

// modelConfig is a minimal ModelPack config.
func modelConfig(name string) []byte {
	return []byte(`{"descriptor":{"name":"` + name + `","version":"1.0.0"},"modelfs":{"type":"layers","diffIds":[]},"config":{}}`)
}

// entry is one tar entry; a link when linkname is set.
type entry struct {
	name     string
	typeflag byte
	linkname string
	body     string
}

func file(name, body string) entry { return entry{name: name, typeflag: tar.TypeReg, body: body} }
func symlink(name, to string) entry {
	return entry{name: name, typeflag: tar.TypeSymlink, linkname: to}
}
func hardlink(name, to string) entry { return entry{name: name, typeflag: tar.TypeLink, linkname: to} }
func tarOf(t *testing.T, es ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Linkname: e.linkname, Mode: 0o644, Size: int64(len(e.body))}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}
