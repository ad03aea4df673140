package imagebuild

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// modelSources turns each layer of the model into an image layer source:
// a raw layer (a weight file, or any large file) becomes a tar holding that
// one file at <dir>/<path>; a tar of small files is re-rooted under dir.
func modelSources(a *modelpack.Artifact, store oci.Store, dir string, epoch time.Time) []source {
	out := make([]source, 0, len(a.Layers))
	for _, l := range a.Layers {
		if l.Info.Raw {
			out = append(out, &rawSource{store: store, layer: l, dir: dir, epoch: epoch})
		} else {
			out = append(out, &tarSource{store: store, layer: l, dir: dir, epoch: epoch})
		}
	}
	return out
}

// rawSource is one raw model blob as a tar of one file.
type rawSource struct {
	store oci.Store
	layer modelpack.Layer
	dir   string
	epoch time.Time
}

func (s *rawSource) target() string { return path.Join(s.dir, path.Clean("/"+s.layer.Path)) }

func (s *rawSource) mode() fs.FileMode {
	var meta struct {
		Mode uint32 `json:"mode"`
	}
	_ = json.Unmarshal([]byte(s.layer.Descriptor.Annotations[modelpack.AnnotationFile]), &meta)
	return fs.FileMode(meta.Mode)
}

func (s *rawSource) key() string {
	return fmt.Sprintf("raw\x00%s\x00%d\x00%s\x00%o\x00%d", s.layer.Descriptor.Digest, s.layer.Descriptor.Size, s.target(), fileMode(s.mode()), s.epoch.Unix())
}

func (s *rawSource) what() string {
	return fmt.Sprintf("model %s %s", s.layer.Info.Role, path.Clean(s.layer.Path))
}

func (s *rawSource) size() int64 { return s.layer.Descriptor.Size }

func (s *rawSource) write(ctx context.Context, w io.Writer, p pass) error {
	if err := extract.ValidName(s.layer.Path); err != nil {
		return fmt.Errorf("model layer %s: %w", s.layer.Descriptor.Digest, err)
	}
	d := s.layer.Descriptor
	b, err := openBlob(ctx, s.store, d, p.verify)
	if err != nil {
		return err
	}
	defer b.Close()
	tw := newTarWriter(w, s.epoch, p.rec)
	if err := tw.file(s.target(), s.mode(), d.Size, b, d.Digest.Hex); err != nil {
		return err
	}
	// The file's bytes count only once the whole blob matched its digest.
	if err := b.finish(); err != nil {
		return err
	}
	return tw.Close()
}

// tarSource is a tar layer of the model (plain, gzip or zstd) re-rooted
// under the model folder: only files and folders, with fixed metadata.
type tarSource struct {
	store oci.Store
	layer modelpack.Layer
	dir   string
	epoch time.Time
}

func (s *tarSource) key() string {
	return "tar\x00" + s.layer.Descriptor.Digest.String() + "\x00" + strconv.FormatInt(s.layer.Descriptor.Size, 10) +
		"\x00" + s.layer.Info.Compression + "\x00" + s.dir + "\x00" + strconv.FormatInt(s.epoch.Unix(), 10)
}

func (s *tarSource) what() string { return fmt.Sprintf("model %s files", s.layer.Info.Role) }

func (s *tarSource) size() int64 { return s.layer.Descriptor.Size }

func (s *tarSource) write(ctx context.Context, w io.Writer, p pass) error {
	d := s.layer.Descriptor
	b, err := openBlob(ctx, s.store, d, p.verify)
	if err != nil {
		return err
	}
	defer b.Close()
	r, closeFn, err := modelpack.DecompressLayer(b, s.layer, 0)
	if err != nil {
		return fmt.Errorf("model layer %s: %w", d.Digest, err)
	}
	defer closeFn()
	tr := tar.NewReader(r)
	tw := newTarWriter(w, s.epoch, p.rec)
	if err := tw.dir(s.dir); err != nil {
		return err
	}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("model layer %s: %w", d.Digest, err)
		}
		if err := extract.ValidName(hdr.Name); err != nil {
			return fmt.Errorf("model layer %s: %w", d.Digest, err)
		}
		target := path.Join(s.dir, path.Clean(hdr.Name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = tw.dir(target)
		case tar.TypeReg:
			err = tw.file(target, fs.FileMode(hdr.Mode), hdr.Size, tr, "")
		default:
			err = fault.Usagef("model layer %s: %s is not a file or a folder (tar type %q): only files and folders go into an image", d.Digest, hdr.Name, hdr.Typeflag)
		}
		if err != nil {
			return err
		}
	}
	if err := b.finish(); err != nil {
		return err
	}
	return tw.Close()
}

// blobReader streams a model blob, checked against its digest when asked.
type blobReader struct {
	io.Reader
	vr *oci.VerifiedReader
	rc io.ReadCloser
}

func openBlob(ctx context.Context, store oci.Store, d v1.Descriptor, verify bool) (*blobReader, error) {
	if verify {
		vr, err := oci.OpenVerified(ctx, store, d)
		if err != nil {
			return nil, err
		}
		return &blobReader{Reader: ctxReader{ctx, vr}, vr: vr, rc: vr}, nil
	}
	rc, err := store.Blob(ctx, d.Digest)
	if err != nil {
		return nil, fmt.Errorf("fetching blob %s: %w", d.Digest, err)
	}
	return &blobReader{Reader: ctxReader{ctx, io.LimitReader(rc, d.Size)}, rc: rc}, nil
}

// finish reads what is left of the blob and checks its digest, when verifying.
func (b *blobReader) finish() error {
	if b.vr == nil {
		return nil
	}
	return b.vr.Finish()
}

func (b *blobReader) Close() error { return b.rc.Close() }
