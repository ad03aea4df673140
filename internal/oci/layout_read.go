package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Everything read from a layout is checked against its digest before it is
// used: a file in blobs/ replaced by another (by accident, by a tool, by an
// attacker with write access to the folder) must not be taken for the
// content its name promises. Manifests and configs are small and checked
// whole; blobs stream through a VerifiedReader.

// maxManifestSize bounds a manifest or config read whole (registries refuse
// manifests past 4 MiB).
const maxManifestSize = 4 << 20

// readSmall reads the small blob h whole and checks its digest. what names
// it in errors ("manifest", "config").
func (s *layoutStore) readSmall(what string, h v1.Hash) ([]byte, error) {
	if h.Algorithm != "sha256" {
		return nil, fault.Usagef("%s %s: only sha256 digests are supported", what, h)
	}
	f, err := os.Open(s.blobPath(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s %s in %s: %w", what, h, s.Ref(), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %s in %s: %w", what, h, s.Ref(), err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s %s in %s: %w", what, h, s.Ref(), err)
	}
	if len(b) > maxManifestSize {
		return nil, fault.Runtimef("%s %s in %s is larger than %d bytes: refusing it", what, h, s.Ref(), maxManifestSize)
	}
	if err := checkDigest(what, h, b, s.Ref()); err != nil {
		return nil, err
	}
	return b, nil
}

func checkDigest(what string, h v1.Hash, b []byte, ref Ref) error {
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != h.Hex {
		return fault.Runtimef("%s %s in %s does not match its digest (the file holds sha256:%s): "+
			"the store is corrupt or was tampered with; refusing it", what, h, ref, got)
	}
	return nil
}

func (s *layoutStore) Manifest(_ context.Context, h v1.Hash) ([]byte, error) {
	return s.readSmall("manifest", h)
}

// Blob streams blob h, checked against its digest as it streams: the read
// that reaches the end returns an error if the bytes do not match.
func (s *layoutStore) Blob(_ context.Context, h v1.Hash) (io.ReadCloser, error) {
	if h.Algorithm != "sha256" {
		return nil, fault.Usagef("blob %s: only sha256 digests are supported", h)
	}
	f, err := os.Open(s.blobPath(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s in %s: %w", h, s.Ref(), ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return NewVerifiedReader(f, h, -1), nil
}

func (s *layoutStore) UploadBlob(h v1.Hash) (io.ReadCloser, error) {
	if h.Algorithm != "sha256" {
		return nil, fault.Usagef("blob %s: only sha256 digests are supported", h)
	}
	f, err := os.Open(s.blobPath(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s in %s: %w", h, s.Ref(), ErrNotFound)
	}
	return f, err
}

func (s *layoutStore) Image(_ context.Context, h v1.Hash) (v1.Image, error) {
	raw, err := s.Manifest(context.Background(), h)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fault.Runtimef("manifest %s in %s does not parse: %w", h, s.Ref(), err)
	}
	return partial.CompressedToImage(&layoutImage{s: s, raw: raw, m: m})
}

// layoutImage is an image whose manifest was verified; its config and
// layers are verified when read.
type layoutImage struct {
	s   *layoutStore
	raw []byte
	m   *v1.Manifest
}

func (i *layoutImage) RawManifest() ([]byte, error) { return i.raw, nil }

func (i *layoutImage) MediaType() (types.MediaType, error) {
	if i.m.MediaType != "" {
		return i.m.MediaType, nil
	}
	return types.OCIManifestSchema1, nil
}

func (i *layoutImage) RawConfigFile() ([]byte, error) {
	return i.s.readSmall("config", i.m.Config.Digest)
}

func (i *layoutImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.m.Config.Digest {
		return &layoutBlob{s: i.s, d: i.m.Config}, nil
	}
	for _, l := range i.m.Layers {
		if l.Digest == h {
			return &layoutBlob{s: i.s, d: l}, nil
		}
	}
	return nil, fmt.Errorf("layer %s is not in the image: %w", h, ErrNotFound)
}

// layoutBlob is one blob of a layout image, verified as it streams.
type layoutBlob struct {
	s *layoutStore
	d v1.Descriptor
}

func (b *layoutBlob) Digest() (v1.Hash, error)            { return b.d.Digest, nil }
func (b *layoutBlob) Size() (int64, error)                { return b.d.Size, nil }
func (b *layoutBlob) MediaType() (types.MediaType, error) { return b.d.MediaType, nil }

func (b *layoutBlob) Compressed() (io.ReadCloser, error) {
	f, err := os.Open(b.s.blobPath(b.d.Digest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s in %s: %w", b.d.Digest, b.s.Ref(), ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return NewVerifiedReader(f, b.d.Digest, b.d.Size), nil
}

func (s *layoutStore) Index(_ context.Context, h v1.Hash) (v1.ImageIndex, error) {
	raw, err := s.Manifest(context.Background(), h)
	if err != nil {
		return nil, err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fault.Runtimef("index %s in %s does not parse: %w", h, s.Ref(), err)
	}
	return &layoutIndex{s: s, h: h, raw: raw, im: im}, nil
}

// layoutIndex is an index whose manifest was verified; its children are
// verified when read.
type layoutIndex struct {
	s   *layoutStore
	h   v1.Hash
	raw []byte
	im  *v1.IndexManifest
}

var _ v1.ImageIndex = (*layoutIndex)(nil)

func (x *layoutIndex) MediaType() (types.MediaType, error) {
	if x.im.MediaType != "" {
		return x.im.MediaType, nil
	}
	return types.OCIImageIndex, nil
}
func (x *layoutIndex) Digest() (v1.Hash, error)                  { return x.h, nil }
func (x *layoutIndex) Size() (int64, error)                      { return int64(len(x.raw)), nil }
func (x *layoutIndex) IndexManifest() (*v1.IndexManifest, error) { return x.im.DeepCopy(), nil }
func (x *layoutIndex) RawManifest() ([]byte, error)              { return x.raw, nil }
func (x *layoutIndex) Image(h v1.Hash) (v1.Image, error)         { return x.s.Image(context.Background(), h) }
func (x *layoutIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return x.s.Index(context.Background(), h)
}
