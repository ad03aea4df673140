package modelpack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
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

	_, err = PullModel(ctx, PullRequest{Ref: packed.Reference, Dir: out, Force: true})
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

// gzipTar is a gzip'd tar holding one file of size zero bytes.
func gzipTar(t *testing.T, name string, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}))
	_, err := io.CopyN(tw, zeros{}, size)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// A compressed layer may expand to 100 times its size (at least 64 MiB) and
// never past --max-extract-size: a 70 KB layer of 70 MiB of zeros is a bomb
// (the old 1 GiB floor let it through), and the cap holds a genuine layer
// unless raised.
func TestPullRefusesLayersThatExpandTooFar(t *testing.T) {
	tests := []struct {
		name    string
		size    int64 // of the file inside
		maxSize int64
		wantErr string
	}{
		{name: "past the floor", size: extract.ExpansionFloor + 6<<20, wantErr: "expands past 64 MiB"},
		{name: "past a lowered cap", size: 3 << 20, maxSize: 2 << 20, wantErr: "expands past 2 MiB"},
		{name: "within the limits", size: 3 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob := gzipTar(t, "weights.bin", tt.size)
			l := Layer{Info: LayerInfo{Compression: "gzip"}, Descriptor: v1.Descriptor{Size: int64(len(blob)), Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}}}
			dir := t.TempDir()
			dest, err := extract.Open(dir)
			require.NoError(t, err)
			defer dest.Abort()
			_, err = writeLayer(dest, l, nil, bytes.NewReader(blob), tt.maxSize)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NoError(t, dest.Commit())
				fi, err := os.Stat(filepath.Join(dir, "weights.bin"))
				require.NoError(t, err)
				assert.Equal(t, tt.size, fi.Size())
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			require.NoError(t, dest.Abort())
			assert.Empty(t, snapshot(t, dir), "target after a refused layer")
		})
	}
}
