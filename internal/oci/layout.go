package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/slipwayhq/slipway/internal/atomicfile"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/progress"
)

// AnnotationRefName is the OCI image layout annotation that holds a tag.
const AnnotationRefName = "org.opencontainers.image.ref.name"

// annotationSubject marks a referrer in a layout's index.json, so finding the
// referrers of a digest is one read of index.json.
const annotationSubject = "dev.slipway.subject"

// layoutStore is one repository in a local OCI image layout. index.json is
// replaced atomically (write to a temporary file, rename), so a crash leaves
// either the old or the new index, never a torn one; every read-modify-write
// of it holds an exclusive lock on the file .slipway.lock (lock.go), so
// concurrent processes packing into one store cannot lose each other's tags.
type layoutStore struct {
	dir string
	// sparse lets a manifest name blobs the layout does not hold: they
	// are in the destination the layout stages for (OpenStaging).
	sparse bool
	mu     sync.Mutex // serialises index.json updates within this process
	sweep  sync.Once  // removes abandoned temporary files on the first write
}

var _ Store = (*layoutStore)(nil)

// LayoutStore is the local OCI image layout store, with the extra methods the
// packer uses to write blobs straight into it.
type LayoutStore interface {
	Store
	// Ingest streams r into the blob store, hashing as it copies, and returns
	// the digest and size. An existing blob with the same digest is kept.
	Ingest(r io.Reader) (v1.Hash, int64, error)
	// IngestFile copies the file f into the blob store and returns its
	// digest and size, like Ingest, but copies in the kernel
	// (copy_file_range) and hashes the copy, not f: the digest is always
	// that of the stored bytes, even if f changes meanwhile. hashed, when
	// set, is told each chunk hashed (for progress).
	IngestFile(f *os.File, hashed func(int64)) (v1.Hash, int64, error)
	// HasBlob reports whether the blob is present.
	HasBlob(h v1.Hash) bool
	// UploadBlob opens a blob to upload it to a registry, without hashing it
	// on the way: the registry checks the digest of what it receives (the
	// upload is committed with ?digest=), so a blob changed on disk is
	// refused there. Everything else reads through Blob, which verifies.
	UploadBlob(h v1.Hash) (io.ReadCloser, error)
	// WriteManifest stores a raw manifest whose blobs are already present and tags it.
	WriteManifest(ctx context.Context, raw []byte, mt types.MediaType, artifactType, tag string) (v1.Descriptor, error)
}

// OpenLayout opens (creating on first write) the layout in dir.
func OpenLayout(dir string) LayoutStore { return &layoutStore{dir: dir} }

// OpenStaging opens a layout in dir that stages a push whose largest blobs
// go to the destination without it: its manifests may name blobs it does
// not hold. It is for one command's temporary use, never a store to keep.
func OpenStaging(dir string) LayoutStore { return &layoutStore{dir: dir, sparse: true} }

func (s *layoutStore) Ref() Ref { return Ref{Layout: s.dir} }

func (s *layoutStore) blobPath(h v1.Hash) string {
	return filepath.Join(s.dir, "blobs", h.Algorithm, h.Hex)
}

func (s *layoutStore) exists() bool {
	_, err := os.Stat(filepath.Join(s.dir, "index.json"))
	return err == nil
}

func (s *layoutStore) init() error {
	if s.exists() {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "blobs", "sha256"), 0o755); err != nil {
		return fault.Wrap(fault.Usage, fmt.Errorf("creating OCI layout %s: %w", s.dir, err))
	}
	if err := atomicfile.WriteBytes(filepath.Join(s.dir, "oci-layout"), 0o644, []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	return s.writeIndex(&v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex})
}

