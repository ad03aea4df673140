package extract

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A Commit that fails part way leaves the target byte for byte as it was:
// what it placed is removed, what it replaced is put back.
func TestCommitFailingPartWayRestoresTheTarget(t *testing.T) {
	tests := []struct {
		name string
		// block makes placing fail: it prepares the target or the Dest.
		block   func(t *testing.T, root string, d *Dest)
		wantErr string
	}{
		{
			name: "a folder occupies a file's name",
			block: func(t *testing.T, root string, _ *Dest) {
				require.NoError(t, os.MkdirAll(filepath.Join(root, "m.txt"), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(root, "m.txt", "keep"), []byte("mine"), 0o644))
			},
			wantErr: `placing "m.txt"`,
		},
		{
			name: "a file occupies a folder's name",
			block: func(t *testing.T, root string, _ *Dest) {
				require.NoError(t, os.WriteFile(filepath.Join(root, "newdir"), []byte("mine"), 0o644))
			},
			wantErr: `folder "newdir"`,
		},
		{
			name: "the last rename fails",
			block: func(t *testing.T, _ string, d *Dest) {
				d.beforePlace = func(name string) error {
					if name == "z.txt" {
						return errors.New("no space left on device")
					}
					return nil
				}
			},
			wantErr: "no space left on device",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range map[string]string{"a.txt": "old a", "z.txt": "old z", "sub/b.txt": "old b"} {
				p := filepath.Join(root, filepath.FromSlash(name))
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
			}
			require.NoError(t, os.Symlink("a.txt", filepath.Join(root, "link")))
			d, err := Open(root)
			require.NoError(t, err)
			defer d.Abort()
			tt.block(t, root, d)
			before := withoutStaging(tree(t, root))

			for name, body := range map[string]string{
				"a.txt": "new a", "m.txt": "new m", "new.txt": "new", "newdir/c.txt": "new c",
				"sub/b.txt": "new b", "sub/deep/d.txt": "new d", "z.txt": "new z", "link": "not a link now",
			} {
				require.NoError(t, d.WriteFile(name, 0o644, strings.NewReader(body)), "WriteFile(%s)", name)
			}
			err = d.Commit()
			require.ErrorContains(t, err, tt.wantErr, "Commit")
			require.Equal(t, before, tree(t, root), "target after a failed Commit (staging folder included)")
		})
	}
}

// withoutStaging drops the staging folder from a tree listing.
func withoutStaging(tree map[string]string) map[string]string {
	for name := range tree {
		if IsStaging(strings.SplitN(name, "/", 2)[0]) {
			delete(tree, name)
		}
	}
	return tree
}

// A run killed before it cleaned up leaves its staging folder; the next
// Open of that target removes it, unless its writer is still running.
func TestOpenRemovesAbandonedStagingFolders(t *testing.T) {
	old := time.Now().Add(-2 * AbandonedAfter)
	type folder struct {
		name    string
		mtime   time.Time
		removed bool
		linux   bool // the writer can only be checked on Linux
	}
	folders := []folder{
		{name: fmt.Sprintf("%s%d-%d-dead", stagingPrefix, os.Getpid(), selfStart+1), mtime: time.Now(), removed: true, linux: true},
		{name: fmt.Sprintf("%s%d-%d-live", stagingPrefix, os.Getpid(), selfStart), mtime: old, removed: false, linux: true},
		{name: stagingPrefix + "123456789", mtime: old, removed: true},
		{name: stagingPrefix + "987654321", mtime: time.Now(), removed: false},
	}
	root := t.TempDir()
	for _, f := range folders {
		p := filepath.Join(root, f.name)
		require.NoError(t, os.MkdirAll(filepath.Join(p, "new"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(p, "new", "weights.bin"), make([]byte, 1024), 0o644))
		require.NoError(t, os.Chtimes(p, f.mtime, f.mtime))
	}
	d, err := Open(root)
	require.NoError(t, err)
	require.NoError(t, d.Abort())
	for _, f := range folders {
		if f.linux && selfStart == 0 {
			continue
		}
		_, err := os.Stat(filepath.Join(root, f.name))
		if f.removed {
			require.ErrorIs(t, err, os.ErrNotExist, "abandoned %s after Open", f.name)
		} else {
			require.NoError(t, err, "%s, whose writer may still run, after Open", f.name)
		}
	}
}

// A staging folder's name says who writes it.
func TestStagingNameCarriesTheWriter(t *testing.T) {
	d, err := Open(t.TempDir())
	require.NoError(t, err)
	defer d.Abort()
	want := fmt.Sprintf("%s%d-%d-", stagingPrefix, os.Getpid(), selfStart)
	require.True(t, strings.HasPrefix(d.staging, want), "staging folder %q; want it to start with %q", d.staging, want)
	require.False(t, abandoned(d.staging, time.Now().Add(-2*AbandonedAfter), time.Now()) && selfStart != 0,
		"this run's own staging folder is judged abandoned")
}
