package attest

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/slipwayhq/slipway/internal/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestArtifactManifestGolden pins the attestation manifest byte for byte:
// its digest is how stores and verifiers name an attestation.
func TestArtifactManifestGolden(t *testing.T) {
	subject := v1.Descriptor{
		MediaType:   "application/vnd.oci.image.manifest.v1+json",
		Digest:      v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)},
		Size:        1234,
		Annotations: map[string]string{"dropped": "yes"},
	}
	env := []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`)
	img, desc, err := newArtifact(subject, env, PredicateGate, map[string]string{AnnotationCreated: "2026-01-02T03:04:05Z", "x": "y"})
	require.NoError(t, err)
	raw, err := img.RawManifest()
	require.NoError(t, err)
	golden.Equal(t, filepath.Join("testdata", "attestation.manifest.json"), raw)
	h, _, _ := v1.SHA256(strings.NewReader(string(raw)))
	assert.Equal(t, h, desc.Digest, "descriptor digest")
	assert.Equal(t, ArtifactType, desc.ArtifactType)
	assert.Equal(t, "2026-01-02T03:04:05Z", desc.Annotations[AnnotationCreated])
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "{}", string(cfg))
}
