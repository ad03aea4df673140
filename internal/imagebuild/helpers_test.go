package imagebuild_test

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// epoch is the SOURCE_DATE_EPOCH of every build in these tests.
var epoch = time.Unix(1700000000, 0)

// model packs dir into a fresh layout and opens the artifact.
func model(t *testing.T, dir, name string) (*modelpack.Artifact, oci.Store) {
	t.Helper()
	store := oci.OpenLayout(filepath.Join(t.TempDir(), "model"))
	packed, err := modelpack.Pack(t.Context(), store, modelpack.PackOptions{Dir: dir, Name: name, Version: "1.0.0", Epoch: epoch})
	require.NoError(t, err, "packing %s", dir)
	a, err := modelpack.Open(t.Context(), store, packed.Descriptor.Digest.String())
	require.NoError(t, err)
	return a, store
}

// iris is the example model, packed.
func iris(t *testing.T) (*modelpack.Artifact, oci.Store) {
	t.Helper()
	return model(t, "../../testdata/iris", "")
}

// baseImage is a small random image for platform p, with OCI media types
// and an env, entrypoint and cmd to build on.
func baseImage(t *testing.T, p v1.Platform) v1.Image {
	t.Helper()
	img, err := random.Image(512, 2)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Config.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	cfg.Config.Entrypoint = []string{"/bin/base"}
	cfg.Config.Cmd = []string{"--serve"}
	img, err = mutate.ConfigFile(img, cfg)
	require.NoError(t, err)
	return mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
}

// baseIndex is an OCI index of baseImage for each platform.
func baseIndex(t *testing.T, platforms ...v1.Platform) v1.ImageIndex {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: baseImage(t, p), Descriptor: v1.Descriptor{Platform: &p}})
	}
	return idx
}

var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
)

// registryStore opens repository (acme/…) in a fresh in-process registry.
func registryStore(t *testing.T, host, repository string) oci.Store {
	t.Helper()
	ref, err := oci.ParseRef(host+"/"+repository, false)
	require.NoError(t, err)
	return oci.Open(ref)
}

// pushBase writes img or idx to store under tag.
func pushBase(t *testing.T, store oci.Store, base any) {
	t.Helper()
	switch b := base.(type) {
	case v1.ImageIndex:
		require.NoError(t, store.WriteIndex(t.Context(), b, "base"))
	case v1.Image:
		require.NoError(t, store.WriteImage(t.Context(), b, "base"))
	}
}

// options are the options of a build of a onto base, into dst.
func options(a *modelpack.Artifact, modelStore, base, dst oci.Store) imagebuild.Options {
	return imagebuild.Options{
		Base: base, BaseID: "base", BaseName: "example.com/acme/base:base",
		Model: a, ModelStore: modelStore, Dest: dst, Tags: []string{"latest"},
		Epoch: epoch, SBOM: true,
	}
}

// setup is a build of the example onto a random image in an in-process
// registry, into another repository of it.
func setup(t *testing.T) (imagebuild.Options, string) {
	t.Helper()
	host := registrytest.InProcess(t)
	a, ms := iris(t)
	base := registryStore(t, host, "acme/base")
	pushBase(t, base, baseImage(t, amd64))
	return options(a, ms, base, registryStore(t, host, "acme/iris-server")), host
}

// filesystem flattens img into path -> sha256 of every regular file, and
// path -> link target of every symlink.
func filesystem(t *testing.T, img v1.Image) (files, links map[string]string) {
	t.Helper()
	files, links = map[string]string{}, map[string]string{}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, links
		}
		require.NoError(t, err)
		switch hdr.Typeflag {
		case tar.TypeReg:
			h := sha256.New()
			_, err := io.Copy(h, tr)
			require.NoError(t, err)
			files["/"+hdr.Name] = hex.EncodeToString(h.Sum(nil))
		case tar.TypeSymlink:
			links["/"+hdr.Name] = hdr.Linkname
		}
	}
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// kindOf is the fault kind of err: usage, denied, runtime.
func kindOf(err error) string { return fault.KindOf(err).String() }
