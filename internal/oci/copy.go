package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Copy copies the manifest (image or index) that desc names from src to dst
// with its blobs, tagged in dst when tag is given, then its referrers
// (signatures, attestations, SBOMs, and their own referrers) and the
// attachments cosign keeps under tags (CosignTag). Blobs already in dst are
// not sent again; within one registry they are mounted.
func Copy(ctx context.Context, src, dst Store, desc v1.Descriptor, tag string) error {
	if err := copyManifest(ctx, src, dst, desc, tag); err != nil {
		return err
	}
	if err := copyReferrers(ctx, src, dst, desc.Digest, 0); err != nil {
		return err
	}
	return copyCosignTags(ctx, src, dst, desc.Digest)
}

// cosignAttachments are the kinds of attachment cosign keeps under a tag
// named after the subject's digest, not as referrers.
var cosignAttachments = []string{"sig", "att", "sbom"}

// CosignTag is the tag cosign keeps digest's attachments of kind (sig,
// att, sbom) under: sha256-<hex>.att.
func CosignTag(digest v1.Hash, kind string) string {
	return digest.Algorithm + "-" + digest.Hex + "." + kind
}

// copyCosignTags copies subject's cosign attachment tags from src to dst,
// as cosign copy does. cosign adds to such a tag by appending layers, so
// dst's tag is replaced only when src's holds every layer it has: an
// attachment written to dst alone is never lost.
func copyCosignTags(ctx context.Context, src, dst Store, subject v1.Hash) error {
	for _, kind := range cosignAttachments {
		tag := CosignTag(subject, kind)
		desc, err := src.Resolve(ctx, tag)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading %s in %s: %w", tag, src.Ref(), err)
		}
		have, err := dst.Resolve(ctx, tag)
		switch {
		case err == nil && have.Digest == desc.Digest:
			continue
		case err == nil:
			if keep, err := keepsLayers(ctx, src, dst, desc.Digest, have.Digest); err != nil || !keep {
				return err
			}
		case !errors.Is(err, ErrNotFound):
			return fmt.Errorf("reading %s in %s: %w", tag, dst.Ref(), err)
		}
		if err := copyManifest(ctx, src, dst, desc, tag); err != nil {
			return err
		}
	}
	return nil
}

// keepsLayers reports whether the manifest newer (in src) has every layer
// of the manifest older (in dst).
func keepsLayers(ctx context.Context, src, dst Store, newer, older v1.Hash) (bool, error) {
	layers := func(s Store, h v1.Hash) (map[v1.Hash]bool, error) {
		raw, err := s.Manifest(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("reading %s in %s: %w", h, s.Ref(), err)
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("reading %s in %s: %w", h, s.Ref(), err)
		}
		set := map[v1.Hash]bool{}
		for _, l := range m.Layers {
			set[l.Digest] = true
		}
		return set, nil
	}
	have, err := layers(dst, older)
	if err != nil {
		return false, err
	}
	want, err := layers(src, newer)
	if err != nil {
		return false, err
	}
	for h := range have {
		if !want[h] {
			return false, nil
		}
	}
	return true, nil
}

func copyManifest(ctx context.Context, src, dst Store, desc v1.Descriptor, tag string) error {
	if desc.MediaType.IsIndex() {
		idx, err := src.Index(ctx, desc.Digest)
		if err != nil {
			return fmt.Errorf("reading index %s from %s: %w", desc.Digest, src.Ref(), err)
		}
		return dst.WriteIndex(ctx, idx, tag)
	}
	img, err := src.Image(ctx, desc.Digest)
	if err != nil {
		return fmt.Errorf("reading %s from %s: %w", desc.Digest, src.Ref(), err)
	}
	if err := dst.WriteImage(ctx, img, tag); err != nil {
		return fmt.Errorf("writing %s to %s: %w", desc.Digest, dst.Ref(), err)
	}
	return nil
}

// maxReferrerDepth bounds referrer chains (a signature of an attestation of
// an image is depth 2); a cycle cannot exist in content-addressed data, but
// a hostile registry could fake one.
const maxReferrerDepth = 4

func copyReferrers(ctx context.Context, src, dst Store, subject v1.Hash, depth int) error {
	if depth >= maxReferrerDepth {
		return nil
	}
	refs, err := src.Referrers(ctx, subject)
	if err != nil {
		return fmt.Errorf("listing referrers of %s in %s: %w", subject, src.Ref(), err)
	}
	for _, r := range refs {
		if err := copyManifest(ctx, src, dst, r, ""); err != nil {
			return err
		}
		if err := copyReferrers(ctx, src, dst, r.Digest, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// ContentSize is the total size of the blobs of the manifest desc names
// (children included for an index): what a copy moves at most.
func ContentSize(ctx context.Context, store Store, desc v1.Descriptor) (int64, error) {
	raw, err := store.Manifest(ctx, desc.Digest)
	if err != nil {
		return 0, err
	}
	if desc.MediaType.IsIndex() {
		im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return 0, err
		}
		var total int64
		for _, child := range im.Manifests {
			n, err := ContentSize(ctx, store, child)
			if err != nil {
				return 0, err
			}
			total += n + child.Size
		}
		return total, nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	total := m.Config.Size
	for _, l := range m.Layers {
		total += l.Size
	}
	return total, nil
}
