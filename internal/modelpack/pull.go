package modelpack

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/klauspost/compress/zstd"

	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

// Selection picks part of an artifact: whole roles, and files by glob.
// The zero Selection picks everything.
type Selection struct {
	Roles map[Role]bool
	Globs []string
}

// ParseSelection reads --only values: role names (weights, config, docs,
// code, datasets) or path globs (data/*.csv, **/*.json).
func ParseSelection(only []string) (Selection, error) {
	var s Selection
	for _, o := range only {
		if r, err := ParseRole(o); err == nil {
			if s.Roles == nil {
				s.Roles = map[Role]bool{}
			}
			s.Roles[r] = true
			continue
		}
		if !doublestar.ValidatePattern(o) {
			return Selection{}, fault.Usagef("--only %q is neither a role (weights, config, docs, code, datasets) nor a valid path glob", o)
		}
		s.Globs = append(s.Globs, o)
	}
	return s, nil
}

func (s Selection) all() bool { return s.Roles == nil && s.Globs == nil }

func (s Selection) matchPath(p string) bool {
	for _, g := range s.Globs {
		if ok, _ := doublestar.Match(g, p); ok {
			return true
		}
	}
	return false
}

// wants reports whether the layer is needed at all, and a filter for its
// tar entries (nil: all of them).
func (s Selection) wants(l Layer) (bool, func(string) bool) {
	if s.all() || s.Roles[l.Info.Role] {
		return true, nil
	}
	if len(s.Globs) == 0 {
		return false, nil
	}
	if l.Info.Raw {
		return s.matchPath(l.Path), nil
	}
	if files, ok := layerFiles(l); ok {
		any := false
		for _, f := range files {
			any = any || s.matchPath(f.Path)
		}
		if !any {
			return false, nil
		}
	}
	return true, func(name string) bool {
		return s.matchPath(name) || isParentOfMatch(s.Globs, name)
	}
}

// isParentOfMatch keeps folder entries that may hold a selected file.
func isParentOfMatch(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(path.Clean(name)+"/**", g); ok {
			return true
		}
	}
	return false
}

// PullOptions configure Pull.
type PullOptions struct {
	Select   Selection
	Progress func(int64)
	// MaxExtractSize caps what one compressed layer may expand to (0:
	// extract.DefaultMaxExtractSize); see DecompressLayer.
	MaxExtractSize int64
}

// Pull writes the artifact's files (or the selected ones) into dir. Every
// byte is checked against its layer digest as it streams; content that
// would leave dir is refused; each file appears whole, by rename, only once
// every layer has been verified. On error dir keeps what it had. It returns
// the paths written, folders left out.
func Pull(ctx context.Context, store oci.Store, a *Artifact, dir string, o PullOptions) ([]string, error) {
	dest, err := extract.Open(dir)
	if err != nil {
		return nil, err
	}
	written, err := pullInto(ctx, store, a, dest, o)
	if err != nil {
		_ = dest.Abort()
		return nil, err
	}
	if err := dest.Commit(); err != nil {
		return nil, err
	}
	files := written[:0]
	for _, name := range written {
		if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err == nil && !fi.IsDir() {
			files = append(files, name)
		}
	}
	return files, nil
}

func pullInto(ctx context.Context, store oci.Store, a *Artifact, dest *extract.Dest, o PullOptions) ([]string, error) {
	var written []string
	for _, l := range a.Layers {
		ok, keep := o.Select.wants(l)
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		vr, err := oci.OpenVerified(ctx, store, l.Descriptor)
		if err != nil {
			return nil, err
		}
		names, err := writeLayer(dest, l, keep, progress.Reader(vr, progressOrNop(o.Progress)), o.MaxExtractSize)
		if err == nil {
			err = vr.Finish()
		}
		vr.Close()
		if err != nil {
			return nil, fmt.Errorf("layer %s (%s): %w", l.Descriptor.Digest, l.Info.Role, err)
		}
		written = append(written, names...)
	}
	return written, nil
}

func writeLayer(dest *extract.Dest, l Layer, keep func(string) bool, r io.Reader, maxSize int64) ([]string, error) {
	if l.Info.Raw {
		mode := fs.FileMode(0o644)
		var meta struct {
			Mode uint32 `json:"mode"` // the only field pull uses; others may come from other tools
		}
		if raw, ok := l.Descriptor.Annotations[AnnotationFile]; ok {
			if err := json.Unmarshal([]byte(raw), &meta); err != nil {
				return nil, fault.Usagef("layer %s (%s): annotation %s does not parse: %w", l.Descriptor.Digest, l.Path, AnnotationFile, err)
			}
		}
		if meta.Mode != 0 {
			mode = fs.FileMode(meta.Mode)
		}
		if err := dest.WriteFile(l.Path, mode, r); err != nil {
			return nil, err
		}
		return []string{l.Path}, nil
	}
	tr, closeFn, err := DecompressLayer(r, l, maxSize)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	return dest.ExtractTar(tr, keep)
}

// DecompressLayer wraps r, the content of layer l, in the decompressor its
// media type names, bounded by extract.ExpansionLimit(size, maxSize) (0
// takes extract.DefaultMaxExtractSize) so that a small layer with a valid
// digest cannot fill the disk; the returned func releases it. Every reader
// of layer content (pull, build, hashing a remote artifact) goes through it.
func DecompressLayer(r io.Reader, l Layer, maxSize int64) (io.Reader, func(), error) {
	zr, closeFn, err := decompress(r, l.Info.Compression)
	if err != nil || l.Info.Compression == "" {
		return zr, closeFn, err
	}
	limit := extract.ExpansionLimit(l.Descriptor.Size, maxSize)
	return extract.Bounded(zr, limit, l.Descriptor.Digest.String()), closeFn, nil
}

// decompress wraps r in the decompressor compression names ("" for none,
// "gzip", "zstd").
func decompress(r io.Reader, compression string) (io.Reader, func(), error) {
	switch compression {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case "zstd":
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return r, func() {}, nil
}

func progressOrNop(fn func(int64)) func(int64) {
	if fn == nil {
		return func(int64) {}
	}
	return fn
}

// layerFiles reads the file list a tar layer carries in its annotation.
func layerFiles(l Layer) ([]LockFile, bool) {
	raw, ok := l.Descriptor.Annotations[annotationFiles]
	if !ok {
		return nil, false
	}
	var files []LockFile
	if json.Unmarshal([]byte(raw), &files) != nil {
		return nil, false
	}
	return files, true
}
