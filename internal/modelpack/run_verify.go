package modelpack

import (
	"fmt"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

// VerifyRequest says which folder VerifyModel checks against which lock.
type VerifyRequest struct {
	// Dir is the model folder.
	Dir string
	// Lock is the lock file's path.
	Lock string
	// Cache skips hashing files whose stat is unchanged; nil hashes every file.
	Cache *HashCache
}

// VerifyResult is how a folder compares with its lock.
type VerifyResult struct {
	// Dir is the folder checked.
	Dir string `json:"dir"`
	// Lock is the lock file it was checked against.
	Lock string `json:"lock"`
	// Digest is the artifact digest the lock records.
	Digest string `json:"digest"`
	// Name and Version are the model and version the lock is of.
	Name    string `json:"name"`
	Version string `json:"version"`
	// OK says every file matches the lock and there are no others.
	OK bool `json:"ok"`
	// Changes are the files changed, missing or extra (never null).
	Changes []Change `json:"changes"`
	// Files is how many files the lock lists.
	Files int `json:"files"`
}

// Err is the refusal (fault.Denied, a *MismatchError) of a folder that
// differs from its lock, nil when it matches.
func (r *VerifyResult) Err() error {
	if r.OK {
		return nil
	}
	return fault.Wrap(fault.Denied, &MismatchError{Dir: r.Dir, Lock: r.Lock, Of: lockOf(r.Name, r.Version, r.Digest), Changes: r.Changes})
}

// VerifyModel compares req.Dir with the lock file req.Lock. A folder that
// differs is a result with OK false, not an error: see VerifyResult.Err.
// Pull's staging folders are never the model's: those a killed pull
// abandoned are removed first, and those of a pull still running are not
// listed as extra.
func VerifyModel(req VerifyRequest) (*VerifyResult, error) {
	lock, err := ReadLock(req.Lock)
	if err != nil {
		return nil, err
	}
	extract.RemoveAbandoned(req.Dir)
	changes, err := VerifyDir(req.Dir, lock, req.Cache)
	if err != nil {
		return nil, err
	}
	return &VerifyResult{
		Dir: req.Dir, Lock: req.Lock, Digest: lock.Digest, Name: lock.Name, Version: lock.Version, OK: len(changes) == 0,
		Changes: nonNil(changes), Files: len(lock.Files),
	}, nil
}

// MismatchError is a folder whose files differ from its lock.
type MismatchError struct {
	// Dir is the folder and Lock the lock file.
	Dir, Lock string
	// Of says what the lock is of: name, version and digest.
	Of string
	// Changes are the files that differ.
	Changes []Change
	// AfterPull says the folder was just pulled from the lock's reference.
	AfterPull bool
}

func (e *MismatchError) Error() string {
	if e.AfterPull {
		return fmt.Sprintf("%s does not match the lock after pull: %s", e.Dir, english.Plural(len(e.Changes), "file differs", "files differ"))
	}
	return fmt.Sprintf("%s differs from %s, the lock of %s: %s changed, missing or extra", e.Dir, e.Lock, e.Of, english.Plural(len(e.Changes), "file", "files"))
}

// lockOf names what a lock is of for a message: "iris 1.0.0 (sha256:abcdef012345)".
func lockOf(name, version, digest string) string {
	if version == "" {
		version = LatestTag
	}
	short := digest
	if len(short) > len("sha256:")+12 {
		short = short[:len("sha256:")+12]
	}
	return fmt.Sprintf("%s %s (%s)", untrusted.Text(name), untrusted.Text(version), short)
}

// nonNil is s, or an empty slice for nil: JSON prints [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