func (s *layoutStore) readIndex() (*v1.IndexManifest, error) {
	f, err := os.Open(filepath.Join(s.dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout %s: %w", s.dir, err)
	}
	defer f.Close()
	im, err := v1.ParseIndexManifest(f)
	if err != nil {
		return nil, fault.Usagef("OCI layout %s: index.json does not parse: %w", s.dir, err)
	}
	return im, nil
}

func (s *layoutStore) writeIndex(im *v1.IndexManifest) error {
	b, err := json.MarshalIndent(im, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(s.dir, "index.json"), 0o644, append(b, '\n'))
}

// updateIndex applies fn to index.json under the store's lock, then reads
// index.json back and calls confirm on what is really there (nil: no
// check): on a file system where the lock or the rename misbehave, the
// writer finds out before it reports success.
func (s *layoutStore) updateIndex(fn func(*v1.IndexManifest) error, confirm func(*v1.IndexManifest) error) error {
	return s.locked(func() error {
		if err := s.init(); err != nil {
			return err
		}
		im, err := s.readIndex()
		if err != nil {
			return err
		}
		if err := fn(im); err != nil {
			return err
		}
		if err := s.writeIndex(im); err != nil {
			return err
		}
		if confirm == nil {
			return nil
		}
		back, err := s.readIndex()
		if err != nil {
			return err
		}
		return confirm(back)
	})
}

func (s *layoutStore) Resolve(_ context.Context, id string) (v1.Descriptor, error) {
	im, err := s.readIndex()
	if err != nil {
		return v1.Descriptor{}, err
	}
	h, digestErr := v1.NewHash(id)
	for _, d := range im.Manifests {
		if (digestErr == nil && d.Digest == h) || (digestErr != nil && d.Annotations[AnnotationRefName] == id) {
			d.Annotations = nil
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("%s in %s: %w", id, s.Ref(), ErrNotFound)
}

func (s *layoutStore) HasBlob(h v1.Hash) bool {
	_, err := os.Stat(s.blobPath(h))
	return err == nil
}

func (s *layoutStore) Tags(context.Context) ([]string, error) {
	im, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var tags []string
	for _, d := range im.Manifests {
		if t := d.Annotations[AnnotationRefName]; t != "" {
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	return slices.Compact(tags), nil
}

// ensure creates the layout when it is missing and, once per store value,
// removes the temporary files that killed writers left behind (tempfile.go).
func (s *layoutStore) ensure() error {
	if s.exists() {
		s.sweep.Do(func() { s.removeAbandoned(time.Now()) })
		return nil
	}
	return s.locked(s.init)
}

func (s *layoutStore) Ingest(r io.Reader) (v1.Hash, int64, error) {
	return s.ingest(func(tmp *os.File) (v1.Hash, int64, error) {
		hasher := sha256.New()
		n, err := io.CopyBuffer(io.MultiWriter(tmp, hasher), r, make([]byte, 1<<20))
		return hashOf(hasher), n, err
	})
}

func (s *layoutStore) IngestFile(f *os.File, hashed func(int64)) (v1.Hash, int64, error) {
	return s.ingest(func(tmp *os.File) (v1.Hash, int64, error) {
		// *os.File to *os.File: io.Copy uses copy_file_range, so the bytes
		// never pass through this process; writing them from user space
		// costs several times more (the page cache copy dominates a pack).
		n, err := io.Copy(tmp, f)
		if err != nil {
			return v1.Hash{}, 0, err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return v1.Hash{}, 0, err
		}
		hasher := sha256.New()
		var r io.Reader = tmp
		if hashed != nil {
			r = progress.Reader(tmp, hashed)
		}
		m, err := io.CopyBuffer(hasher, r, make([]byte, 1<<20))
		if err == nil && m != n {
			err = fmt.Errorf("copied %d bytes of %s but read back %d", n, f.Name(), m)
		}
		return hashOf(hasher), n, err
	})
}

// ingest writes a new blob into a temporary file with fill, then moves it
// to its content address (or drops it when the store holds that blob).
func (s *layoutStore) ingest(fill func(tmp *os.File) (v1.Hash, int64, error)) (v1.Hash, int64, error) {
	if err := s.ensure(); err != nil {
		return v1.Hash{}, 0, err
	}
	dir := filepath.Join(s.dir, "blobs", "sha256")
	tmp, err := s.createTemp(dir)
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("writing to OCI layout %s: %w", s.dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h, n, err := fill(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return v1.Hash{}, 0, err
	}
	if s.HasBlob(h) {
		return h, n, nil
	}
	// CreateTemp makes files 0600; a store shared by users or jobs must be readable.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return v1.Hash{}, 0, err
	}
	if err := os.Rename(tmp.Name(), s.blobPath(h)); err != nil {
		return v1.Hash{}, 0, err
	}
	return h, n, nil
}

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

// ingestVerified copies a blob of known digest, refusing content that does not match.
func (s *layoutStore) ingestVerified(want v1.Hash, rc io.ReadCloser) error {
	defer rc.Close()
	if s.HasBlob(want) {
		return nil
	}
	got, _, err := s.Ingest(rc)
	if err != nil {
		return err
	}
	if got != want {
		_ = os.Remove(s.blobPath(got))
		return fault.Runtimef("blob %s arrived with digest %s: refusing corrupt content", want, got)
	}
	return nil
}

func (s *layoutStore) WriteManifest(ctx context.Context, raw []byte, mt types.MediaType, artifactType, tag string) (v1.Descriptor, error) {
	h, n, err := s.Ingest(bytes.NewReader(raw))
	if err != nil {
		return v1.Descriptor{}, err
	}
	desc := v1.Descriptor{MediaType: mt, Digest: h, Size: n, ArtifactType: artifactType}
	return desc, s.addDescriptor(ctx, desc, raw, tag)
}

// addDescriptor records a manifest in index.json, under tag when given
// (moving the tag off any other manifest), or as a referrer of its subject.
// A manifest already in the index is not added again untagged. A version
// tag that names other bytes is refused here, under the lock, unless ctx
// allows moving it (AllowVersionMove): of two writers racing to give one
// version different bytes, exactly one wins. The tag is confirmed by
// reading index.json back before success is reported.
func (s *layoutStore) addDescriptor(ctx context.Context, desc v1.Descriptor, raw []byte, tag string) error {
	var annotations map[string]string
	if tag != "" {
		annotations = map[string]string{AnnotationRefName: tag}
	} else if sub := subjectOf(raw); sub != "" {
		annotations = map[string]string{annotationSubject: sub}
	}
	update := func(im *v1.IndexManifest) error {
		if !s.sparse { // a staging layout holds only part of what it names
			if missing, ok := s.missingBlob(raw); ok {
				// Checked under the lock gc holds while it removes: a tag never
				// names a manifest whose blobs are gone.
				return fault.Runtimef("manifest %s names %s, which is not in %s (removed by slipway gc while this write ran?): run the command again", desc.Digest, missing, s.Ref())
			}
		}
		if tag != "" && IsVersion(tag) && !versionMoveAllowed(ctx) {
			for _, d := range im.Manifests {
				if d.Annotations[AnnotationRefName] == tag && d.Digest != desc.Digest {
					return versionTaken(tag, s.Ref(), d.Digest)
				}
			}
		}
		kept := im.Manifests[:0]
		present := false
		var untagged []v1.Descriptor // manifests the moved tag leaves behind
		for _, d := range im.Manifests {
			if tag != "" && d.Annotations[AnnotationRefName] == tag {
				if d.Digest != desc.Digest {
					d.Annotations = nil
					untagged = append(untagged, d)
				}
				continue
			}
			if d.Digest == desc.Digest {
				// Any entry lists the manifest (an unchanged re-pack adds no
				// duplicate), but a referrer needs an untagged entry with its
				// subject: Referrers reads those.
				untaggedEntry := d.Annotations[AnnotationRefName] == ""
				present = present || untaggedEntry || annotations[annotationSubject] == ""
				if tag != "" && untaggedEntry {
					continue // the tagged entry replaces the untagged one
				}
			}
			kept = append(kept, d)
		}
		// A manifest a tag moved off stays in the index, untagged, so it can
		// still be read by digest (a rollback needs exactly that).
		for _, d := range untagged {
			if !slices.ContainsFunc(kept, func(k v1.Descriptor) bool { return k.Digest == d.Digest }) {
				kept = append(kept, d)
			}
		}
		im.Manifests = kept
		if tag != "" || !present {
			desc.Annotations = annotations
			im.Manifests = append(im.Manifests, desc)
		}
		return nil
	}
	confirm := func(im *v1.IndexManifest) error {
		for _, d := range im.Manifests {
			if d.Digest == desc.Digest && (tag == "" || d.Annotations[AnnotationRefName] == tag) {
				return nil
			}
		}
		if tag == "" {
			return fault.Runtimef("OCI layout %s: %s is not in index.json after writing it: another writer overwrote it (is the lock honoured on this file system?)", s.dir, desc.Digest)
		}
		return fault.Runtimef("OCI layout %s: tag %s does not name %s after writing it: another writer overwrote it (is the lock honoured on this file system?)", s.dir, tag, desc.Digest)
	}
	return s.updateIndex(update, confirm)
}

// missingBlob returns a blob or child manifest raw names that the store lacks.
func (s *layoutStore) missingBlob(raw []byte) (v1.Hash, bool) {
	var m manifestLinks
	if json.Unmarshal(raw, &m) != nil {
		return v1.Hash{}, false
	}
	var named []v1.Descriptor
	if m.Config != nil {
		named = append(named, *m.Config)
	}
	for _, d := range slices.Concat(named, m.Layers, m.Manifests) {
		if !s.HasBlob(d.Digest) {
			return d.Digest, true
		}
	}
	return v1.Hash{}, false
}

func subjectOf(raw []byte) string {
	var m struct {
		Subject *v1.Descriptor `json:"subject"`
	}
	if json.Unmarshal(raw, &m) != nil || m.Subject == nil {
		return ""
	}
	return m.Subject.Digest.String()
}

func (s *layoutStore) WriteImage(ctx context.Context, img v1.Image, tag string) error {
	if err := s.writeImageBlobs(ctx, img); err != nil {
		return err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	desc, err := partial.Descriptor(img)
	if err != nil {
		return err
	}
	if _, _, err := s.Ingest(bytes.NewReader(raw)); err != nil {
		return err
	}
	return s.addDescriptor(ctx, v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size, ArtifactType: desc.ArtifactType}, raw, tag)
}

func (s *layoutStore) writeImageBlobs(ctx context.Context, img v1.Image) error {
	if err := s.ensure(); err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	if err := s.ingestVerified(m.Config.Digest, io.NopCloser(bytes.NewReader(cfg))); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, d := range m.Layers {
		g.Go(func() error {
			if ctx.Err() != nil || s.HasBlob(d.Digest) {
				return ctx.Err()
			}
			l, err := img.LayerByDigest(d.Digest)
			if err != nil {
				return err
			}
			rc, err := l.Compressed()
			if err != nil {
				return fmt.Errorf("reading blob %s: %w", d.Digest, err)
			}
			return s.ingestVerified(d.Digest, rc)
		})
	}
	return g.Wait()
}

func (s *layoutStore) WriteIndex(ctx context.Context, idx v1.ImageIndex, tag string) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range im.Manifests {
		var raw []byte
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return err
			}
			if err := s.WriteIndex(ctx, child, ""); err != nil {
				return err
			}
			continue
		default:
			child, err := idx.Image(d.Digest)
			if err != nil {
				return err
			}
			if err := s.writeImageBlobs(ctx, child); err != nil {
				return err
			}
			if raw, err = child.RawManifest(); err != nil {
				return err
			}
		}
		if _, _, err := s.Ingest(bytes.NewReader(raw)); err != nil {
			return err
		}
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return err
	}
	h, n, err := s.Ingest(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return err
	}
	return s.addDescriptor(ctx, v1.Descriptor{MediaType: mt, Digest: h, Size: n}, raw, tag)
}

func (s *layoutStore) Tag(ctx context.Context, desc v1.Descriptor, tag string) error {
	raw, err := s.Manifest(ctx, desc.Digest)
	if err != nil {
		return err
	}
	return s.addDescriptor(ctx, v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size, ArtifactType: desc.ArtifactType}, raw, tag)
}

func (s *layoutStore) Referrers(_ context.Context, h v1.Hash) ([]v1.Descriptor, error) {
	im, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var out []v1.Descriptor
	for _, d := range im.Manifests {
		sub, ok := d.Annotations[annotationSubject]
		if !ok && d.Annotations[AnnotationRefName] == "" && !d.MediaType.IsIndex() {
			// Written by another tool: the manifest itself says what it refers to.
			if raw, err := s.Manifest(context.Background(), d.Digest); err == nil {
				sub = subjectOf(raw)
			}
		}
		if sub == h.String() {
			d.Annotations = nil
			out = append(out, d)
		}
	}
	return out, nil
}
