package modelpack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// writeTree creates files (path -> content) under a new temp folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(c), 0o644))
	}
	return dir
}

var sample = map[string]string{
	"model.safetensors": "weights-bytes",
	"config.json":       `{"architectures":["LogReg"]}`,
	"README.md":         "---\nname: sample-model\nlicense: apache-2.0\n---\n# Sample\n",
	"predict.py":        "print('hi')\n",
	"data/train.csv":    "a,b\n1,2\n",
}

func pack(t *testing.T, dir string, store oci.LayoutStore, cache *HashCache) *Packed {
	t.Helper()
	p, err := Pack(context.Background(), store, PackOptions{Dir: dir, Epoch: time.Unix(0, 0), Cache: cache})
	require.NoError(t, err)
	return p
}

func TestPackIsReproducible(t *testing.T) {
	a := writeTree(t, sample)
	b := writeTree(t, sample)
	// Different mtimes and modes-that-do-not-matter must not change the digest.
	require.NoError(t, os.Chtimes(filepath.Join(b, "README.md"), time.Now().Add(-time.Hour), time.Now().Add(-time.Hour)))
	require.NoError(t, os.Chmod(filepath.Join(b, "config.json"), 0o600))

	pa := pack(t, a, oci.OpenLayout(t.TempDir()), nil)
	pb := pack(t, b, oci.OpenLayout(t.TempDir()), nil)
	assert.Equal(t, pa.Descriptor.Digest, pb.Descriptor.Digest, "same files in two folders should give one digest")
	assert.Equal(t, "sample-model", pa.Name, "name should come from the model card")
}

func TestPackLayout(t *testing.T) {
	dir := writeTree(t, sample)
	store := oci.OpenLayout(t.TempDir())
	p := pack(t, dir, store, nil)

	art, err := Open(context.Background(), store, p.Descriptor.Digest.String())
	require.NoError(t, err)
	assert.Equal(t, "modelpack", art.Format)
	assert.Equal(t, ArtifactType, art.Manifest.ArtifactType)
	assert.Equal(t, MediaTypeConfig, art.Manifest.Config.MediaType)

	var got []string
	for _, l := range art.Layers {
		got = append(got, string(l.Descriptor.MediaType))
	}
	assert.Equal(t, []string{
		"application/vnd.cncf.model.weight.v1.raw",
		"application/vnd.cncf.model.weight.config.v1.tar",
		"application/vnd.cncf.model.code.v1.tar",
		"application/vnd.cncf.model.doc.v1.tar",
		"application/vnd.cncf.model.dataset.v1.tar",
	}, got)
	assert.Equal(t, "model.safetensors", art.Layers[0].Path)

	files, err := art.Files(context.Background(), store)
	require.NoError(t, err)
	assert.ElementsMatch(t, p.Files, files, "files listed from the artifact should match what pack recorded")
}

func TestUnchangedRepackReadsNothing(t *testing.T) {
	dir := writeTree(t, sample)
	old := time.Now().Add(-time.Minute) // outside the racy window
	require.NoError(t, filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) }))
	store := oci.OpenLayout(t.TempDir())
	cache := OpenHashCache(t.TempDir())

	first := pack(t, dir, store, cache)
	require.Positive(t, first.BytesRead)
	second := pack(t, dir, store, OpenHashCache(cache.dir))
	assert.Zero(t, second.BytesRead, "an unchanged re-pack should read no file")
	assert.Equal(t, len(second.Files), second.FilesCached)
	assert.Equal(t, first.Descriptor.Digest, second.Descriptor.Digest)

	// An in-place edit of the same size is seen (ctime and mtime move).
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte("WEIGHTS-BYTES"), 0o644))
	third := pack(t, dir, store, OpenHashCache(cache.dir))
	assert.NotEqual(t, first.Descriptor.Digest, third.Descriptor.Digest, "an edited file must change the digest")
}

func TestRacyEntriesAreNotTrusted(t *testing.T) {
	dir := writeTree(t, map[string]string{"model.onnx": "x"})
	store := oci.OpenLayout(t.TempDir())
	cache := OpenHashCache(t.TempDir())
	pack(t, dir, store, cache)
	second := pack(t, dir, store, cache)
	assert.Positive(t, second.BytesRead, "a file modified just before hashing must be read again")
}

