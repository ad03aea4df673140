package modelpack

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestDiffModelsReportsRolesAndMetadata(t *testing.T) {
	ctx := context.Background()
	kit := func(role, version string) string {
		return "manifestVersion: 1.0.0\npackage:\n  name: m\n  version: " + version + "\n  license: mit\nmodel:\n  path: model.onnx\n" + role + ":\n  - path: notes.txt\n"
	}
	a := writeTree(t, map[string]string{"model.onnx": "w", "notes.txt": "n", "Kitfile": kit("docs", "1.0.0")})
	to := layoutTo(t)
	packed, err := PackModel(ctx, packReq(t, a, to))
	require.NoError(t, err)

	t.Run("same", func(t *testing.T) {
		res, err := DiffModels(ctx, DiffRequest{A: to + ":" + packed.Version, B: a})
		require.NoError(t, err)
		assert.False(t, res.Differ, "a folder and its own pack: %+v", res)
		assert.NoError(t, res.Err())
	})
	t.Run("role, version and licence", func(t *testing.T) {
		b := writeTree(t, map[string]string{"model.onnx": "w", "notes.txt": "n", "Kitfile": kit("datasets", "1.1.0")})
		res, err := DiffModels(ctx, DiffRequest{A: to + ":1.0.0", B: b})
		require.NoError(t, err)
		assert.True(t, res.Differ)
		assert.Contains(t, res.Changes, Change{Path: "notes.txt", Kind: "role", OldSize: 1, NewSize: 1, OldRole: RoleDocs, NewRole: RoleDataset})
		assert.Contains(t, res.Metadata, FieldChange{Field: "descriptor.version", Old: `"1.0.0"`, New: `"1.1.0"`})
		err = res.Err()
		require.Error(t, err)
		assert.Equal(t, fault.Denied, fault.KindOf(err), "differences exit 1, as git diff --exit-code")
	})
}
