package imagebuild

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
)

// addSource is an --add layer: a local file or folder at a path in the image.
type addSource struct {
	add   Add
	info  fs.FileInfo
	total int64
	epoch time.Time
}

// addSources checks every --add before anything is hashed: the source
// exists and the destination is a clean absolute path. With measure, it
// also sums the sizes of the files to add (for progress).
func addSources(adds []Add, epoch time.Time, measure bool) ([]source, error) {
	out := make([]source, 0, len(adds))
	for _, a := range adds {
		if !path.IsAbs(a.Dst) || strings.ContainsRune(a.Dst, '\\') {
			return nil, fault.Usagef("--add %s:%s: the destination must be an absolute path in the image", a.Src, a.Dst)
		}
		fi, err := os.Stat(a.Src)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fault.Usagef("--add %s:%s: %s does not exist", a.Src, a.Dst, a.Src)
		}
		if err != nil {
			return nil, fault.Usagef("--add %s:%s: %w", a.Src, a.Dst, err)
		}
		if !fi.IsDir() && !fi.Mode().IsRegular() {
			return nil, fault.Usagef("--add %s:%s: %s is neither a file nor a folder", a.Src, a.Dst, a.Src)
		}
		if resolved, err := filepath.EvalSymlinks(a.Src); err == nil {
			a.Src = resolved // a link given as the source is followed; links inside a folder are kept
		}
		if !fi.IsDir() && strings.HasSuffix(a.Dst, "/") {
			a.Dst += filepath.Base(a.Src)
		}
		a.Dst = path.Clean(a.Dst)
		if a.Dst == "/" && !fi.IsDir() {
			return nil, fault.Usagef("--add %s:/: give the file a path in the image", a.Src)
		}
		s := &addSource{add: a, info: fi, epoch: epoch}
		if measure {
			if s.total, err = s.measure(); err != nil {
				return nil, err
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// key is empty: local files are not content-addressed, so they are hashed on every build.
func (s *addSource) key() string { return "" }
func (s *addSource) what() string {
	return fmt.Sprintf("add %s %s", filepath.Base(s.add.Src), s.add.Dst)
}
func (s *addSource) size() int64 { return s.total }

func (s *addSource) measure() (int64, error) {
	var n int64
	err := s.walk(func(_ string, fi fs.FileInfo) error {
		if fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// walk visits every entry of the source in lexical order with its path in
// the image; symbolic links inside a folder are kept as links.
func (s *addSource) walk(fn func(abs string, fi fs.FileInfo) error) error {
	if !s.info.IsDir() {
		return fn(s.add.Src, s.info)
	}
	return filepath.WalkDir(s.add.Src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fault.Usagef("--add %s: %w", s.add.Src, err)
		}
		fi, err := d.Info()
		if err != nil {
			return fault.Usagef("--add %s: %w", p, err)
		}
		return fn(p, fi)
	})
}

func (s *addSource) target(abs string) string {
	rel, _ := filepath.Rel(s.add.Src, abs)
	if !s.info.IsDir() {
		rel = "."
	}
	return path.Join(s.add.Dst, filepath.ToSlash(rel))
}

func (s *addSource) write(ctx context.Context, w io.Writer, p pass) error {
	tw := newTarWriter(w, s.epoch, p.rec)
	err := s.walk(func(abs string, fi fs.FileInfo) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		target := s.target(abs)
		switch {
		case fi.IsDir():
			return tw.dir(target)
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(abs)
			if err != nil {
				return fault.Usagef("--add %s: %w", abs, err)
			}
			return tw.symlink(target, link)
		case fi.Mode().IsRegular():
			f, err := os.Open(abs)
			if err != nil {
				return fault.Usagef("--add %s: %w", abs, err)
			}
			defer f.Close()
			return tw.file(target, fi.Mode(), fi.Size(), f, "")
		}
		return fault.Usagef("--add %s is not a file, a folder or a link (%s)", abs, fi.Mode().Type())
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
