package modelpack

import (
	"io"
	"io/fs"
	"time"

	"github.com/slipwayhq/slipway/internal/tarball"
)

// fileMode is the fixed mode a packed file gets: executable or not, nothing else.
func fileMode(m fs.FileMode) int64 { return tarball.Mode(m) }

// reproducibleTar writes a model layer: a tarball.Writer, so the same files
// give the same bytes on any machine. The caller sorts the files.
type reproducibleTar struct{ *tarball.Writer }

func newReproducibleTar(w io.Writer, mtime time.Time) *reproducibleTar {
	return &reproducibleTar{tarball.NewWriter(w, mtime)}
}

// add writes one regular file of size bytes from r.
func (t *reproducibleTar) add(name string, mode fs.FileMode, size int64, r io.Reader) error {
	return t.File(name, mode, size, r)
}
