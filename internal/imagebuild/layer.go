package imagebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// source is the content of one layer: a deterministic tar, generated anew
// each time it is written, streamed from its origin (a model blob, local
// files) and never held whole.
type source interface {
	// key names exactly the bytes write produces, for the layer cache; ""
	// when they cannot be named without reading them (local files).
	key() string
	// what says what the layer holds, for its history entry.
	what() string
	// size is about how many bytes write reads from the origin (for progress).
	size() int64
	// write writes the tar to w.
	write(ctx context.Context, w io.Writer, p pass) error
}

// pass says what a write of a source is for.
type pass struct {
	// rec, when set, is told every file and its checksums (the hashing pass).
	rec *recorder
	// verify checks model blobs against their digests as they stream. The
	// hashing pass must, unless this process has just checked them (a folder
	// it packed); a write to a store need not, as every store checks the
	// digest of the layer it is given, and a changed source changes it.
	verify bool
}

// Layer is one layer the build added.
type Layer struct {
	Digest v1.Hash `json:"digest"`
	Size   int64   `json:"size"`
	// What the layer holds, as its history entry says.
	What string `json:"what"`
	// Cached is true when its digest came from the layer cache.
	Cached bool   `json:"cached"`
	Files  []File `json:"files"`
}

// streamLayer is a v1.Layer whose bytes are generated from its source on
// each read. The tar is uncompressed, so its digest is also its diffID.
// Model weights barely compress, and an uncompressed layer keeps the digest a
// function of the model's bytes alone, not of a compressor's version.
type streamLayer struct {
	ctx  context.Context
	src  source
	info Layer
}

var _ v1.Layer = (*streamLayer)(nil)

func (l *streamLayer) Digest() (v1.Hash, error)            { return l.info.Digest, nil }
func (l *streamLayer) DiffID() (v1.Hash, error)            { return l.info.Digest, nil }
func (l *streamLayer) Size() (int64, error)                { return l.info.Size, nil }
func (l *streamLayer) MediaType() (types.MediaType, error) { return types.OCIUncompressedLayer, nil }
func (l *streamLayer) Compressed() (io.ReadCloser, error)  { return l.open(), nil }
func (l *streamLayer) Uncompressed() (io.ReadCloser, error) {
	return l.open(), nil
}

// open starts generating the tar. Closing the reader early stops the
// generator: its next write fails and it returns.
func (l *streamLayer) open() io.ReadCloser {
	return generate(l.ctx, l.src, pass{})
}

func generate(ctx context.Context, src source, p pass) *io.PipeReader {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(src.write(ctx, pw, p)) }()
	return pr
}

// hashLayer computes a source's digest, size and files: from the cache when
// its key is there, else by streaming the tar through sha256 once. The tar
// is generated in one goroutine and hashed in another, so reading the
// source, checking it and hashing the output overlap on two cores.
func hashLayer(ctx context.Context, src source, cache *layerCache, verify bool, progress func(int64)) (*streamLayer, error) {
	key := src.key()
	if e, ok := cache.get(key); ok {
		progress(src.size())
		return &streamLayer{ctx: ctx, src: src, info: Layer{Digest: e.Digest, Size: e.Size, What: src.what(), Cached: true, Files: e.Files}}, nil
	}
	rec := &recorder{}
	pr := generate(ctx, src, pass{rec: rec, verify: verify})
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(h, progressWriter(progress)), pr, make([]byte, 1<<20))
	pr.CloseWithError(err)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.what(), err)
	}
	info := Layer{Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, Size: n, What: src.what(), Files: rec.files}
	cache.put(key, cacheEntry{Digest: info.Digest, Size: info.Size, Files: info.Files})
	return &streamLayer{ctx: ctx, src: src, info: info}, nil
}

type progressWriter func(int64)

func (p progressWriter) Write(b []byte) (int, error) {
	p(int64(len(b)))
	return len(b), nil
}

// ctxReader stops a long read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
