package imagebuild

import (
	"crypto/sha1" // SPDX 2.3 requires a SHA1 checksum of every file
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"io/fs"
	"time"

	"github.com/slipwayhq/slipway/internal/tarball"
)

// tarWriter writes a layer tar with tarball.Writer (nothing in it depends
// on the machine or the moment) and records every file's checksums for the
// SBOM. Names are absolute paths in the image; the tar holds them without
// the leading slash, as image layers do.
type tarWriter struct {
	*tarball.Writer
	// rec, when set, is given every file's path and checksums.
	rec *recorder
}

func newTarWriter(w io.Writer, mtime time.Time, rec *recorder) *tarWriter {
	return &tarWriter{Writer: tarball.NewWriter(w, mtime), rec: rec}
}

// dir writes the folder p (absolute) and its parents, once each.
func (t *tarWriter) dir(p string) error { return t.Dir(p) }

// symlink writes a symbolic link p (absolute) to target, as given.
func (t *tarWriter) symlink(p, target string) error { return t.Symlink(p, target) }

// file writes the regular file p (absolute) with size bytes from r. sum,
// when known (the digest of a raw blob), spares computing the sha256 again.
func (t *tarWriter) file(p string, mode fs.FileMode, size int64, r io.Reader, sum string) error {
	if t.rec == nil {
		return t.File(p, mode, size, r)
	}
	h1 := sha1.New() // for the SBOM only, never to check integrity
	ws := []io.Writer{h1}
	var h256 hash.Hash
	if sum == "" {
		h256 = sha256.New()
		ws = append(ws, h256)
	}
	if err := t.File(p, mode, size, io.TeeReader(r, io.MultiWriter(ws...))); err != nil {
		return err
	}
	if h256 != nil {
		sum = hex.EncodeToString(h256.Sum(nil))
	}
	t.rec.files = append(t.rec.files, File{Path: p, Size: size, SHA256: sum, SHA1: hex.EncodeToString(h1.Sum(nil))})
	return nil
}

// fileMode keeps only whether a file is executable.
func fileMode(m fs.FileMode) int64 { return tarball.Mode(m) }

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
