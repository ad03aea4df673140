package extract

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// ExtractTar stages the entries of the tar stream r for which keep (nil keeps
// all) returns true, and returns their cleaned names in stream order, each
// once. Every entry's name is validated, kept or not: an archive with a
// hostile name is refused as a whole.
//
// Regular files and folders are staged; a symbolic link only when its target
// is relative and stays inside the target; a hard link only to a file this
// stream already extracted. Other types (devices, FIFOs, sparse files) are
// refused, as is an entry beneath a link or a file, or one whose name was
// already extracted as another type. Folders are created 0o755 whatever the
// archive says, so that their content can always be written.
func (d *Dest) ExtractTar(r io.Reader, keep func(name string) bool) ([]string, error) {
	if err := d.usable(); err != nil {
		return nil, err
	}
	x := tarExtraction{Dest: d, files: map[string]bool{}, seen: map[string]bool{}}
	err := x.run(tar.NewReader(r), keep)
	return x.names, d.fail(err)
}

// tarExtraction is the state of one ExtractTar call.
type tarExtraction struct {
	*Dest
	files map[string]bool // regular files of this stream: hard-link targets
	seen  map[string]bool
	names []string
}

func (x *tarExtraction) run(tr *tar.Reader, keep func(string) bool) error {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue // PAX global metadata: no file
		}
		if hdr.Typeflag == tar.TypeDir && path.Clean(hdr.Name) == "." {
			continue // "./", the target folder itself
		}
		name, err := x.clean(hdr.Name)
		if err != nil {
			return err
		}
		if isSparse(hdr) {
			// Holes are expanded from a few bytes of archive: a tiny layer
			// could fill the disk before its digest is checked.
			return fault.Usagef("refusing %q: sparse files are not allowed", name)
		}
		if keep != nil && !keep(name) {
			continue
		}
		if err := x.entry(name, hdr, tr); err != nil {
			return err
		}
		if !x.seen[name] {
			x.seen[name] = true
			x.names = append(x.names, name)
		}
	}
}

func (x *tarExtraction) entry(name string, hdr *tar.Header, r io.Reader) error {
	switch hdr.Typeflag {
	case tar.TypeReg:
		if err := x.writeFile(name, hdr.FileInfo().Mode(), r); err != nil {
			return err
		}
		x.files[name] = true
		return nil
	case tar.TypeDir:
		if err := x.prepare(name, kindDir); err != nil {
			return err
		}
		if err := x.stage.MkdirAll(name, 0o755); err != nil {
			return fmt.Errorf("staging %q: %w", name, err)
		}
		x.record(name, entry{kind: kindDir})
		return nil
	case tar.TypeSymlink:
		return x.symlink(name, hdr.Linkname)
	case tar.TypeLink:
		return x.hardlink(name, hdr.Linkname)
	}
	return fault.Usagef("refusing %q: %s entries are not allowed", name, typeName(hdr.Typeflag))
}

func (x *tarExtraction) symlink(name, target string) error {
	if err := checkLinkTarget(name, target); err != nil {
		return err
	}
	if err := x.prepare(name, kindLink); err != nil {
		return err
	}
	if err := x.stage.Symlink(target, name); err != nil {
		return fmt.Errorf("staging link %q: %w", name, err)
	}
	x.record(name, entry{kind: kindLink, target: target})
	return nil
}

func (x *tarExtraction) hardlink(name, target string) error {
	clean, err := cleanName(target)
	if err != nil {
		return fault.Usagef("refusing %q: hard link to %q, which is not a name inside the target folder", name, target)
	}
	if !x.files[clean] || x.entries[clean].kind != kindFile {
		return fault.Usagef("refusing %q: hard link to %q, which is not a file extracted before it", name, target)
	}
	if clean == name {
		return nil // a link to itself changes nothing
	}
	if err := x.prepare(name, kindFile); err != nil {
		return err
	}
	if err := x.stage.Link(clean, name); err != nil {
		return fmt.Errorf("staging hard link %q: %w", name, err)
	}
	x.record(name, entry{kind: kindFile})
	x.files[name] = true
	return nil
}

// isSparse reports whether hdr is a GNU sparse file, in the old form or in
// PAX records (which archive/tar reads as a regular file).
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

func typeName(t byte) string {
	switch t {
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "FIFO"
	case tar.TypeGNUSparse:
		return "sparse file"
	case tar.TypeCont:
		return "contiguous file"
	}
	return fmt.Sprintf("type %q", t)
}
