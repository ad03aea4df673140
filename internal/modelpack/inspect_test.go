package modelpack

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/oci"
)

func TestInspectReadsCreatedAtFromTheConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	store := oci.OpenLayout(dir)
	// As modctl writes it: createdAt in the config's descriptor, no manifest annotation.
	writeForeign(t, store, MediaTypeConfig, `{"descriptor":{"name":"m","version":"1.0.0","createdAt":"2025-06-01T10:00:00+02:00"}}`, ArtifactType, "1.0.0",
		blob{"application/vnd.cncf.model.weight.v1.tar", tarOf(t, false, map[string]string{"model.gguf": "w"})})
	res, err := InspectModel(context.Background(), InspectRequest{Ref: oci.LayoutPrefix + dir + ":1.0.0"})
	require.NoError(t, err)
	assert.Equal(t, "2025-06-01T08:00:00Z", res.Created)
}

func TestInspectShowsModelKitPartsWithPathsAndKinds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	store := oci.OpenLayout(dir)
	writeForeign(t, store, kitConfig,
		`{"manifestVersion":"1.0","package":{"name":"kit"},"model":{"path":"model.gguf","parts":[{"path":"lora/adapter.gguf","type":"lora"},{"path":"tokenizer"}]},"docs":[{"path":"README.md"}]}`,
		"", "1.0.0",
		blob{"application/vnd.kitops.modelkit.model.v1.tar", tarOf(t, false, map[string]string{"model.gguf": "w"})},
		blob{"application/vnd.kitops.modelkit.modelpart.v1.tar", tarOf(t, false, map[string]string{"lora/adapter.gguf": "a"})},
		blob{"application/vnd.kitops.modelkit.modelpart.v1.tar", tarOf(t, false, map[string]string{"tokenizer/vocab.json": "{}"})},
		blob{"application/vnd.kitops.modelkit.docs.v1.tar", tarOf(t, false, map[string]string{"README.md": "# kit"})},
	)
	res, err := InspectModel(context.Background(), InspectRequest{Ref: oci.LayoutPrefix + dir + ":1.0.0"})
	require.NoError(t, err)
	type shown struct {
		Role       Role
		Kind, Path string
	}
	var got []shown
	for _, l := range res.Layers {
		got = append(got, shown{l.Role, l.Kind, l.Path})
	}
	assert.Equal(t, []shown{
		{RoleWeights, "", "model.gguf"},
		{RoleWeights, "modelpart", "lora/adapter.gguf"},
		{RoleWeights, "modelpart", "tokenizer"},
		{RoleDocs, "", "README.md"},
	}, got)
}
