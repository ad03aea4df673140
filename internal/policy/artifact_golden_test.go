package policy

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateArtifact = flag.Bool("update-artifact", false, "rewrite testdata/*.manifest.json")

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
	if *updateArtifact {
		require.NoError(t, os.WriteFile(path, raw, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(raw))
	h, n, _ := v1.SHA256(strings.NewReader(string(raw)))
	assert.Equal(t, v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: h, Size: n}, desc)
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "{}", string(cfg))
}
