package oci

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAbandonedTempFilesAreSweptOnTheNextWrite(t *testing.T) {
	dir := t.TempDir()
	s := OpenLayout(dir).(*layoutStore)
	_, _, err := s.Ingest(bytes.NewReader([]byte("first")))
	require.NoError(t, err)
	blobs := filepath.Join(dir, "blobs", "sha256")
	now := time.Now()
	write := func(name string, mtime time.Time) string {
		p := filepath.Join(blobs, name)
		require.NoError(t, os.WriteFile(p, []byte("partial blob"), 0o600))
		require.NoError(t, os.Chtimes(p, mtime, mtime))
		return p
	}
	// A PID no process has: Linux caps PIDs at 2^22.
	const gonePID = 1<<22 + 7
	files := map[string]bool{ // path: whether the sweep should remove it
		write(fmt.Sprintf(".ingest-%d-%d-123", gonePID, processStart), now):                        true,  // owner killed
		write(fmt.Sprintf(".ingest-%d-%d-456", os.Getpid(), processStart+1), now):                  true,  // our PID, an earlier life (a container)
		write(fmt.Sprintf(".ingest-%d-%d-789", os.Getppid(), processStart), now):                   false, // a live writer
		write(fmt.Sprintf(".ingest-%d-%d-abc", os.Getpid(), processStart), now):                    false, // our own
		write(fmt.Sprintf(".ingest-%d-%d-def", os.Getppid(), processStart), now.Add(-2*TempGrace)): true,  // untouched past the grace
		write(".ingest-4711", now.Add(-2*TempGrace)):                                               true,  // the old unnamed form, old
		write(".ingest-4712", now): false, // the old unnamed form, recent
	}

	// A fresh store value is the next run: its first write sweeps.
	next := OpenLayout(dir)
	_, _, err = next.Ingest(bytes.NewReader([]byte("second")))
	require.NoError(t, err)
	for p, gone := range files {
		_, err := os.Stat(p)
		assert.Equal(t, gone, os.IsNotExist(err), "%s: removed = %t, want %t", filepath.Base(p), os.IsNotExist(err), gone)
	}
}

func TestIngestNamesTempFilesByOwner(t *testing.T) {
	s := OpenLayout(t.TempDir()).(*layoutStore)
	require.NoError(t, s.ensure())
	f, err := s.createTemp(filepath.Join(s.dir, "blobs", "sha256"))
	require.NoError(t, err)
	defer os.Remove(f.Name())
	f.Close()
	assert.Contains(t, filepath.Base(f.Name()), fmt.Sprintf(".ingest-%d-%d-", os.Getpid(), processStart))
	assert.False(t, abandoned(filepath.Base(f.Name()), time.Now(), time.Now(), TempGrace), "our own temp file is not abandoned")
}

// TestTempStagingSweepsAbandonedFolders: a staging folder whose owner is
// gone (killed before it removed it) goes at the next OpenTempStaging; one
// whose owner runs stays however long it has been idle, and the new one is
// removed by its own cleanup.
func TestTempStagingSweepsAbandonedFolders(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	const gonePID = 1<<22 + 7
	old := time.Now().Add(-2 * TempGrace)
	dirs := map[string]bool{ // name: whether the sweep should remove it
		fmt.Sprintf("%s%d-%d-abc", tempStagingPrefix, gonePID, 1):                  true,
		fmt.Sprintf("%s%d-%d-abc", tempStagingPrefix, os.Getpid(), processStart+1): true,  // this PID, another start: reused
		fmt.Sprintf("%s%d-%d-abc", tempStagingPrefix, os.Getppid(), int64(0)):      false, // a live owner, idle for long
		fmt.Sprintf("%s%d-%d-abc", tempStagingPrefix, os.Getpid(), processStart):   false, // this very run
		tempStagingPrefix + "unnamed":                                              true,  // no owner: by age
		"other-tool-folder":                                                        false,
	}
	for name := range dirs {
		p := filepath.Join(tmp, name)
		require.NoError(t, os.MkdirAll(filepath.Join(p, "blobs"), 0o755))
		require.NoError(t, os.Chtimes(p, old, old))
	}

	store, cleanup, err := OpenTempStaging()
	require.NoError(t, err)
	for name, gone := range dirs {
		if gone {
			assert.NoDirExists(t, filepath.Join(tmp, name), "abandoned staging folder %s", name)
		} else {
			assert.DirExists(t, filepath.Join(tmp, name), "staging folder %s", name)
		}
	}
	dir := store.Ref().Layout
	assert.Equal(t, tmp, filepath.Dir(dir), "the staging folder is in TMPDIR")
	_, _, err = store.Ingest(bytes.NewReader([]byte("config")))
	require.NoError(t, err)
	cleanup()
	assert.NoDirExists(t, dir, "the staging folder after its cleanup")
}
