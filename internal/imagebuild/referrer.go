package imagebuild

import (
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// emptyJSON is the OCI empty descriptor's content and emptyDigest its digest.
var (
	emptyJSON   = []byte("{}")
	emptyDigest = v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}
)

// referrer is an OCI 1.1 artifact manifest with one layer and a subject, as
// a v1.Image so every store writes it the way it writes images.
// go-containerregistry's mutate cannot set artifactType, so the manifest is
// built here.
type referrer struct {
	manifest []byte
	layer    v1.Layer
	digest   v1.Hash
}

var _ partial.CompressedImageCore = (*referrer)(nil)

// newReferrer makes the artifact whose artifactType is the layer's media
// type, and whose subject is subject. created is its only timestamp, so the
// same content gives the same manifest.
func newReferrer(subject v1.Descriptor, layer v1.Layer, created time.Time) (v1.Image, error) {
	d, err := layer.Digest()
	if err != nil {
		return nil, err
	}
	size, err := layer.Size()
	if err != nil {
		return nil, err
	}
	mt, err := layer.MediaType()
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  string(mt),
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Digest: emptyDigest, Size: int64(len(emptyJSON))},
		Layers:        []v1.Descriptor{{MediaType: mt, Digest: d, Size: size}},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:   map[string]string{"org.opencontainers.image.created": created.UTC().Format(time.RFC3339)},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&referrer{manifest: raw, layer: layer, digest: d})
}

func (r *referrer) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (r *referrer) RawManifest() ([]byte, error)        { return r.manifest, nil }
func (r *referrer) RawConfigFile() ([]byte, error)      { return emptyJSON, nil }

func (r *referrer) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	switch h {
	case r.digest:
		return r.layer, nil
	case emptyDigest:
		return static.NewLayer(emptyJSON, types.OCIEmptyJSON), nil
	}
	return nil, fmt.Errorf("referrer has no blob %s", h)
}
