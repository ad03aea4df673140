package modelpack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/oci"
)

// backdate moves every file of dir out of the racy window.
func backdate(t *testing.T, dir string) {
	t.Helper()
	old := time.Now().Add(-time.Minute)
	require.NoError(t, filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) }))
}

// fileKeys lists the file entries of folder's part of the cache in dir.
func fileKeys(dir, folder string) []string {
	var keys []string
	for k := range OpenHashCache(dir).forFolder(folder).entries {
		if p, ok := strings.CutPrefix(k, "file:"); ok {
			keys = append(keys, p)
		}
	}
	return keys
}

// TestHashCacheIsPerFolder: what a re-pack of one folder loads does not
// grow with the other folders packed with the same cache.
func TestHashCacheIsPerFolder(t *testing.T) {
	bigFiles := map[string]string{"model.onnx": "x"}
	for i := range 200 {
		bigFiles[fmt.Sprintf("data/part-%03d.csv", i)] = fmt.Sprint(i)
	}
	big, small := writeTree(t, bigFiles), writeTree(t, sample)
	backdate(t, big)
	backdate(t, small)
	cacheDir := t.TempDir()
	store := oci.OpenLayout(t.TempDir())
	pack(t, big, store, OpenHashCache(cacheDir))
	first := pack(t, small, store, OpenHashCache(cacheDir))

	keys := fileKeys(cacheDir, small)
	assert.Len(t, keys, len(sample), "the small folder's part holds its own files only: %v", keys)
	for _, k := range keys {
		assert.True(t, strings.HasPrefix(k, small), "entry %s of the small folder's part is not in %s", k, small)
	}
	assert.Len(t, fileKeys(cacheDir, big), len(bigFiles))

	again := pack(t, small, store, OpenHashCache(cacheDir))
	assert.Zero(t, again.BytesRead, "an unchanged re-pack beside another folder should read no file")
	assert.Equal(t, first.Descriptor.Digest, again.Descriptor.Digest)
}

// TestHashCacheEviction: entries of files that are gone, and entries not
// used for unusedFor, are dropped when the folder's part is saved.
func TestHashCacheEviction(t *testing.T) {
	dir := writeTree(t, sample)
	backdate(t, dir)
	cacheDir := t.TempDir()
	store := oci.OpenLayout(t.TempDir())
	pack(t, dir, store, OpenHashCache(cacheDir))
	require.Len(t, fileKeys(cacheDir, dir), len(sample))

	// A stale entry (as if a file was packed long ago) and a deleted file.
	c := OpenHashCache(cacheDir).forFolder(dir)
	c.store("file:"+filepath.Join(dir, "long-gone.bin"), fileStat{}, "sha256:00", 1, time.Now())
	e := c.entries["file:"+filepath.Join(dir, "long-gone.bin")]
	e.Used = time.Now().Add(-2 * unusedFor)
	c.entries["file:"+filepath.Join(dir, "long-gone.bin")] = e
	require.NoError(t, c.Save())
	require.Len(t, fileKeys(cacheDir, dir), len(sample)+1)

	require.NoError(t, os.Remove(filepath.Join(dir, "predict.py")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "new.txt"), []byte("new"), 0o644))
	pack(t, dir, store, OpenHashCache(cacheDir))
	keys := fileKeys(cacheDir, dir)
	assert.NotContains(t, keys, filepath.Join(dir, "predict.py"), "a deleted file's entry should be dropped")
	assert.NotContains(t, keys, filepath.Join(dir, "long-gone.bin"), "an entry unused for %s should be dropped", unusedFor)
	assert.Contains(t, keys, filepath.Join(dir, "new.txt"))
}

// TestHashCacheDropsOldSingleFile: the machine-wide hashes.json of older
// versions is removed once a folder's part is written.
func TestHashCacheDropsOldSingleFile(t *testing.T) {
	cacheDir := t.TempDir()
	old := filepath.Join(cacheDir, "hashes.json")
	require.NoError(t, os.WriteFile(old, []byte(`{}`), 0o600))
	pack(t, writeTree(t, sample), oci.OpenLayout(t.TempDir()), OpenHashCache(cacheDir))
	_, err := os.Stat(old)
	assert.ErrorIs(t, err, os.ErrNotExist)
}
