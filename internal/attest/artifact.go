package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// An attestation is stored as an OCI 1.1 artifact manifest, the form cosign
// writes in its referrers mode (`--registry-referrers-mode oci-1-1`):
//
//	mediaType     application/vnd.oci.image.manifest.v1+json
//	artifactType  application/vnd.in-toto+json     (ArtifactType)
//	config        application/vnd.oci.empty.v1+json, {}
//	layers[0]     application/vnd.dsse.envelope.v1+json, the envelope JSON
//	              (annotation in-toto.io/predicate-type, as BuildKit sets it)
//	subject       the descriptor of the artifact the statement is about
//	annotations   org.opencontainers.image.created, dev.slipway.predicate-type
//
// The artifactType names what the artifact holds (in-toto statements) rather
// than its wrapper, so `oras discover --artifact-type`, referrers API
// filters and policy engines looking for in-toto attestations all find it.
const (
	// ArtifactType is the artifactType of attestation manifests.
	ArtifactType = "application/vnd.in-toto+json"
	// EnvelopeMediaType is the media type of the layer holding the envelope.
	EnvelopeMediaType = "application/vnd.dsse.envelope.v1+json"
	// AnnotationPredicateType on the manifest repeats the statement's
	// predicate type, so finding one kind of attestation needs no envelope
	// reads. It is a hint: only a verified statement is evidence.
	AnnotationPredicateType = "dev.slipway.predicate-type"
	// AnnotationCreated is when the attestation was attached (RFC 3339).
	AnnotationCreated = "org.opencontainers.image.created"

	layerAnnotationPredicateType = "in-toto.io/predicate-type"
	emptyJSON                    = "{}"
)

// emptyDigest is the digest of the OCI empty descriptor's content, {}.
var emptyDigest = v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}

// artifact is an attestation manifest as a v1.Image, so every Store writes
// it the way it writes models. go-containerregistry's mutate cannot set a
// manifest's artifactType, so the manifest is built here byte for byte.
type artifact struct {
	manifest []byte
	envelope v1.Layer
	envHash  v1.Hash
}

var _ partial.CompressedImageCore = (*artifact)(nil)

func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }
func (a *artifact) RawConfigFile() ([]byte, error)      { return []byte(emptyJSON), nil }

func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	switch h {
	case a.envHash:
		return a.envelope, nil
	case emptyDigest:
		return static.NewLayer([]byte(emptyJSON), types.OCIEmptyJSON), nil
	}
	return nil, fmt.Errorf("attestation manifest has no blob %s", h)
}

// newArtifact builds the manifest that stores envelope JSON env as a
// referrer of subject.
func newArtifact(subject v1.Descriptor, env []byte, predicateType string, annotations map[string]string) (v1.Image, v1.Descriptor, error) {
	layer := static.NewLayer(env, EnvelopeMediaType)
	envHash, err := layer.Digest()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	anns := map[string]string{AnnotationCreated: time.Now().UTC().Format(time.RFC3339Nano)}
	maps.Copy(anns, annotations)
	anns[AnnotationPredicateType] = predicateType
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Digest: emptyDigest, Size: int64(len(emptyJSON))},
		Layers: []v1.Descriptor{{
			MediaType:   EnvelopeMediaType,
			Digest:      envHash,
			Size:        int64(len(env)),
			Annotations: map[string]string{layerAnnotationPredicateType: predicateType},
		}},
		Subject:     &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: anns,
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	img, err := partial.CompressedToImage(&artifact{manifest: raw, envelope: layer, envHash: envHash})
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	h, size, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	return img, v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: h, Size: size, ArtifactType: ArtifactType, Annotations: anns}, nil
}
