package modelpack

import (
	"context"
	"errors"
	"io"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/slipwayhq/slipway/internal/oci"
)

// uploadJobs is how many blobs travel to the registry at once while the
// pack goes on.
const uploadJobs = 4

// PackStreaming is Pack into the staging layout local with each blob also
// uploaded to dst as soon as it is in local: a layer travels while the next
// one is read and hashed. Uploads read the blob back from local (never
// from memory), skip blobs dst holds already and mount what they can. The
// manifest is written to local only: Upload sends it, and tags it, once
// PackStreaming has returned, so dst never names an incomplete artifact.
// pushTotal, when set, is told the bytes handed to the uploads so far.
//
// An upload that fails stops the pack and is the error returned; the blobs
// already in local and in dst stay there, so a re-run sends only the rest.
func PackStreaming(ctx context.Context, local oci.LayoutStore, dst oci.BlobWriter, o PackOptions, pushTotal func(int64)) (*Packed, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u := newBlobUploader(ctx, local, dst, pushTotal)
	o.Built = u.start
	packed, perr := Pack(u.ctx, local, o)
	if perr != nil {
		cancel() // the pack failed: stop the uploads too
	}
	uerr := u.wait()
	switch {
	case perr != nil && !errors.Is(perr, context.Canceled):
		return nil, perr
	case uerr != nil:
		return nil, uerr // the pack stopped because an upload failed
	case perr != nil:
		return nil, perr
	}
	return packed, nil
}

// blobUploader uploads blobs of a staging layout in the background, at
// most uploadJobs at once, each digest once.
type blobUploader struct {
	ctx   context.Context
	g     *errgroup.Group
	local oci.LayoutStore
	dst   oci.BlobWriter
	slots chan struct{}
	total func(int64)

	mu    sync.Mutex
	seen  map[v1.Hash]bool
	bytes int64
}

func newBlobUploader(ctx context.Context, local oci.LayoutStore, dst oci.BlobWriter, total func(int64)) *blobUploader {
	g, gctx := errgroup.WithContext(ctx)
	return &blobUploader{
		ctx: gctx, g: g, local: local, dst: dst, total: total,
		slots: make(chan struct{}, uploadJobs), seen: map[v1.Hash]bool{},
	}
}

// start queues the upload of desc and returns at once: the layer builder
// that calls it goes on with the next layer.
func (u *blobUploader) start(desc v1.Descriptor) {
	u.mu.Lock()
	if u.seen[desc.Digest] {
		u.mu.Unlock()
		return
	}
	u.seen[desc.Digest] = true
	u.bytes += desc.Size
	if u.total != nil {
		u.total(u.bytes)
	}
	u.mu.Unlock()
	u.g.Go(func() error {
		select {
		case u.slots <- struct{}{}:
		case <-u.ctx.Done():
			return u.ctx.Err()
		}
		defer func() { <-u.slots }()
		// The store's error names the registry and the blob.
		return u.dst.WriteBlob(u.ctx, desc, func() (io.ReadCloser, error) { return u.local.UploadBlob(desc.Digest) })
	})
}

// wait returns once every queued upload has ended, with the first error.
func (u *blobUploader) wait() error { return u.g.Wait() }