func TestPackBadInput(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret": "s"})
	linked := writeTree(t, map[string]string{"model.onnx": "x"})
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(linked, "leak.bin")))
	inside := writeTree(t, map[string]string{"weights/model.onnx": "x"})
	require.NoError(t, os.Symlink("weights/model.onnx", filepath.Join(inside, "alias.onnx")))
	file := filepath.Join(writeTree(t, map[string]string{"f": "x"}), "f")

	tests := []struct {
		name    string
		dir     string
		wantErr string
	}{
		{"missing folder", filepath.Join(t.TempDir(), "nope"), "does not exist"},
		{"empty folder", t.TempDir(), "has no files to pack"},
		{"a file", file, "is a file, not a folder"},
		{"symlink outside", linked, "outside the model folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := t.TempDir()
			_, err := Pack(context.Background(), oci.OpenLayout(store), PackOptions{Dir: tt.dir})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "bad input should be a usage error")
			entries, _ := os.ReadDir(store)
			assert.Empty(t, entries, "a refused pack should write nothing")
		})
	}
	t.Run("symlink inside is packed", func(t *testing.T) {
		p := pack(t, inside, oci.OpenLayout(t.TempDir()), nil)
		assert.Len(t, p.Files, 2)
	})
}

func TestPackUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	dir := writeTree(t, map[string]string{"model.onnx": "x"})
	require.NoError(t, os.Chmod(filepath.Join(dir, "model.onnx"), 0))
	_, err := Pack(context.Background(), oci.OpenLayout(t.TempDir()), PackOptions{Dir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "model.onnx")
}

func TestIgnoreFile(t *testing.T) {
	files := map[string]string{"model.onnx": "x", "notes.txt": "n", "checkpoints/a.pt": "c", IgnoreFile: "notes.txt\ncheckpoints/\n"}
	p := pack(t, writeTree(t, files), oci.OpenLayout(t.TempDir()), nil)
	require.Len(t, p.Files, 1)
	assert.Equal(t, "model.onnx", p.Files[0].Path)
}

func TestUploadVersionIsImmutable(t *testing.T) {
	ctx := context.Background()
	store := oci.OpenLayout(t.TempDir())
	p1 := pack(t, writeTree(t, sample), store, nil)
	unchanged, err := Upload(ctx, store, store, p1.Descriptor, "1.0.0")
	require.NoError(t, err)
	assert.False(t, unchanged)

	unchanged, err = Upload(ctx, store, store, p1.Descriptor, "1.0.0")
	require.NoError(t, err)
	assert.True(t, unchanged, "re-publishing the same bytes should be a no-op")

	other := map[string]string{"model.onnx": "other"}
	p2 := pack(t, writeTree(t, other), store, nil)
	_, err = Upload(ctx, store, store, p2.Descriptor, "1.0.0")
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	d, err := store.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, p1.Descriptor.Digest, d.Digest, "a refused publish must leave the tag untouched")
}

