package modelpack_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// benchBytes is how much each pack benchmark packs: enough that reading,
// hashing and writing dominate, little enough that `go test -bench .` stays
// quick. scripts/bench.sh measures the 1 GiB case end to end.
const benchBytes = 64 << 20

// benchModel writes a model folder whose payload is benchBytes of random
// bytes split into files of fileSize, named by name(i), plus a config and a
// model card. Every mtime is a minute in the past: the hash cache does not
// trust a file modified within 2 s of being hashed (git's racy-clean rule),
// so a freshly written folder would never be served from it.
func benchModel(b *testing.B, fileSize int, name func(i int) string) string {
	b.Helper()
	dir := b.TempDir()
	rng := rand.NewChaCha8([32]byte{'s', 'l', 'i', 'p', 'w', 'a', 'y'})
	buf := make([]byte, fileSize)
	files := map[string][]byte{
		"config.json": []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`),
		"README.md":   []byte("---\nname: bench-model\nlicense: apache-2.0\n---\n# Bench model\n"),
	}
	for i := range benchBytes / fileSize {
		_, _ = rng.Read(buf)
		files[name(i)] = append([]byte(nil), buf...)
	}
	past := time.Now().Add(-time.Minute)
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(p, past, past); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// shards names safetensors shards: each one becomes a raw layer, and the
// shards are read in parallel.
func shards(n int) func(int) string {
	return func(i int) string { return fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, n) }
}

// BenchmarkPack packs a 64 MiB model into a fresh local store with no hash
// cache, the first pack of a folder: every byte is read, hashed and written.
//
//   - shards: two 32 MiB weight files, raw layers built in parallel
//   - one-file: one 64 MiB weight file, the common single-checkpoint model
//   - tar: 64 files of 1 MiB under data/, streamed into one dataset tar
func BenchmarkPack(b *testing.B) {
	for _, bc := range []struct {
		name     string
		fileSize int
		files    func(int) string
	}{
		{name: "shards", fileSize: benchBytes / 2, files: shards(2)},
		{name: "one-file", fileSize: benchBytes, files: shards(1)},
		{name: "tar", fileSize: 1 << 20, files: func(i int) string { return fmt.Sprintf("data/part-%03d.csv", i) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := benchModel(b, bc.fileSize, bc.files)
			storeDir := filepath.Join(b.TempDir(), "store")
			ctx := context.Background()
			b.SetBytes(benchBytes)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if err := os.RemoveAll(storeDir); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				p, err := modelpack.Pack(ctx, oci.OpenLayout(storeDir), modelpack.PackOptions{Dir: dir, Version: "1.0.0"})
				if err != nil {
					b.Fatalf("Pack(%s): %v", dir, err)
				}
				if p.BytesRead < benchBytes {
					b.Fatalf("Pack(%s) read %d bytes, want at least %d: it should read every file", dir, p.BytesRead, benchBytes)
				}
			}
		})
	}
}

// BenchmarkRepackUnchanged packs an unchanged folder again into the same
// store with a warm hash cache, as `slipway pack` does: load the cache from
// disk, stat every file, reuse the digests, write the manifest and tag it.
// No file content should be read.
func BenchmarkRepackUnchanged(b *testing.B) {
	dir := benchModel(b, benchBytes/2, shards(2))
	store := oci.OpenLayout(filepath.Join(b.TempDir(), "store"))
	cachePath := b.TempDir()
	ctx := context.Background()
	repack := func() *modelpack.Packed {
		p, err := modelpack.Pack(ctx, store, modelpack.PackOptions{Dir: dir, Version: "1.0.0", Cache: modelpack.OpenHashCache(cachePath)})
		if err != nil {
			b.Fatalf("Pack(%s): %v", dir, err)
		}
		if _, err := modelpack.Upload(ctx, store, store, p.Descriptor, "1.0.0"); err != nil {
			b.Fatalf("Upload(%s): %v", p.Descriptor.Digest, err)
		}
		return p
	}
	first := repack()
	b.ReportAllocs()
	for b.Loop() {
		p := repack()
		if p.BytesRead != 0 || p.Descriptor.Digest != first.Descriptor.Digest {
			b.Fatalf("re-pack read %d bytes and gave %s; want 0 bytes and the first pack's %s",
				p.BytesRead, p.Descriptor.Digest, first.Descriptor.Digest)
		}
	}
}

// BenchmarkRepackBesideLargeFolder is BenchmarkRepackUnchanged for a small
// model when the same hash cache has also seen a 50,000-file folder: the
// unchanged re-pack should cost what it costs alone, whatever else was
// packed on the machine.
func BenchmarkRepackBesideLargeFolder(b *testing.B) {
	cacheDir := b.TempDir()
	ctx := context.Background()
	pack := func(dir string, store oci.LayoutStore) *modelpack.Packed {
		p, err := modelpack.Pack(ctx, store, modelpack.PackOptions{Dir: dir, Version: "1.0.0", Cache: modelpack.OpenHashCache(cacheDir)})
		if err != nil {
			b.Fatalf("Pack(%s): %v", dir, err)
		}
		return p
	}
	large := smallFilesFolder(b, 50_000)
	pack(large, oci.OpenLayout(filepath.Join(b.TempDir(), "large")))

	small := smallFilesFolder(b, 3)
	store := oci.OpenLayout(filepath.Join(b.TempDir(), "small"))
	first := pack(small, store)
	b.ReportAllocs()
	for b.Loop() {
		p := pack(small, store)
		if p.BytesRead != 0 || p.Descriptor.Digest != first.Descriptor.Digest {
			b.Fatalf("re-pack read %d bytes and gave %s; want 0 bytes and the first pack's %s",
				p.BytesRead, p.Descriptor.Digest, first.Descriptor.Digest)
		}
	}
}

// smallFilesFolder writes a model folder of n small files (a weight file and
// n-1 files of 64 bytes under data/), back-dated out of the racy window.
func smallFilesFolder(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	past := time.Now().Add(-time.Minute)
	write := func(rel string, content []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(p, past, past); err != nil {
			b.Fatal(err)
		}
	}
	write("model.safetensors", make([]byte, 1<<20))
	for i := range n - 1 {
		write(fmt.Sprintf("data/d%03d/part-%05d.csv", i/1000, i), fmt.Appendf(nil, "%064d", i))
	}
	return dir
}
