package modelpack

import (
	"archive/tar"
	"io"
	"io/fs"
	"path"
	"time"
)

// fileMode is the fixed mode a packed file gets: executable or not, nothing else.
func fileMode(m fs.FileMode) int64 {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// reproducibleTar writes files as a tar in which nothing depends on the
// machine: entries sorted (the caller sorts files), parent folders listed
// once before their files, mtime fixed, uid/gid 0, no user names, fixed
// modes. open returns each file's content; the writer's output is the same
// bytes for the same contents on any machine.
type reproducibleTar struct {
	tw    *tar.Writer
	mtime time.Time
	dirs  map[string]bool
}

func newReproducibleTar(w io.Writer, mtime time.Time) *reproducibleTar {
	return &reproducibleTar{tw: tar.NewWriter(w), mtime: mtime, dirs: map[string]bool{}}
}

func (t *reproducibleTar) header(name string, typ byte, mode, size int64) *tar.Header {
	return &tar.Header{
		Typeflag: typ,
		Name:     name,
		Mode:     mode,
		Size:     size,
		ModTime:  t.mtime,
		Format:   tar.FormatPAX,
	}
}

func (t *reproducibleTar) mkdirs(dir string) error {
	if dir == "." || dir == "/" || t.dirs[dir] {
		return nil
	}
	if err := t.mkdirs(path.Dir(dir)); err != nil {
		return err
	}
	t.dirs[dir] = true
	return t.tw.WriteHeader(t.header(dir+"/", tar.TypeDir, 0o755, 0))
}

// add writes one regular file of size bytes from r.
func (t *reproducibleTar) add(name string, mode fs.FileMode, size int64, r io.Reader) error {
	if err := t.mkdirs(path.Dir(name)); err != nil {
		return err
	}
	if err := t.tw.WriteHeader(t.header(name, tar.TypeReg, fileMode(mode), size)); err != nil {
		return err
	}
	_, err := io.CopyN(t.tw, r, size)
	return err
}

func (t *reproducibleTar) Close() error { return t.tw.Close() }
