package oci_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// benchLayer is the size of each of the two layers the push benchmarks send.
const benchLayer = 32 << 20

// benchArtifact writes a ModelPack-shaped artifact (two raw weight layers of
// random bytes, a small config) into a fresh local layout, tagged 1.0.0.
func benchArtifact(b *testing.B) (oci.LayoutStore, v1.Descriptor, int64) {
	b.Helper()
	store := oci.OpenLayout(filepath.Join(b.TempDir(), "layout"))
	rng := rand.NewChaCha8([32]byte{'p', 'u', 's', 'h'})
	buf := make([]byte, benchLayer)
	var layers []string
	total := int64(0)
	for range 2 {
		_, _ = rng.Read(buf)
		h, n, err := store.Ingest(bytes.NewReader(buf))
		if err != nil {
			b.Fatal(err)
		}
		layers = append(layers, fmt.Sprintf(`{"mediaType":"application/vnd.cncf.model.weight.v1.raw","digest":%q,"size":%d}`, h, n))
		total += n
	}
	cfg, cfgSize, err := store.Ingest(bytes.NewReader([]byte(`{"descriptor":{"name":"bench"},"modelfs":{"type":"layers","diffIds":[]}}`)))
	if err != nil {
		b.Fatal(err)
	}
	raw := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"artifactType":"application/vnd.cncf.model.manifest.v1+json",`+
		`"config":{"mediaType":"application/vnd.cncf.model.config.v1+json","digest":%q,"size":%d},"layers":[%s,%s]}`,
		types.OCIManifestSchema1, cfg, cfgSize, layers[0], layers[1])
	desc, err := store.WriteManifest(context.Background(), []byte(raw), types.OCIManifestSchema1, "application/vnd.cncf.model.manifest.v1+json", "1.0.0")
	if err != nil {
		b.Fatal(err)
	}
	return store, desc, total + cfgSize + desc.Size
}

// discardBlobs is a registry blob store that verifies and drops what it is
// sent and never has a blob, so every push uploads every byte without the
// registry holding gigabytes in memory.
type discardBlobs struct{}

func (discardBlobs) Get(context.Context, string, v1.Hash) (io.ReadCloser, error) {
	return nil, registry.ErrNotFound
}

func (discardBlobs) Stat(context.Context, string, v1.Hash) (int64, error) {
	return 0, registry.ErrNotFound
}

func (discardBlobs) Put(_ context.Context, _ string, _ v1.Hash, rc io.ReadCloser) error {
	_, err := io.Copy(io.Discard, rc) // the registry's reader checks size and digest at EOF
	return errors.Join(err, rc.Close())
}

func repo(b *testing.B, host, path string) oci.Store {
	b.Helper()
	ref, err := oci.ParseRef(host+"/"+path, false)
	if err != nil {
		b.Fatal(err)
	}
	return oci.Open(ref)
}

// BenchmarkPush copies a 64 MiB artifact from a local layout to
// go-containerregistry's in-process registry with oci.Copy, as `slipway push`
// does. The registry runs in the same process and buffers each upload, so
// ns/op and B/op include its work: read them as a trend, and scripts/bench.sh
// for a real registry.
//
//   - new: a repository without the blobs, so every byte is sent
//   - unchanged: a repository that already has the artifact (a re-run push)
func BenchmarkPush(b *testing.B) {
	ctx := context.Background()
	src, desc, total := benchArtifact(b)

	b.Run("new", func(b *testing.B) {
		host := registrytest.InProcess(b, registrytest.WithRegistryOptions(registry.WithBlobHandler(discardBlobs{})))
		b.SetBytes(total)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			dst := repo(b, host, fmt.Sprintf("bench/new-%d", i))
			if err := oci.Copy(ctx, src, dst, desc, "1.0.0"); err != nil {
				b.Fatalf("Copy(%s, %s): %v", desc.Digest, dst.Ref(), err)
			}
		}
	})

	b.Run("unchanged", func(b *testing.B) {
		dst := repo(b, registrytest.InProcess(b), "bench/unchanged")
		if err := oci.Copy(ctx, src, dst, desc, "1.0.0"); err != nil {
			b.Fatalf("Copy(%s, %s): %v", desc.Digest, dst.Ref(), err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := oci.Copy(ctx, src, dst, desc, "1.0.0"); err != nil {
				b.Fatalf("Copy(%s, %s) again: %v", desc.Digest, dst.Ref(), err)
			}
		}
	})
}
