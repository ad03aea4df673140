package modelpack

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Change is one difference between two sets of files.
type Change struct {
	Path string `json:"path"`
	// Kind is "added", "removed", "changed" or, from diff, "role" (the
	// same bytes with another role); verify says "extra", "missing" or
	// "changed".
	Kind    string `json:"kind"`
	OldSize int64  `json:"oldSize,omitempty"`
	NewSize int64  `json:"newSize,omitempty"`
	// OldRole and NewRole are set by diff when the file's role differs.
	OldRole Role `json:"oldRole,omitempty"`
	NewRole Role `json:"newRole,omitempty"`
}

// Compare lists what differs from old to new, sorted by path.
func Compare(old, new []LockFile) []Change {
	oldBy := map[string]LockFile{}
	for _, f := range old {
		oldBy[f.Path] = f
	}
	var out []Change
	seen := map[string]bool{}
	for _, n := range new {
		seen[n.Path] = true
		o, ok := oldBy[n.Path]
		switch {
		case !ok:
			out = append(out, Change{Path: n.Path, Kind: "added", NewSize: n.Size})
		case o.SHA256 != n.SHA256 || o.Size != n.Size:
			out = append(out, Change{Path: n.Path, Kind: "changed", OldSize: o.Size, NewSize: n.Size})
		}
	}
	for _, o := range old {
		if !seen[o.Path] {
			out = append(out, Change{Path: o.Path, Kind: "removed", OldSize: o.Size})
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// DirFiles lists a model folder's files as pack would see them, with their
// sha256 (from the hash cache where stat is unchanged).
func DirFiles(dir string, cache *HashCache) ([]LockFile, error) {
	srcs, _, err := collect(dir, nil)
	if err != nil {
		return nil, err
	}
	cache = cache.forFolder(dir)
	out := make([]LockFile, 0, len(srcs))
	for _, s := range srcs {
		sum, err := hashFile(s.Abs, cache)
		if err != nil {
			return nil, err
		}
		out = append(out, LockFile{Path: s.Rel, Size: s.Info.Size(), SHA256: sum, Role: s.Role})
	}
	if err := cache.Save(); err != nil {
		return nil, err
	}
	return out, nil
}

func hashFile(p string, cache *HashCache) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", fault.Usagef("%s: %w", p, err)
	}
	st := statOf(fi)
	if d, _, ok := cache.lookup("file:"+p, st); ok {
		return strings.TrimPrefix(d, "sha256:"), nil
	}
	start := time.Now()
	f, err := os.Open(p)
	if err != nil {
		return "", fault.Usagef("cannot read %s: %w", p, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	if err != nil {
		return "", fault.Runtimef("reading %s: %w", p, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	cache.store("file:"+p, st, "sha256:"+sum, n, start)
	return sum, nil
}

// VerifyDir compares a folder with a lock: files changed, missing from the
// folder, or extra in it.
func VerifyDir(dir string, lock *Lock, cache *HashCache) ([]Change, error) {
	files, err := DirFiles(dir, cache)
	if err != nil {
		return nil, err
	}
	changes := Compare(lock.Files, files)
	for i := range changes {
		switch changes[i].Kind {
		case "added":
			changes[i].Kind = "extra"
		case "removed":
			changes[i].Kind = "missing"
		}
	}
	return changes, nil
}
