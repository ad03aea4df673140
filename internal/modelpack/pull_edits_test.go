package modelpack

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestPullRefusesToOverwriteLocalEdits(t *testing.T) {
	ctx := context.Background()
	to := layoutTo(t)
	req := packReq(t, writeTree(t, sample), to)
	req.Version = "1.0.0"
	v1, err := PackModel(ctx, req)
	require.NoError(t, err)
	req.Dir, req.Version = writeTree(t, map[string]string{"model.safetensors": "v2", "README.md": sample["README.md"], "predict.py": "print(2)\n"}), "2.0.0"
	v2, err := PackModel(ctx, req)
	require.NoError(t, err)

	out := filepath.Join(t.TempDir(), "model")
	_, err = PullModel(ctx, PullRequest{Ref: v1.Reference, Dir: out})
	require.NoError(t, err)
	require.FileExists(t, DefaultLock(out), "a full pull records what it wrote")
	res, err := VerifyModel(VerifyRequest{Dir: out, Lock: DefaultLock(out)})
	require.NoError(t, err)
	assert.True(t, res.OK, "verify DIR checks the pulled files: %+v", res.Changes)

	// Another version over an unedited pull: its files are known, not edits.
	_, err = PullModel(ctx, PullRequest{Ref: v2.Reference, Dir: out})
	require.NoError(t, err, "pulling another version over an unedited pull")

	require.NoError(t, os.WriteFile(filepath.Join(out, "predict.py"), []byte("my local fix\n"), 0o644))
	_, err = PullModel(ctx, PullRequest{Ref: v1.Reference, Dir: out})
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	assert.Contains(t, err.Error(), "would overwrite local edits to 1 file (predict.py): pass --force")
	b, _ := os.ReadFile(filepath.Join(out, "predict.py"))
	assert.Equal(t, "my local fix\n", string(b), "the edit is kept")

	_, err = PullModel(ctx, PullRequest{Ref: v1.Reference, Dir: out, Only: []string{"weights"}})
	require.NoError(t, err, "a selection that leaves the edited file alone is fine")

	_, err = PullModel(ctx, PullRequest{Ref: v1.Reference, Dir: out, Force: true})
	require.NoError(t, err, "--force overwrites")
	b, _ = os.ReadFile(filepath.Join(out, "predict.py"))
	assert.Equal(t, sample["predict.py"], string(b))
}
