package oci

import (
	"context"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BlobWriter is a store that takes blobs one at a time, ahead of the
// manifest that names them, so that a blob can travel while the next one
// is still being built.
type BlobWriter interface {
	// WriteBlob stores the blob desc names unless the store holds it
	// already (a registry is asked first, with HEAD, and offered a mount
	// from the WithMountFrom repositories). open reads the blob; it may be
	// called again when an upload is retried, and never holds it in memory.
	WriteBlob(ctx context.Context, desc v1.Descriptor, open func() (io.ReadCloser, error)) error
}

var _ BlobWriter = (*remoteStore)(nil)

// WriteBlob uploads one blob as go-containerregistry's remote.WriteLayer does:
// HEAD first, then a mount when a repository to mount from is known, then
// the bytes.
func (s *remoteStore) WriteBlob(ctx context.Context, desc v1.Descriptor, open func() (io.ReadCloser, error)) error {
	l, err := partial.CompressedToLayer(&blob{desc: desc, open: open})
	if err != nil {
		return err
	}
	var layer v1.Layer = l
	if from, ok := mountSource(s.repo, s.mountFrom); ok {
		layer = &remote.MountableLayer{Layer: l, Reference: from.Digest(desc.Digest.String())}
	}
	what := s.repo.Digest(desc.Digest.String()).String()
	p, err := s.blobPusher()
	if err != nil {
		return s.classify(err, what)
	}
	return s.classify(p.Upload(ctx, s.repo, layer), what)
}

// blobPusher is the pusher that WriteBlob shares between blobs, so that the
// registry's auth handshake happens once, not once a blob.
func (s *remoteStore) blobPusher() (*remote.Pusher, error) {
	s.pusherOnce.Do(func() { s.pusher, s.pusherErr = remote.NewPusher(s.opts...) })
	return s.pusher, s.pusherErr
}

// blob is a partial.CompressedLayer read from elsewhere (a staging layout).
type blob struct {
	desc v1.Descriptor
	open func() (io.ReadCloser, error)
}

func (b *blob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *blob) Size() (int64, error)                { return b.desc.Size, nil }
func (b *blob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b *blob) Compressed() (io.ReadCloser, error)  { return b.open() }
