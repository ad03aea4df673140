package imagebuild_test

import (
	"archive/tar"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestWeightLayer reads the weight's layer back as the registry stores it:
// its digest is the sha256 of the stream, and the tar holds the one file,
// with fixed metadata, at the model folder.
func TestWeightLayer(t *testing.T) {
	o, _ := setup(t)
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	weight := res.Layers[0]
	require.Equal(t, "model weights model.safetensors", weight.What)

	rc, err := o.Dest.Blob(t.Context(), weight.Digest)
	require.NoError(t, err)
	defer rc.Close()
	h := sha256.New()
	tr := tar.NewReader(io.TeeReader(rc, h))
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, hdr.Name)
		assert.Equal(t, epoch.Unix(), hdr.ModTime.Unix(), "mtime of %s", hdr.Name)
		assert.Zero(t, hdr.Uid+hdr.Gid, "uid and gid of %s", hdr.Name)
		assert.Empty(t, hdr.Uname+hdr.Gname, "user names of %s", hdr.Name)
		if hdr.Typeflag == tar.TypeReg {
			assert.Equal(t, int64(0o644), hdr.Mode)
			fh := sha256.New()
			_, err := io.Copy(fh, tr)
			require.NoError(t, err)
			assert.Equal(t, sha256File(t, "../../testdata/iris/model.safetensors"), hex.EncodeToString(fh.Sum(nil)))
		}
	}
	_, err = io.Copy(h, rc) // the end-of-archive blocks
	require.NoError(t, err)
	assert.Equal(t, []string{"models/", "models/iris-classifier/", "models/iris-classifier/model.safetensors"}, names)
	assert.Equal(t, weight.Digest.Hex, hex.EncodeToString(h.Sum(nil)), "the layer digest is the sha256 of the bytes stored")
	assert.Equal(t, o.Model.Layers[0].Descriptor.Digest.Hex, weight.Files[0].SHA256, "the file's sha256 is the model blob's digest")
}

// TestBuildStreamsWeights builds a 64 MiB weight into a layout and checks
// that the whole build allocated far less than the weight: no blob was
// ever held in memory.
func TestBuildStreamsWeights(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.safetensors"))
	require.NoError(t, err)
	_, err = io.CopyN(f, rand.Reader, 64<<20)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	a, ms := model(t, dir, "big")
	o := options(a, ms, nil, oci.OpenLayout(filepath.Join(t.TempDir(), "image")))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := imagebuild.Build(t.Context(), o)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("building a 64 MiB weight allocated %d KiB in all", allocated>>10)
	assert.Less(t, allocated, uint64(24<<20), "a build of a 64 MiB weight allocated %d bytes: something buffers a blob", allocated)
	assert.Greater(t, res.Layers[0].Size, int64(64<<20))
}

// TestRebuildSendsNoModelBytes rebuilds with another env through a
// counting proxy: only the new config and manifest go up.
func TestRebuildSendsNoModelBytes(t *testing.T) {
	host := registrytest.InProcess(t)
	proxy, stats := registrytest.Counting(t, host)
	a, ms := iris(t)
	base := registryStore(t, proxy, "acme/base")
	pushBase(t, base, baseImage(t, amd64))
	o := options(a, ms, base, registryStore(t, proxy, "acme/iris-server"))
	o.SBOM = false
	first, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	for _, l := range first.Layers {
		assert.Equal(t, 1, stats.Count("PUT", l.Digest.Hex), "uploads of layer %s (%s) by the first build", l.Digest, l.What)
	}

	stats.Reset()
	o.Config.Env = []string{"LOG_LEVEL=debug"}
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	img, err := o.Dest.Image(t.Context(), res.Descriptor.Digest)
	require.NoError(t, err)
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	assert.Equal(t, int64(len(cfg))+res.Descriptor.Size, stats.BytesUploaded(), "bytes uploaded by the rebuild: want the config and the manifest only; requests:\n%v", stats.Requests())
	for _, l := range res.Layers {
		assert.Zero(t, stats.Count("PUT", l.Digest.Hex), "uploads of layer %s (%s) by the rebuild", l.Digest, l.What)
	}
}

// TestBuildRefusesCorruptModel changes a byte of the weight's blob in the
// model's store: hashing refuses it rather than put other bytes in the image.
func TestBuildRefusesCorruptModel(t *testing.T) {
	o, _ := setup(t)
	d := o.Model.Layers[0].Descriptor
	blob := filepath.Join(o.ModelStore.Ref().Layout, "blobs", d.Digest.Algorithm, d.Digest.Hex)
	b, err := os.ReadFile(blob)
	require.NoError(t, err)
	b[0] ^= 0xff
	require.NoError(t, os.WriteFile(blob, b, 0o644))
	_, err = imagebuild.Build(t.Context(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing corrupt or substituted content")
}
