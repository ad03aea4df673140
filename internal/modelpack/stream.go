package modelpack

import (
	"context"
	"errors"
	"io"
	"os"
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
	if s, ok := dst.(oci.BlobStreamer); ok {
		o.Streaming = func(path string, size int64) func(v1.Hash, error) { return u.stream(s, path, size) }
	}
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
	if !u.mark(desc.Digest, desc.Size) {
		return
	}
	u.g.Go(func() error {
		if err := u.acquire(); err != nil {
			return err
		}
		defer u.release()
		return u.send(desc)
	})
}

// mark records that the blob h is on its way, and reports whether it was not
// already.
func (u *blobUploader) mark(h v1.Hash, size int64) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seen[h] {
		return false
	}
	u.seen[h] = true
	u.bytes += size
	if u.total != nil {
		u.total(u.bytes)
	}
	return true
}

// acquire waits for an upload slot; release gives it back.
func (u *blobUploader) acquire() error {
	select {
	case u.slots <- struct{}{}:
		return nil
	case <-u.ctx.Done():
		return u.ctx.Err()
	}
}

func (u *blobUploader) release() { <-u.slots }

// send uploads desc's blob from the staging store. The store's error names
// the registry and the blob.
func (u *blobUploader) send(desc v1.Descriptor) error {
	return u.dst.WriteBlob(u.ctx, desc, func() (io.ReadCloser, error) { return u.local.UploadBlob(desc.Digest) })
}

// stream starts uploading the file at path, size bytes, before its digest is
// known: the registry receives it while the pack copies and hashes it, and
// the upload is committed once the returned function is told the digest.
// The blob is then marked seen, so start does not send it again. If the
// stream fails for any reason but the pack's end, the blob goes the usual
// way (HEAD, mount, upload from the staged copy, with retries).
func (u *blobUploader) stream(dst oci.BlobStreamer, path string, size int64) func(v1.Hash, error) {
	var h v1.Hash
	var herr error
	hashed := make(chan struct{}) // closed once h and herr are set
	digest := func() (v1.Hash, error) {
		select {
		case <-hashed:
			return h, herr
		case <-u.ctx.Done():
			return v1.Hash{}, u.ctx.Err()
		}
	}
	u.g.Go(func() error {
		if err := u.acquire(); err != nil {
			return err
		}
		defer u.release()
		f, err := os.Open(path)
		if err == nil {
			err = dst.StreamBlob(u.ctx, size, f, digest)
			f.Close()
		}
		<-hashed
		if err == nil || herr != nil || u.ctx.Err() != nil {
			return nil // sent; or the pack failed or stopped, and reports why
		}
		return u.send(v1.Descriptor{Digest: h, Size: size})
	})
	return func(d v1.Hash, err error) {
		h, herr = d, err
		if err == nil {
			u.mark(d, size)
		}
		close(hashed)
	}
}

// wait returns once every queued upload has ended, with the first error.
func (u *blobUploader) wait() error { return u.g.Wait() }
