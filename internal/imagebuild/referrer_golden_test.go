package imagebuild

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/slipwayhq/slipway/internal/golden"
	"github.com/stretchr/testify/require"
)

// TestReferrerManifestGolden pins the SBOM referrer's manifest byte for byte.
func TestReferrerManifestGolden(t *testing.T) {
	subject := v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ef", 32)}, Size: 7, Annotations: map[string]string{"a": "b"}}
	b, err := newReferrer(subject, SBOMArtifactType, []byte(`{"spdxVersion":"SPDX-2.3"}`), time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)))
	require.NoError(t, err)
	raw, err := b.Image.RawManifest()
	require.NoError(t, err)
	path := filepath.Join("testdata", "sbom-referrer.manifest.json")
	golden.Equal(t, path, raw)
}
