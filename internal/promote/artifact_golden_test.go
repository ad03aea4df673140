package promote

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/slipwayhq/slipway/internal/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestArtifactManifestGolden pins record and history manifests byte for
// byte: a record's ID is its manifest's digest, and a history head names
// the previous one by digest.
func TestArtifactManifestGolden(t *testing.T) {
	subject := &v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("cd", 32)}, Size: 99}
	sealed := v1.Descriptor{MediaType: PageMediaType, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("01", 32)}, Size: 42, Annotations: map[string]string{annotationPageCount: "100"}}
	tests := []struct {
		name        string
		artifact    string
		layers      []layer
		subject     *v1.Descriptor
		annotations map[string]string
	}{
		{"record", RecordArtifactType, []layer{newLayer(RecordArtifactType, []byte(`{"environment":"prod"}`), nil)}, subject, map[string]string{annotationEnv: "prod", annotationCreated: "2026-01-02T03:04:05Z"}},
		{"history", HistoryArtifactType, []layer{{desc: sealed}, newLayer(PageMediaType, []byte(`{"records":[]}`), map[string]string{annotationPageCount: "1"})}, nil, map[string]string{annotationCount: "101"}},
		{"empty-history", HistoryArtifactType, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := buildArtifact(tt.artifact, tt.layers, tt.subject, tt.annotations)
			require.NoError(t, err)
			raw, err := b.img.RawManifest()
			require.NoError(t, err)
			assert.Equal(t, string(b.raw), string(raw))
			path := filepath.Join("testdata", tt.name+".manifest.json")
			golden.Equal(t, path, raw)
			h, n, _ := v1.SHA256(strings.NewReader(string(raw)))
			assert.Equal(t, v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: h, Size: n, ArtifactType: tt.artifact}, b.desc)
		})
	}
}
