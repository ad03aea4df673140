// Package extract writes untrusted artifact content onto disk: it refuses
// paths and links that leave the target and makes each file appear atomically.
//
// Everything is first written into a hidden staging folder inside the target
// (so the final renames stay on one filesystem) and only moved into place by
// Commit, after every link has been checked against the final layout. What a
// staged name replaces is moved aside into the staging folder first, so that
// a Commit failing part way puts every name back as it was. All filesystem
// access goes through os.Root, so a link already on disk that leads outside
// the target is never written through.
//
// A staging folder's name carries its writer's PID and start time; the next
// Open of the target removes those whose writer is gone (RemoveAbandoned).
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

// Inside the staging folder, newDir holds the content being written and
// oldDir what Commit moved aside to make room for it.
const (
	newDir = "new"
	oldDir = "old"
)

// Dest is a target folder being written; content is staged inside it and
// appears on Commit. A Dest is not safe for concurrent use. Once a write has
// failed, only Abort is useful: Commit refuses to publish a partial result.
type Dest struct {
	dir     string
	root    *os.Root
	stage   *os.Root // staging/new
	staging string   // the staging folder's name inside root
	entries map[string]entry
	failed  error
	closed  bool
	// createdDir says Open made dir, so Abort removes it again.
	createdDir bool
	// placed lists what Commit changed in the target, for the rollback.
	placed []placed
	// keepStaging is set when a rollback failed: the staging folder then
	// still holds the target's old files and is not removed.
	keepStaging bool
	// beforePlace, set by tests, runs before each file is placed; its error
	// fails the placing as a full disk or a busy name would.
	beforePlace func(name string) error
}

// placed is one change Commit made to the target.
type placed struct {
	name     string
	dir      bool // a folder Commit created
	replaced bool // the old entry at name is in staging/old
}

// Open prepares root for writing: it creates root (0o755) when missing and a
// hidden staging folder inside it, after removing the staging folders that
// killed runs abandoned there. Call Commit to publish what was written, or
// Abort to drop it; `defer d.Abort()` is safe after Commit.
func Open(root string) (*Dest, error) {
	_, statErr := os.Lstat(root)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", root, err)
	}
	RemoveAbandoned(root)
	staging, err := os.MkdirTemp(root, stagingPattern())
	if err != nil {
		return nil, fmt.Errorf("creating a staging folder in %s: %w", root, err)
	}
	d := &Dest{dir: root, staging: path.Base(staging), entries: map[string]entry{}, createdDir: errors.Is(statErr, fs.ErrNotExist)}
	if d.root, err = os.OpenRoot(root); err != nil {
		_ = os.Remove(staging)
		return nil, fmt.Errorf("opening %s: %w", root, err)
	}
	newPath := path.Join(d.staging, newDir)
	if err = d.root.Mkdir(newPath, 0o700); err == nil {
		d.stage, err = d.root.OpenRoot(newPath)
	}
	if err != nil {
		_ = d.root.RemoveAll(d.staging)
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
// name complete, by a rename. Nothing is moved when a link would lead outside
// the target, counting the links already on disk. If a move fails part way,
// Commit rolls back: the names it placed are removed and what they replaced
// is put back, so the target holds exactly what it had before.
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
			if rerr := d.rollback(); rerr != nil {
				d.keepStaging = true
				return fmt.Errorf("%w; putting the target back failed too, its old files are in %s: %w",
					err, path.Join(d.dir, d.staging, oldDir), rerr)
			}
			return err
		}
	}
	d.createdDir = false
	return nil
}

// place moves name into the target. A folder is created unless there is one;
// a file or link replaces what is there, which is first moved aside into
// staging/old so that rollback can put it back.
func (d *Dest) place(name string) error {
	if d.entries[name].kind == kindDir {
		fi, err := d.root.Stat(name) // a link to a folder inside is fine
		switch {
		case err == nil && fi.IsDir():
			return nil
		case errors.Is(err, fs.ErrNotExist):
			if err := d.root.Mkdir(name, 0o755); err != nil {
				return fmt.Errorf("creating %q in %s: %w", name, d.dir, err)
			}
			d.placed = append(d.placed, placed{name: name, dir: true})
			return nil
		case err == nil:
			return fault.Usagef("placing folder %q in %s: a file is in the way", name, d.dir)
		}
		return fmt.Errorf("placing %q in %s: %w", name, d.dir, err)
	}
	p := placed{name: name}
	fi, err := d.root.Lstat(name)
	switch {
	case err == nil && fi.IsDir():
		return fault.Usagef("placing %q in %s: a folder is in the way", name, d.dir)
	case err == nil:
		aside := path.Join(d.staging, oldDir, name)
		if err := d.root.MkdirAll(path.Dir(aside), 0o700); err != nil {
			return fmt.Errorf("moving %q aside in %s: %w", name, d.dir, err)
		}
		if err := d.root.Rename(name, aside); err != nil {
			return fmt.Errorf("moving %q aside in %s: %w", name, d.dir, err)
		}
		p.replaced = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("placing %q in %s: %w", name, d.dir, err)
	}
	d.placed = append(d.placed, p) // before the rename: a failed one still puts the old entry back
	if err := d.rename(path.Join(d.staging, newDir, name), name); err != nil {
		return fmt.Errorf("placing %q in %s: %w", name, d.dir, err)
	}
	return nil
}

// rename moves a staged entry into place, after the test hook beforePlace.
func (d *Dest) rename(from, to string) error {
	if d.beforePlace != nil {
		if err := d.beforePlace(to); err != nil {
			return err
		}
	}
	return d.root.Rename(from, to)
}

// rollback undoes what Commit placed, newest first.
func (d *Dest) rollback() error {
	var errs []error
	for i := len(d.placed) - 1; i >= 0; i-- {
		p := d.placed[i]
		var err error
		switch {
		case p.dir:
			err = d.root.Remove(p.name)
		case p.replaced:
			err = d.root.Rename(path.Join(d.staging, oldDir, p.name), p.name)
		default:
			if err = d.root.Remove(p.name); errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restoring %q: %w", p.name, err))
		}
	}
	d.placed = nil
	return errors.Join(errs...)
}

// Abort removes the staging folder and everything in it, and the target
// itself when Open created it; the target keeps what it had before Open. It
// is a no-op after Commit or an earlier Abort.
func (d *Dest) Abort() error {
	if d.closed {
		return nil
	}
	d.closed = true
	var rmErr error
	if !d.keepStaging {
		rmErr = d.root.RemoveAll(d.staging)
	}
	err := errors.Join(d.stage.Close(), rmErr, d.root.Close())
	if d.createdDir && err == nil && !d.keepStaging {
		_ = os.Remove(d.dir) // only when empty: nothing of the caller's goes
	}
	if err != nil {
		return fmt.Errorf("removing the staging folder in %s: %w", d.dir, err)
	}
	return nil
}
