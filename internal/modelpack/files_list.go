package modelpack

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Files lists every file in the artifact with its size and sha256. Raw
// layers and annotated tars need no download; other tars are streamed
// (verified against their digest) and hashed entry by entry.
func (a *Artifact) Files(ctx context.Context, store oci.Store) ([]LockFile, error) {
	var out []LockFile
	for _, l := range a.Layers {
		mt := string(l.Descriptor.MediaType)
		if l.Info.Raw {
			out = append(out, LockFile{Path: path.Clean(l.Path), Size: l.Descriptor.Size, SHA256: l.Descriptor.Digest.Hex,
				Role: l.Info.Role, MediaType: mt, Layer: l.Descriptor.Digest.String()})
			continue
		}
		if listed, ok := layerFiles(l); ok {
			for _, f := range listed {
				f.Role, f.MediaType, f.Layer = l.Info.Role, mt, l.Descriptor.Digest.String()
				out = append(out, f)
			}
			continue
		}
		files, err := hashTar(ctx, store, l)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

func hashTar(ctx context.Context, store oci.Store, l Layer) ([]LockFile, error) {
	vr, err := oci.OpenVerified(ctx, store, l.Descriptor)
	if err != nil {
		return nil, err
	}
	defer vr.Close()
	r, closeFn, err := DecompressLayer(vr, l, 0)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	tr := tar.NewReader(r)
	var out []LockFile
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Descriptor.Digest, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := extract.ValidName(hdr.Name); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Descriptor.Digest, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, tr)
		if err != nil {
			return nil, err
		}
		out = append(out, LockFile{Path: path.Clean(hdr.Name), Size: n, SHA256: hex.EncodeToString(h.Sum(nil)),
			Role: l.Info.Role, MediaType: string(l.Descriptor.MediaType), Layer: l.Descriptor.Digest.String()})
	}
	return out, vr.Finish()
}

// readBlob reads a small blob (a config) whole, verified, refusing one past limit.
func readBlob(ctx context.Context, store oci.Store, h v1.Hash, limit int64) (json.RawMessage, error) {
	rc, err := store.Blob(ctx, h)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	vr := oci.NewVerifiedReader(rc, h, -1)
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(vr, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("blob %s is larger than %d bytes", h, limit)
	}
	return buf.Bytes(), nil
}

// ReadFile returns the content of one small file of the artifact (a model
// card, say): a raw layer read whole, or the entry of a tar layer streamed
// until it is found. ErrNotFound-wrapped when the artifact has no such file.
func (a *Artifact) ReadFile(ctx context.Context, store oci.Store, name string, limit int64) ([]byte, error) {
	name = path.Clean(name)
	for _, l := range a.Layers {
		if l.Info.Raw {
			if path.Clean(l.Path) == name {
				if l.Descriptor.Size > limit {
					return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
				}
				return readBlob(ctx, store, l.Descriptor.Digest, limit)
			}
			continue
		}
		if listed, ok := layerFiles(l); ok && !slices.ContainsFunc(listed, func(f LockFile) bool { return path.Clean(f.Path) == name }) {
			continue
		}
		b, found, err := readFromTar(ctx, store, l, name, limit)
		if err != nil || found {
			return b, err
		}
	}
	return nil, fmt.Errorf("%s in %s: %w", name, a.Descriptor.Digest, oci.ErrNotFound)
}

func readFromTar(ctx context.Context, store oci.Store, l Layer, name string, limit int64) ([]byte, bool, error) {
	vr, err := oci.OpenVerified(ctx, store, l.Descriptor)
	if err != nil {
		return nil, false, err
	}
	defer vr.Close()
	r, closeFn, err := DecompressLayer(vr, l, 0)
	if err != nil {
		return nil, false, err
	}
	defer closeFn()
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("layer %s: %w", l.Descriptor.Digest, err)
		}
		if hdr.Typeflag != tar.TypeReg || path.Clean(hdr.Name) != name {
			continue
		}
		if hdr.Size > limit {
			return nil, false, fmt.Errorf("%s is larger than %d bytes", name, limit)
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, tr); err != nil {
			return nil, false, err
		}
		// The bytes are trusted only once the whole layer matched its digest.
		if err := vr.Finish(); err != nil {
			return nil, false, err
		}
		return buf.Bytes(), true, nil
	}
}
