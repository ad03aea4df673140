package policy

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/slipwayhq/slipway/internal/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestArtifactManifestGolden pins a policy bundle's manifest byte for byte.
func TestArtifactManifestGolden(t *testing.T) {
	img, desc, err := newArtifact(ConfigMediaType, []layerFile{
		{title: "main.rego", mediaType: PolicyLayerMediaType, raw: []byte("package main\n")},
		{title: "data.json", mediaType: DataLayerMediaType, raw: []byte(`{"a":1}`)},
	})
	require.NoError(t, err)
	raw, err := img.RawManifest()
	require.NoError(t, err)
	path := filepath.Join("testdata", "policy.manifest.json")
	golden.Equal(t, path, raw)
	h, n, _ := v1.SHA256(strings.NewReader(string(raw)))
	assert.Equal(t, v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: h, Size: n}, desc)
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "{}", string(cfg))
}
