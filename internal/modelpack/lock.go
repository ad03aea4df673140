package modelpack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/slipwayhq/slipway/internal/atomicfile"
	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
)

// LockFileName is the lock file's default name.
const LockFileName = "slipway.lock"

// DefaultLock is where the lock of the model folder dir goes when none is
// named: inside the folder, beside the files it describes (pack never
// packs it), so each model keeps its own lock.
func DefaultLock(dir string) string { return filepath.Join(dir, LockFileName) }

// LockVersion is bumped when the lock format changes incompatibly.
const LockVersion = 1

// Lock records what was packed, so pull and verify reproduce the exact bytes.
type Lock struct {
	LockVersion  int        `json:"lockVersion"`
	Name         string     `json:"name"`
	Version      string     `json:"version,omitempty"`
	Reference    string     `json:"reference"`
	Digest       string     `json:"digest"`
	ArtifactType string     `json:"artifactType"`
	Files        []LockFile `json:"files"`
}

// LockFile is one packed file.
type LockFile struct {
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	Role      Role   `json:"role"`
	MediaType string `json:"mediaType"`
	Layer     string `json:"layer"`
}

// ReadLock reads and validates a lock file.
func ReadLock(path string) (*Lock, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Usagef("lock file %s does not exist: pack the model first, or pass --lock", path)
	}
	if err != nil {
		return nil, fault.Usagef("lock file %s: %w", path, err)
	}
	defer f.Close()
	l, err := ParseLock(f)
	if err != nil {
		return nil, fault.Usagef("lock file %s: %w", path, err)
	}
	return l, nil
}

// ParseLock decodes a lock file; it refuses unknown fields, paths that leave
// the folder, and digests that are not sha256.
func ParseLock(r io.Reader) (*Lock, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var l Lock
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("does not parse: %w (regenerate it with slipway pack)", err)
	}
	if dec.More() {
		return nil, errors.New("does not parse: trailing data after the JSON document")
	}
	if l.LockVersion != LockVersion {
		return nil, fmt.Errorf("lockVersion %d is not supported (want %d)", l.LockVersion, LockVersion)
	}
	if !validDigest(l.Digest) {
		return nil, fmt.Errorf("digest %q is not a sha256 digest", l.Digest)
	}
	seen := map[string]bool{}
	for i, f := range l.Files {
		if err := extract.ValidName(f.Path); err != nil {
			return nil, fmt.Errorf("files[%d]: %w", i, err)
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("files[%d]: %q listed twice", i, f.Path)
		}
		seen[f.Path] = true
		if len(f.SHA256) != 64 || !isHex(f.SHA256) {
			return nil, fmt.Errorf("files[%d] %s: sha256 %q is not 64 hex digits", i, f.Path, f.SHA256)
		}
		if f.Size < 0 {
			return nil, fmt.Errorf("files[%d] %s: negative size", i, f.Path)
		}
	}
	return &l, nil
}

// Write writes the lock atomically (temporary file, then rename).
func (l *Lock) Write(path string) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, 0o644, append(b, '\n')); err != nil {
		return fault.Usagef("writing lock file %s: %w", path, err)
	}
	return nil
}

func validDigest(d string) bool {
	hexPart, ok := bytes.CutPrefix([]byte(d), []byte("sha256:"))
	return ok && len(hexPart) == 64 && isHex(string(hexPart))
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