func TestResolveVersion(t *testing.T) {
	ctx := context.Background()
	store := oci.OpenLayout(t.TempDir())
	p := pack(t, writeTree(t, sample), store, nil)
	for _, v := range []string{"1.2.3", "1.10.0", "0.9.0", "2.0.0-rc.1", "latest"} {
		require.NoError(t, store.Tag(ctx, p.Descriptor, v))
	}
	tests := []struct{ version, bump, want, wantErr string }{
		{bump: "patch", want: "1.10.1"},
		{bump: "minor", want: "1.11.0"},
		{bump: "major", want: "2.0.0"},
		{version: "3.0.0", want: "3.0.0"},
		{version: "banana", wantErr: "not a semantic version"},
		{version: "1.0.0+build", wantErr: "build metadata"},
		{bump: "huge", wantErr: "want patch, minor or major"},
		{version: "1.0.0", bump: "patch", wantErr: "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.version+tt.bump, func(t *testing.T) {
			got, err := ResolveVersion(ctx, store, tt.version, tt.bump)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, fault.Usage, fault.KindOf(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	empty := oci.OpenLayout(t.TempDir())
	got, err := ResolveVersion(ctx, empty, "", "minor")
	require.NoError(t, err)
	assert.Equal(t, "0.1.0", got)
}

func TestPullRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := writeTree(t, sample)
	store := oci.OpenLayout(t.TempDir())
	p := pack(t, src, store, nil)
	art, err := Open(ctx, store, p.Descriptor.Digest.String())
	require.NoError(t, err)

	out := t.TempDir()
	_, err = Pull(ctx, store, art, out, PullOptions{})
	require.NoError(t, err)
	lock := &Lock{LockVersion: 1, Digest: p.Descriptor.Digest.String(), Files: p.Files}
	changes, err := VerifyDir(out, lock, nil)
	require.NoError(t, err)
	assert.Empty(t, changes, "a pulled folder should match the lock exactly")

	t.Run("only roles and globs", func(t *testing.T) {
		sel, err := ParseSelection([]string{"weights", "data/*.csv"})
		require.NoError(t, err)
		out := t.TempDir()
		got, err := Pull(ctx, store, art, out, PullOptions{Select: sel})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"model.safetensors", "data/train.csv"}, filesUnder(t, out))
		assert.NotEmpty(t, got)
	})
}

func filesUnder(t *testing.T, dir string) []string {
	var out []string
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	}))
	return out
}

func TestPullRefusesCorruptBlob(t *testing.T) {
	ctx := context.Background()
	storeDir := t.TempDir()
	store := oci.OpenLayout(storeDir)
	p := pack(t, writeTree(t, sample), store, nil)
	art, err := Open(ctx, store, p.Descriptor.Digest.String())
	require.NoError(t, err)
	weights := art.Layers[0].Descriptor.Digest
	require.NoError(t, os.WriteFile(filepath.Join(storeDir, "blobs", "sha256", weights.Hex), []byte("tampered-byte"), 0o644))

	out := t.TempDir()
	_, err = Pull(ctx, store, art, out, PullOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing")
	assert.Empty(t, filesUnder(t, out), "a failed pull should leave no file behind")
}

func TestVerifyDir(t *testing.T) {
	dir := writeTree(t, sample)
	p := pack(t, dir, oci.OpenLayout(t.TempDir()), nil)
	lock := &Lock{LockVersion: 1, Files: p.Files}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "predict.py")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "extra.md"), []byte("x"), 0o644))
	changes, err := VerifyDir(dir, lock, nil)
	require.NoError(t, err)
	assert.Equal(t, []Change{
		{Path: "config.json", Kind: "changed", OldSize: int64(len(sample["config.json"])), NewSize: 2},
		{Path: "extra.md", Kind: "extra", NewSize: 1},
		{Path: "predict.py", Kind: "missing", OldSize: int64(len(sample["predict.py"]))},
	}, changes)
}

func TestOpenRefusesNonModel(t *testing.T) {
	_, err := Open(context.Background(), oci.OpenLayout(t.TempDir()), "latest")
	require.Error(t, err)
	assert.True(t, errors.Is(err, oci.ErrNotFound))
	_ = v1.Hash{}
}

func TestPackHonoursKitfile(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"Kitfile": `manifestVersion: "1.0"
package:
  name: kit-model
  license: apache-2.0
model:
  path: weights
code:
  - path: serve.py
datasets:
  - name: train
    path: train.txt
    license: cc-by-4.0
`,
		"weights/model.bin":   "w",
		"weights/config.json": "{}",
		"serve.py":            "print()",
		"train.txt":           "t",
		"notes.md":            "not listed in the Kitfile, so not packed",
	})
	p := pack(t, dir, oci.OpenLayout(t.TempDir()), nil)
	roles := map[string]Role{}
	for _, f := range p.Files {
		roles[f.Path] = f.Role
	}
	assert.Equal(t, map[string]Role{
		"weights/model.bin":   RoleWeights,
		"weights/config.json": RoleConfig,
		"serve.py":            RoleCode,
		"train.txt":           RoleDataset,
		"Kitfile":             RoleDocs,
	}, roles)
	assert.Equal(t, "kit-model", p.Name)
}
