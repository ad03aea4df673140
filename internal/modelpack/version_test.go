package modelpack

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

func TestPackModelTagsTheDeclaredVersion(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"model card", map[string]string{"model.onnx": "w", "README.md": "---\nname: m\nversion: 2.1.0\n---\n"}, "2.1.0"},
		{"kitfile before card", map[string]string{
			"model.onnx": "w", "README.md": "---\nversion: 9.9.9\n---\n",
			"Kitfile": "manifestVersion: 1.0.0\npackage:\n  name: m\n  version: 3.0.0\nmodel:\n  path: model.onnx\ndocs:\n  - path: README.md\n",
		}, "3.0.0"},
		{"none", map[string]string{"model.onnx": "w"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := PackModel(context.Background(), packReq(t, writeTree(t, tt.files), layoutTo(t)))
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Version, "the version tagged")
		})
	}
}

func TestPackModelRefusesABadDeclaredVersion(t *testing.T) {
	tests := map[string]string{
		"not semver": "---\nversion: \"1.0\"\n---\n",
		"a number":   "---\nversion: 1.0\n---\n",
	}
	for name, card := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := PackModel(context.Background(), packReq(t, writeTree(t, map[string]string{"model.onnx": "w", "README.md": card}), layoutTo(t)))
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "a bad version in the card is a usage error: %v", err)
			assert.Contains(t, err.Error(), "README.md front matter")
		})
	}
}

func TestResolveVersionLeadingV(t *testing.T) {
	for _, v := range []string{"1.0.0", "v1.0.0", "1.0.0-rc.1"} {
		got, err := ResolveVersion(context.Background(), nil, v, "")
		require.NoError(t, err, v)
		assert.Equal(t, v, got)
	}
	_, err := ResolveVersion(context.Background(), nil, "1.0", "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MAJOR.MINOR.PATCH, optionally with a leading v")
}

func TestPackModelBumpKeepsTheVersionOfUnchangedBytes(t *testing.T) {
	ctx := context.Background()
	for name, to := range map[string]string{"layout": layoutTo(t), "registry": registrytest.InProcess(t) + "/acme/iris"} {
		t.Run(name, func(t *testing.T) {
			req := packReq(t, writeTree(t, sample), to)
			req.Bump = "patch"
			first, err := PackModel(ctx, req)
			require.NoError(t, err)
			require.Equal(t, "0.0.1", first.Version)

			again, err := PackModel(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, "0.0.1", again.Version, "an unchanged folder keeps its version")
			assert.Equal(t, first.Digest, again.Digest)
			assert.True(t, again.Unchanged)

			req.Dir = writeTree(t, map[string]string{"model.safetensors": "other", "README.md": sample["README.md"]})
			changed, err := PackModel(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, "0.0.2", changed.Version, "changed bytes get the next version")
		})
	}
}

func TestVerifyMismatchNamesTheLocksVersion(t *testing.T) {
	dir := writeTree(t, sample)
	req := packReq(t, dir, layoutTo(t))
	req.Version, req.Lock = "1.0.0", DefaultLock(dir)
	_, err := PackModel(context.Background(), req)
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, LockFileName), "the lock goes beside the model's files")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "predict.py"), []byte("changed"), 0o644))
	res, err := VerifyModel(VerifyRequest{Dir: dir, Lock: DefaultLock(dir)})
	require.NoError(t, err)
	require.False(t, res.OK)
	assert.Equal(t, "1.0.0", res.Version)
	assert.Contains(t, res.Err().Error(), "the lock of sample-model 1.0.0 (sha256:")
	assert.Contains(t, res.Err().Error(), ": 1 file changed, missing or extra")
}
