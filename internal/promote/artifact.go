package promote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipwayhq/slipway/internal/oci"
)

// Records and histories are OCI 1.1 artifact manifests (an empty config,
// JSON layers, an artifactType), built by oci.Artifact and written through
// oci.Store.WriteImage like any image, so registries and layouts store them
// alike.

// layer is one blob of an artifact: new bytes, or a blob already in store.
type layer struct {
	desc  v1.Descriptor
	data  []byte    // new content; nil for a stored blob
	store oci.Store // where a stored blob is read from, if it must be sent
}

func newLayer(mt types.MediaType, data []byte, annotations map[string]string) layer {
	b := oci.Blob{MediaType: mt, Data: data, Annotations: annotations}
	return layer{desc: b.Descriptor(), data: data}
}

// blob is the layer as oci.Artifact takes it. A stored blob (a sealed
// history page) is one the destination should already hold; if it has gone
// missing it is streamed from store, verified.
func (l layer) blob() oci.Blob {
	if l.data == nil {
		return oci.StoredBlob(l.store, l.desc)
	}
	return oci.Blob{MediaType: l.desc.MediaType, Data: l.data, Annotations: l.desc.Annotations}
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
	a := oci.Artifact{ArtifactType: artifactType, Subject: subject, Annotations: annotations}
	for _, l := range layers {
		a.Layers = append(a.Layers, l.blob())
	}
	b, err := a.Build()
	if err != nil {
		return built{}, err
	}
	desc := b.Descriptor
	desc.Annotations = nil
	return built{img: b.Image, raw: b.Manifest, desc: desc}, nil
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
