// Package extract writes untrusted artifact content onto disk: it refuses
// paths and links that leave the target and makes each file appear atomically.
//
// Everything is first written into a hidden staging folder inside the target
// (so the final renames stay on one filesystem) and only moved into place by
// Commit, after every link has been checked against the final layout. All
// filesystem access goes through os.Root, so a link already on disk that
// leads outside the target is never written through.
package extract

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// stagingPrefix starts the name of the staging folder inside the target.
// Entry names starting with it are refused so content never lands in staging
// from the outside.
const stagingPrefix = ".slipway-pull-"

type kind uint8

const (
	kindDir kind = iota + 1
	kindFile
	kindLink
)

func (k kind) String() string {
	switch k {
	case kindDir:
		return "a directory"
	case kindLink:
		return "a symbolic link"
	default:
		return "a file"
	}
}

// entry is one staged name.
type entry struct {
	kind     kind
	target   string // of a link
	implicit bool   // a folder only named as the parent of another entry
}

// Dest is a target folder being written; content is staged inside it and
// appears on Commit. A Dest is not safe for concurrent use. Once a write has
// failed, only Abort is useful: Commit refuses to publish a partial result.
type Dest struct {
	dir     string
	root    *os.Root
	stage   *os.Root
	staging string // the staging folder's name inside root
	entries map[string]entry
	failed  error
	closed  bool
}

// Open prepares root for writing: it creates root (0o755) when missing and a
// hidden staging folder inside it. Call Commit to publish what was written,
// or Abort to drop it; `defer d.Abort()` is safe after Commit.
func Open(root string) (*Dest, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", root, err)
	}
	staging, err := os.MkdirTemp(root, stagingPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("creating a staging folder in %s: %w", root, err)
	}
	d := &Dest{dir: root, staging: path.Base(staging), entries: map[string]entry{}}
	if d.root, err = os.OpenRoot(root); err != nil {
		_ = os.Remove(staging)
		return nil, fmt.Errorf("opening %s: %w", root, err)
	}
	if d.stage, err = d.root.OpenRoot(d.staging); err != nil {
		_ = d.root.Remove(d.staging)
		_ = d.root.Close()
		return nil, fmt.Errorf("opening %s: %w", staging, err)
	}
	return d, nil
}

// WriteFile streams r into the file name (slash-separated, relative to the
// target) with mode's permission bits, reduced to rw for the owner plus at
// most r-x for others: setuid, setgid, sticky and group/world write are
// dropped.
func (d *Dest) WriteFile(name string, mode fs.FileMode, r io.Reader) error {
	if err := d.usable(); err != nil {
		return err
	}
	clean, err := d.clean(name)
	if err == nil {
		err = d.writeFile(clean, mode, r)
	}
	return d.fail(err)
}

func (d *Dest) writeFile(name string, mode fs.FileMode, r io.Reader) error {
	if err := d.prepare(name, kindFile); err != nil {
		return err
	}
	f, err := d.stage.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("staging %q: %w", name, err)
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Chmod(fileMode(mode))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = d.stage.Remove(name)
		return fmt.Errorf("writing %q: %w", name, err)
	}
	d.record(name, entry{kind: kindFile})
	return nil
}

// fileMode keeps the owner's read/write bits always and execute bits and
// read bits for others when given; nothing else.
func fileMode(mode fs.FileMode) fs.FileMode { return mode.Perm()&0o755 | 0o600 }

// clean validates a name given by the artifact and refuses the staging folder.
func (d *Dest) clean(name string) (string, error) {
	clean, err := cleanName(name)
	if err != nil {
		return "", err
	}
	if first, _, _ := strings.Cut(clean, "/"); strings.HasPrefix(first, stagingPrefix) {
		return "", fault.Usagef("refusing %q: the name is reserved for Slipway's staging folder", name)
	}
	return clean, nil
}

// prepare checks that name may be staged as k, next to what is already
// staged, and clears the way: parents become folders, an earlier entry of the
// same kind is replaced (the last one wins, as with tar).
func (d *Dest) prepare(name string, k kind) error {
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		if e, ok := d.entries[p]; ok && e.kind != kindDir {
			return fault.Usagef("refusing %q: %q is %s, not a directory", name, p, e.kind)
		}
	}
	if e, ok := d.entries[name]; ok {
		if e.kind != k {
			return fault.Usagef("refusing %q as %s: already extracted as %s", name, k, e.kind)
		}
		if k != kindDir {
			if err := d.stage.Remove(name); err != nil {
				return fmt.Errorf("replacing %q: %w", name, err)
			}
		}
	}
	if err := d.stage.MkdirAll(path.Dir(name), 0o755); err != nil {
		return fmt.Errorf("staging %q: %w", name, err)
	}
	return nil
}

// record notes name and its parent folders as staged.
func (d *Dest) record(name string, e entry) {
	d.entries[name] = e
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		if _, ok := d.entries[p]; ok {
			break
		}
		d.entries[p] = entry{kind: kindDir, implicit: true}
	}
}

func (d *Dest) usable() error {
	switch {
	case d.closed:
		return fmt.Errorf("writing to %s: already committed or aborted", d.dir)
	case d.failed != nil:
		return fmt.Errorf("writing to %s: an earlier write failed: %w", d.dir, d.failed)
	}
	return nil
}

// fail remembers the first error so that Commit cannot publish a partial result.
func (d *Dest) fail(err error) error {
	if err != nil && d.failed == nil {
		d.failed = err
	}
	return err
}

// Commit moves every staged file, link and folder into place under the
// target, then removes the staging folder. Each file appears under its final
// name complete, by a rename; if Commit fails part way, the names already
// moved are complete and the others are absent. Nothing is moved when a link
// would lead outside the target, counting the links already on disk.
func (d *Dest) Commit() error {
	if err := d.usable(); err != nil {
		return err
	}
	defer func() { _ = d.Abort() }()
	names := make([]string, 0, len(d.entries))
	for name := range d.entries {
		names = append(names, name)
	}
	slices.Sort(names) // parents before children
	for _, name := range names {
		if err := d.checkInside(name); err != nil {
			return err
		}
	}
	for _, name := range names {
		if err := d.place(name); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dest) place(name string) error {
	if d.entries[name].kind == kindDir {
		if err := d.root.MkdirAll(name, 0o755); err != nil {
			return fmt.Errorf("creating %q in %s: %w", name, d.dir, err)
		}
		return nil
	}
	if err := d.root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return fmt.Errorf("creating %q in %s: %w", path.Dir(name), d.dir, err)
	}
	if err := d.root.Rename(path.Join(d.staging, name), name); err != nil {
		return fmt.Errorf("placing %q in %s: %w", name, d.dir, err)
	}
	return nil
}

// Abort removes the staging folder and everything in it; the target keeps
// what it had before Open. It is a no-op after Commit or an earlier Abort.
func (d *Dest) Abort() error {
	if d.closed {
		return nil
	}
	d.closed = true
	err := errors.Join(d.stage.Close(), d.root.RemoveAll(d.staging), d.root.Close())
	if err != nil {
		return fmt.Errorf("removing the staging folder in %s: %w", d.dir, err)
	}
	return nil
}
