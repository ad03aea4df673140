package oci_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnchangedRepackAddsNoDuplicate(t *testing.T) {
	layout := filepath.Join(t.TempDir(), "store")
	dir := modelDir(t, "weights packed twice")
	first := pack(layout, dir, "1.0.0")
	require.Empty(t, first.err)
	second := pack(layout, dir, "1.0.0")
	require.Empty(t, second.err)
	require.Equal(t, first.digest, second.digest, "an unchanged re-pack has the same digest")

	raw, err := os.ReadFile(filepath.Join(layout, "index.json"))
	require.NoError(t, err)
	var im v1.IndexManifest
	require.NoError(t, json.Unmarshal(raw, &im))
	assert.Len(t, im.Manifests, 1, "index.json after an unchanged re-pack:\n%s", raw)
}
