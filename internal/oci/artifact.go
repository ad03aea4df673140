package oci

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
)

// Artifact is an OCI 1.1 artifact manifest: attestations, SBOMs, promotion
// records and policy bundles are all one. go-containerregistry's mutate
// cannot set a manifest's artifactType, so Build writes the manifest itself
// (as json.Marshal of a v1.Manifest, the bytes whose digests name the
// artifacts Slipway has already stored) and hands it to Store.WriteImage as
// a v1.Image, so registries and layouts store it like any image.
type Artifact struct {
	// ArtifactType is the manifest's artifactType; empty leaves it out.
	ArtifactType string
	// Config is the config blob; nil is the OCI empty descriptor ({}).
	Config *Blob
	// Layers are the manifest's layers, in order.
	Layers []Blob
	// Subject makes the artifact a referrer of the manifest it describes.
	// It is written as given: pass only the media type, digest and size.
	Subject *v1.Descriptor
	// Annotations are the manifest's annotations.
	Annotations map[string]string
}

// Blob is one blob of an artifact: bytes in memory, or (StoredBlob) a blob
// the destination store should already hold.
type Blob struct {
	// MediaType is the blob's media type in the manifest.
	MediaType types.MediaType
	// Data is the blob's content.
	Data []byte
	// Annotations are the blob descriptor's annotations.
	Annotations map[string]string

	stored *v1.Descriptor // set by StoredBlob
	from   Store
}

// StoredBlob is a blob already in from, named by desc (its media type,
// digest, size and annotations go into the manifest as they are). Writers
// skip blobs the destination holds, so it is normally never read; if it has
// gone missing it is streamed from from, verified against desc.
func StoredBlob(from Store, desc v1.Descriptor) Blob {
	return Blob{MediaType: desc.MediaType, Annotations: desc.Annotations, stored: &desc, from: from}
}

// Descriptor returns the blob's descriptor.
func (b Blob) Descriptor() v1.Descriptor {
	if b.stored != nil {
		return *b.stored
	}
	h, n, _ := v1.SHA256(bytes.NewReader(b.Data)) // reading memory cannot fail
	return v1.Descriptor{MediaType: b.MediaType, Size: n, Digest: h, Annotations: b.Annotations}
}

func (b Blob) layer() partial.CompressedLayer {
	if b.stored != nil {
		return storedLayer{desc: *b.stored, from: b.from}
	}
	return static.NewLayer(b.Data, b.MediaType)
}

// EmptyJSON is the content of the OCI empty descriptor.
var EmptyJSON = []byte("{}")

// EmptyDescriptor is the OCI empty descriptor, the config of an artifact
// that has none.
var EmptyDescriptor = v1.Descriptor{
	MediaType: types.OCIEmptyJSON,
	Size:      2,
	Digest:    v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
}

// Built is an artifact ready to write.
type Built struct {
	// Image is the artifact as an image, for Store.WriteImage.
	Image v1.Image
	// Manifest is the raw manifest.
	Manifest []byte
	// Descriptor is the manifest's: media type, digest, size, artifactType
	// and annotations.
	Descriptor v1.Descriptor
}

// Build makes the artifact's manifest and the image that carries its blobs.
func (a Artifact) Build() (*Built, error) {
	config := Blob{MediaType: types.OCIEmptyJSON, Data: EmptyJSON}
	if a.Config != nil {
		config = *a.Config
	}
	core := &artifactImage{config: config, blobs: map[v1.Hash]Blob{}}
	cd := config.Descriptor()
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  a.ArtifactType,
		Config:        v1.Descriptor{MediaType: cd.MediaType, Size: cd.Size, Digest: cd.Digest},
		Subject:       a.Subject,
		Annotations:   a.Annotations,
	}
	core.blobs[cd.Digest] = config
	for _, l := range a.Layers {
		d := l.Descriptor()
		m.Layers = append(m.Layers, d)
		core.blobs[d.Digest] = l
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s manifest: %w", a.ArtifactType, err)
	}
	core.manifest = raw
	img, err := partial.CompressedToImage(core)
	if err != nil {
		return nil, err
	}
	h, n, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return &Built{Image: img, Manifest: raw, Descriptor: v1.Descriptor{
		MediaType:    types.OCIManifestSchema1,
		Size:         n,
		Digest:       h,
		ArtifactType: a.ArtifactType,
		Annotations:  a.Annotations,
	}}, nil
}

// WriteArtifact builds a and writes it to store, tagged tag (empty: untagged),
// and returns its manifest's descriptor.
func WriteArtifact(ctx context.Context, store Store, a Artifact, tag string) (v1.Descriptor, error) {
	b, err := a.Build()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := store.WriteImage(ctx, b.Image, tag); err != nil {
		return v1.Descriptor{}, err
	}
	return b.Descriptor, nil
}

// artifactImage is a built artifact as the core of a v1.Image.
type artifactImage struct {
	manifest []byte
	config   Blob
	blobs    map[v1.Hash]Blob
}

var _ partial.CompressedImageCore = (*artifactImage)(nil)

func (a *artifactImage) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifactImage) RawManifest() ([]byte, error)        { return a.manifest, nil }

func (a *artifactImage) RawConfigFile() ([]byte, error) {
	if a.config.stored != nil {
		return readAll(a.config.layer())
	}
	return a.config.Data, nil
}

func (a *artifactImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	b, ok := a.blobs[h]
	if !ok {
		return nil, fmt.Errorf("artifact has no blob %s", h)
	}
	return b.layer(), nil
}

func readAll(l partial.CompressedLayer) ([]byte, error) {
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// storedLayer is a blob the destination should already hold.
type storedLayer struct {
	desc v1.Descriptor
	from Store
}

func (l storedLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l storedLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l storedLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

func (l storedLayer) Compressed() (io.ReadCloser, error) {
	if l.from == nil {
		return nil, fmt.Errorf("blob %s: %w in the destination, and there is no store to copy it from", l.desc.Digest, ErrNotFound)
	}
	return OpenVerified(context.Background(), l.from, l.desc)
}
