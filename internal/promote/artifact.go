package promote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipwayhq/slipway/internal/oci"
)

// Records and histories are OCI 1.1 artifact manifests (an empty config,
// JSON layers, an artifactType), built byte for byte here because
// go-containerregistry's mutate cannot set artifactType. They are written
// through oci.Store.WriteImage like any image, so registries and layouts
// store them alike.

// emptyConfig is the OCI empty descriptor's content.
const emptyConfig = "{}"

var emptyDigest = v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}

// layer is one blob of an artifact: new bytes, or a blob already in store.
type layer struct {
	desc  v1.Descriptor
	data  []byte    // new content; nil for a stored blob
	store oci.Store // where a stored blob is read from, if it must be sent
}

func newLayer(mt types.MediaType, data []byte, annotations map[string]string) layer {
	h, n, _ := v1.SHA256(bytes.NewReader(data))
	return layer{desc: v1.Descriptor{MediaType: mt, Digest: h, Size: n, Annotations: annotations}, data: data}
}

// built is an artifact ready to write: the image to pass to WriteImage and
// the descriptor of its manifest.
type built struct {
	img  v1.Image
	desc v1.Descriptor
	raw  []byte
}

// buildArtifact makes the manifest of an artifact of artifactType holding layers.
func buildArtifact(artifactType string, layers []layer, subject *v1.Descriptor, annotations map[string]string) (built, error) {
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Digest: emptyDigest, Size: int64(len(emptyConfig))},
		Subject:       subject,
		Annotations:   annotations,
	}
	core := &artifact{blobs: map[v1.Hash]layer{}}
	for _, l := range layers {
		m.Layers = append(m.Layers, l.desc)
		core.blobs[l.desc.Digest] = l
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return built{}, err
	}
	core.manifest = raw
	img, err := partial.CompressedToImage(core)
	if err != nil {
		return built{}, err
	}
	h, n, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return built{}, err
	}
	return built{img: img, raw: raw, desc: v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: h, Size: n, ArtifactType: artifactType}}, nil
}

// artifact is the manifest and blobs of a record or history page.
type artifact struct {
	manifest []byte
	blobs    map[v1.Hash]layer
}

var _ partial.CompressedImageCore = (*artifact)(nil)

func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }
func (a *artifact) RawConfigFile() ([]byte, error)      { return []byte(emptyConfig), nil }

func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == emptyDigest {
		return static.NewLayer([]byte(emptyConfig), types.OCIEmptyJSON), nil
	}
	l, ok := a.blobs[h]
	switch {
	case !ok:
		return nil, fmt.Errorf("artifact has no blob %s", h)
	case l.data != nil:
		return static.NewLayer(l.data, l.desc.MediaType), nil
	}
	return storedBlob{l}, nil
}

// storedBlob is a blob the destination should already hold (a sealed
// history page). Writers check for it first and never read it; if it has
// gone missing it is streamed from the store it was found in, verified.
type storedBlob struct{ l layer }

func (b storedBlob) Digest() (v1.Hash, error)            { return b.l.desc.Digest, nil }
func (b storedBlob) Size() (int64, error)                { return b.l.desc.Size, nil }
func (b storedBlob) MediaType() (types.MediaType, error) { return b.l.desc.MediaType, nil }
func (b storedBlob) Compressed() (io.ReadCloser, error) {
	return oci.OpenVerified(context.Background(), b.l.store, b.l.desc)
}

// readJSONBlob reads a small blob, verified against its descriptor, into v.
func readJSONBlob(ctx context.Context, store oci.Store, d v1.Descriptor, limit int64, v any) error {
	if d.Size > limit {
		return fmt.Errorf("blob %s is %d bytes; the limit is %d", d.Digest, d.Size, limit)
	}
	r, err := oci.OpenVerified(ctx, store, d)
	if err != nil {
		return err
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("blob %s is not the JSON expected: %w", d.Digest, err)
	}
	return nil
}

// readManifest reads and parses a manifest, checking its digest.
func readManifest(ctx context.Context, store oci.Store, h v1.Hash) (*v1.Manifest, error) {
	raw, err := store.Manifest(ctx, h)
	if err != nil {
		return nil, err
	}
	if got, _, err := v1.SHA256(bytes.NewReader(raw)); err != nil || got != h {
		return nil, fmt.Errorf("manifest %s: content does not match its digest", h)
	}
	if len(raw) > maxManifest {
		return nil, fmt.Errorf("manifest %s is %d bytes; the limit is %d", h, len(raw), maxManifest)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("manifest %s does not parse: %w", h, err)
	}
	return &m, nil
}

// maxManifest bounds what is read of a manifest (Distribution's own limit is 4 MiB).
const maxManifest = 4 << 20
