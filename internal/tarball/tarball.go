// Package tarball writes reproducible tar archives: model layers
// (internal/modelpack) and image layers (internal/imagebuild) are the same
// bytes for the same files on any machine, at any moment.
package tarball

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Writer writes a tar in which nothing depends on the machine or the
// moment: entries in the order given (callers sort them), each folder once
// before what it holds (mode 0755), files 0644 or 0755, symbolic links
// 0777, one fixed mtime, uid and gid 0, no user names, PAX format. Names are
// slash-separated; a leading slash is dropped, as image layers hold paths.
type Writer struct {
	tw    *tar.Writer
	mtime time.Time
	dirs  map[string]bool
	buf   []byte
}

// NewWriter returns a Writer to w whose every entry has modification time mtime.
func NewWriter(w io.Writer, mtime time.Time) *Writer {
	return &Writer{tw: tar.NewWriter(w), mtime: mtime.UTC(), dirs: map[string]bool{}}
}

func (t *Writer) header(name string, typ byte, mode, size int64) *tar.Header {
	return &tar.Header{Typeflag: typ, Name: name, Mode: mode, Size: size, ModTime: t.mtime, Format: tar.FormatPAX}
}

// Dir writes the folder name and its parents, each once in the archive.
func (t *Writer) Dir(name string) error {
	return t.dir(strings.TrimPrefix(name, "/"))
}

func (t *Writer) dir(dir string) error {
	if dir == "." || dir == "/" || dir == "" || t.dirs[dir] {
		return nil
	}
	if err := t.dir(path.Dir(dir)); err != nil {
		return err
	}
	t.dirs[dir] = true
	return t.tw.WriteHeader(t.header(dir+"/", tar.TypeDir, 0o755, 0))
}

// File writes the regular file name with the size bytes r holds, after
// the folders that hold it. Only whether mode is executable is kept.
func (t *Writer) File(name string, mode fs.FileMode, size int64, r io.Reader) error {
	name = strings.TrimPrefix(name, "/")
	if err := t.dir(path.Dir(name)); err != nil {
		return err
	}
	if err := t.tw.WriteHeader(t.header(name, tar.TypeReg, Mode(mode), size)); err != nil {
		return err
	}
	if t.buf == nil {
		t.buf = make([]byte, 1<<20)
	}
	n, err := io.CopyBuffer(t.tw, io.LimitReader(r, size), t.buf)
	if err != nil {
		return err
	}
	if n < size {
		return fmt.Errorf("%s: %w: %d of %d bytes", name, io.ErrUnexpectedEOF, n, size)
	}
	return nil
}

// Symlink writes a symbolic link name to target, as given.
func (t *Writer) Symlink(name, target string) error {
	name = strings.TrimPrefix(name, "/")
	if err := t.dir(path.Dir(name)); err != nil {
		return err
	}
	h := t.header(name, tar.TypeSymlink, 0o777, 0)
	h.Linkname = target
	return t.tw.WriteHeader(h)
}

// Close writes the end of the archive; the writer underneath stays open.
func (t *Writer) Close() error { return t.tw.Close() }

// Mode is the mode a file gets in the archive: 0755 if m is executable by
// anyone, else 0644.
func Mode(m fs.FileMode) int64 {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}
