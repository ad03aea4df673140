package imagebuild

import (
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipwayhq/slipway/internal/oci"
)

// newReferrer makes the OCI 1.1 artifact that holds data (of media type
// mt, which is also its artifactType) as a referrer of subject. created is
// its only timestamp, so the same content gives the same manifest.
func newReferrer(subject v1.Descriptor, mt string, data []byte, created time.Time) (*oci.Built, error) {
	return oci.Artifact{
		ArtifactType: mt,
		Layers:       []oci.Blob{{MediaType: types.MediaType(mt), Data: data}},
		Subject:      &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:  map[string]string{"org.opencontainers.image.created": created.UTC().Format(time.RFC3339)},
	}.Build()
}
