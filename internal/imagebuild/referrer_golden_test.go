package imagebuild

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateArtifact = flag.Bool("update-artifact", false, "rewrite testdata/*.manifest.json")

// TestReferrerManifestGolden pins the SBOM referrer's manifest byte for byte.
func TestReferrerManifestGolden(t *testing.T) {
	subject := v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ef", 32)}, Size: 7, Annotations: map[string]string{"a": "b"}}
	b, err := newReferrer(subject, SBOMArtifactType, []byte(`{"spdxVersion":"SPDX-2.3"}`), time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)))
	require.NoError(t, err)
	raw, err := b.Image.RawManifest()
	require.NoError(t, err)
	path := filepath.Join("testdata", "sbom-referrer.manifest.json")
	if *updateArtifact {
		require.NoError(t, os.WriteFile(path, raw, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(raw))
}
