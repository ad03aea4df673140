package modelpack

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/extract"
)

// snapshot reads every file, folder and link under dir, byte for byte.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			got[rel] = "link " + target
			return err
		case d.IsDir():
			got[rel] = "dir " + fi.Mode().String()
		default:
			b, err := os.ReadFile(p)
			got[rel] = fi.Mode().String() + " " + string(b)
			return err
		}
		return nil
	}))
	return got
}

// A pull that fails while placing files (here a folder stands where the
// weights go, after README.md and config.json were placed) leaves the
// target exactly as it was, not half old and half new.
func TestPullFailingWhilePlacingLeavesTheTargetAsItWas(t *testing.T) {
	ctx := context.Background()
	req := packReq(t, writeTree(t, sample), layoutTo(t))
	packed, err := PackModel(ctx, req)
	require.NoError(t, err)

	old := map[string]string{}
	for p := range sample {
		old[p] = "old " + p
	}
	out := writeTree(t, old)
	require.NoError(t, os.Remove(filepath.Join(out, "model.safetensors")))
	require.NoError(t, os.MkdirAll(filepath.Join(out, "model.safetensors", "shard"), 0o755))
	before := snapshot(t, out)

	_, err = PullModel(ctx, PullRequest{Ref: packed.Reference, Dir: out})
	require.ErrorContains(t, err, "model.safetensors", "PullModel into a target whose weights name is a folder")
	assert.Equal(t, before, snapshot(t, out), "target after a failed pull")
}

// Staging folders are never the model's: verify removes those a killed pull
// abandoned and does not list those of a pull still running as extra.
func TestVerifyIgnoresPullStagingFolders(t *testing.T) {
	ctx := context.Background()
	dir := writeTree(t, sample)
	req := packReq(t, dir, layoutTo(t))
	_, err := PackModel(ctx, req)
	require.NoError(t, err)

	running, err := extract.Open(dir) // a pull in progress into the same folder
	require.NoError(t, err)
	defer running.Abort()
	require.NoError(t, running.WriteFile("model.safetensors", 0o644, strings.NewReader("new weights")))

	abandoned := filepath.Join(dir, ".slipway-pull-1234567")
	require.NoError(t, os.MkdirAll(filepath.Join(abandoned, "new"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(abandoned, "new", "model.safetensors"), []byte("half"), 0o644))
	long := time.Now().Add(-2 * extract.AbandonedAfter)
	require.NoError(t, os.Chtimes(abandoned, long, long))

	res, err := VerifyModel(VerifyRequest{Dir: dir, Lock: req.Lock})
	require.NoError(t, err)
	assert.True(t, res.OK, "verify with staging folders in the target: %v", res.Changes)
	assert.NoDirExists(t, abandoned, "abandoned staging folder after verify")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	live := 0
	for _, e := range entries {
		if extract.IsStaging(e.Name()) {
			live++
		}
	}
	assert.Equal(t, 1, live, "staging folders of the running pull kept")
}
