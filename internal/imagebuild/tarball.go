package imagebuild

import (
	"archive/tar"
	"crypto/sha1" // SPDX 2.3 requires a SHA1 checksum of every file
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// tarWriter writes a layer tar in which nothing depends on the machine or
// the moment: entries in the order given, each folder once before what it
// holds (mode 0755), files 0644 or 0755, a fixed mtime, uid and gid 0, no
// user names. Names are absolute paths in the image; the tar holds them
// without the leading slash, as image layers do.
type tarWriter struct {
	tw    *tar.Writer
	mtime time.Time
	dirs  map[string]bool
	// rec, when set, is given every file's path and checksums.
	rec *recorder
	buf []byte
}

func newTarWriter(w io.Writer, mtime time.Time, rec *recorder) *tarWriter {
	return &tarWriter{tw: tar.NewWriter(w), mtime: mtime.UTC(), dirs: map[string]bool{}, rec: rec}
}

func (t *tarWriter) header(name string, typ byte, mode, size int64) *tar.Header {
	return &tar.Header{Typeflag: typ, Name: strings.TrimPrefix(name, "/"), Mode: mode, Size: size, ModTime: t.mtime, Format: tar.FormatPAX}
}

// dir writes the folder p (absolute) and its parents, once each.
func (t *tarWriter) dir(p string) error {
	if p == "/" || p == "." || t.dirs[p] {
		return nil
	}
	if err := t.dir(path.Dir(p)); err != nil {
		return err
	}
	t.dirs[p] = true
	return t.tw.WriteHeader(t.header(p+"/", tar.TypeDir, 0o755, 0))
}

// file writes the regular file p (absolute) with size bytes from r. sum,
// when known (the digest of a raw blob), spares computing the sha256 again.
func (t *tarWriter) file(p string, mode fs.FileMode, size int64, r io.Reader, sum string) error {
	if err := t.dir(path.Dir(p)); err != nil {
		return err
	}
	if err := t.tw.WriteHeader(t.header(p, tar.TypeReg, fileMode(mode), size)); err != nil {
		return err
	}
	var h256, h1 hash.Hash
	if t.rec != nil {
		h1 = sha1.New() // for the SBOM only, never to check integrity
		ws := []io.Writer{h1}
		if sum == "" {
			h256 = sha256.New()
			ws = append(ws, h256)
		}
		r = io.TeeReader(r, io.MultiWriter(ws...))
	}
	if t.buf == nil {
		t.buf = make([]byte, 1<<20)
	}
	if _, err := io.CopyBuffer(t.tw, io.LimitReader(r, size), t.buf); err != nil {
		return err
	}
	if t.rec != nil {
		if h256 != nil {
			sum = hex.EncodeToString(h256.Sum(nil))
		}
		t.rec.files = append(t.rec.files, File{Path: p, Size: size, SHA256: sum, SHA1: hex.EncodeToString(h1.Sum(nil))})
	}
	return nil
}

// symlink writes a symbolic link p (absolute) to target, as given.
func (t *tarWriter) symlink(p, target string) error {
	if err := t.dir(path.Dir(p)); err != nil {
		return err
	}
	h := t.header(p, tar.TypeSymlink, 0o777, 0)
	h.Linkname = target
	return t.tw.WriteHeader(h)
}

// Close writes the end of the archive (the writer underneath stays open).
func (t *tarWriter) Close() error { return t.tw.Close() }

// fileMode keeps only whether a file is executable.
func fileMode(m fs.FileMode) int64 {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// File is one file the build put into the image.
type File struct {
	// Path is the absolute path in the image.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1"`
}

// recorder collects the files a layer holds while its tar is generated.
type recorder struct {
	files []File
}
