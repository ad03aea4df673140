package modelpack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
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
	return u.pack(local, o, cancel)
}

// PackDirect is PackStreaming without the staged copy of the large files:
// each file of at least StreamMinSize bytes packed as a layer of its own is
// read once from the model folder, hashed on its way to dst, and never
// written locally (the hash cache's digest for an unchanged one is checked
// with HEAD and the file read only when dst lacks it). local stages the
// rest: the config, tar layers, small files and the manifest. An
// interrupted pack resumes from dst: what it committed is not sent again.
func PackDirect(ctx context.Context, local oci.LayoutStore, dst oci.BlobWriter, o PackOptions, pushTotal func(int64)) (*Packed, error) {
	s, ok := dst.(oci.BlobStreamer)
	if !ok {
		return nil, fmt.Errorf("%T cannot take a blob before its digest is known", dst)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u := newBlobUploader(ctx, local, dst, pushTotal)
	o.Built = u.start
	o.Direct = &directUpload{u: u, dst: s}
	return u.pack(local, o, cancel)
}

// pack runs Pack with o, whose hooks feed u, and waits for u's uploads;
// cancel stops them when the pack fails.
func (u *blobUploader) pack(local oci.LayoutStore, o PackOptions, cancel context.CancelFunc) (*Packed, error) {
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

	mu      sync.Mutex
	seen    map[v1.Hash]bool
	sources map[v1.Hash]string // blobs that are not in local: the files they are read from
	bytes   int64
}

func newBlobUploader(ctx context.Context, local oci.LayoutStore, dst oci.BlobWriter, total func(int64)) *blobUploader {
	g, gctx := errgroup.WithContext(ctx)
	return &blobUploader{
		ctx: gctx, g: g, local: local, dst: dst, total: total,
		slots: make(chan struct{}, uploadJobs), seen: map[v1.Hash]bool{}, sources: map[v1.Hash]string{},
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
	u.mu.Lock()
	path, direct := u.sources[desc.Digest]
	u.mu.Unlock()
	open := func() (io.ReadCloser, error) { return u.local.UploadBlob(desc.Digest) }
	if direct {
		open = func() (io.ReadCloser, error) { return os.Open(path) }
	}
	return u.dst.WriteBlob(u.ctx, desc, open)
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

// directUpload is the Direct of PackDirect: it uploads each large file from
// the model folder while hashing it.
type directUpload struct {
	u   *blobUploader
	dst oci.BlobStreamer
}

// Send streams f to the registry as it hashes it and commits the upload
// under the digest (the registry checks the bytes against it). If the
// stream fails, the file is hashed again and sent the usual way (HEAD,
// mount, upload with retries), read from its path.
func (d *directUpload) Send(f *os.File, size int64, read func(int64)) (v1.Hash, error) {
	u := d.u
	if err := u.acquire(); err != nil {
		return v1.Hash{}, err
	}
	hr := newHashingReader(progress.Reader(io.LimitReader(f, size), read))
	var h v1.Hash
	err := d.dst.StreamBlob(u.ctx, size, hr, func() (v1.Hash, error) {
		var err error
		h, err = hr.digest(f.Name(), size)
		return h, err
	})
	u.release()
	if err == nil {
		u.mark(h, size)
		return h, nil
	}
	if u.ctx.Err() != nil {
		return v1.Hash{}, u.ctx.Err()
	}
	if _, serr := f.Seek(0, io.SeekStart); serr != nil {
		return v1.Hash{}, err
	}
	// The stream failed: hash the file again and send it the usual way.
	if h, err = (hashOnly{}).Send(f, size, nil); err != nil {
		return v1.Hash{}, err
	}
	d.Known(f.Name(), h)
	if !u.mark(h, size) {
		return h, nil
	}
	if err := u.acquire(); err != nil {
		return v1.Hash{}, err
	}
	defer u.release()
	return h, u.send(v1.Descriptor{Digest: h, Size: size})
}

// Known records that the blob h is read from the file at path.
func (d *directUpload) Known(path string, h v1.Hash) {
	d.u.mu.Lock()
	defer d.u.mu.Unlock()
	d.u.sources[h] = path
}

// hashOnly is the Direct that only hashes: a pack that must learn its
// digest before it may send anything (the version exists already) reads
// each large file once and copies it nowhere.
type hashOnly struct{}

func (hashOnly) Send(f *os.File, size int64, read func(int64)) (v1.Hash, error) {
	var r io.Reader = io.LimitReader(f, size)
	if read != nil {
		r = progress.Reader(r, read)
	}
	hr := newHashingReader(r)
	if _, err := io.CopyBuffer(io.Discard, hr, make([]byte, 1<<20)); err != nil {
		return v1.Hash{}, fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	return hr.digest(f.Name(), size)
}

func (hashOnly) Known(string, v1.Hash) {}

// hashingReader hashes and counts what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashingReader(r io.Reader) *hashingReader { return &hashingReader{r: r, h: sha256.New()} }

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	return n, err
}

// digest is the digest of the size bytes read from the file at path; an
// error when fewer came (the file shrank while it was read).
func (hr *hashingReader) digest(path string, size int64) (v1.Hash, error) {
	if hr.n != size {
		return v1.Hash{}, fault.Usagef("%s changed while it was being packed (read %d bytes of %d): wait for the writer to finish and pack again", path, hr.n, size)
	}
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(hr.h.Sum(nil))}, nil
}
