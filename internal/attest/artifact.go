package attest

import (
	"maps"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/oci"
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
	// annotationBundlePredicateType is cosign v3's, on bundle referrers.
	annotationBundlePredicateType = "dev.sigstore.bundle.predicateType"
)

// newArtifact builds the manifest that stores envelope JSON env as a
// referrer of subject.
func newArtifact(subject v1.Descriptor, env []byte, predicateType string, annotations map[string]string) (v1.Image, v1.Descriptor, error) {
	anns := map[string]string{AnnotationCreated: time.Now().UTC().Format(time.RFC3339Nano)}
	maps.Copy(anns, annotations)
	anns[AnnotationPredicateType] = predicateType
	b, err := oci.Artifact{
		ArtifactType: ArtifactType,
		Layers: []oci.Blob{{
			MediaType:   EnvelopeMediaType,
			Data:        env,
			Annotations: map[string]string{layerAnnotationPredicateType: predicateType},
		}},
		Subject:     &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: anns,
	}.Build()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	return b.Image, b.Descriptor, nil
}
