package oci

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// lockFile is the file in a layout's folder whose exclusive lock guards
// every read-modify-write of index.json. It is never deleted: deleting a
// lock file while another process waits on it would let two writers in.
const lockFile = ".slipway.lock"

// locked runs fn holding the store's in-process mutex and the cross-process
// lock on lockFile (flock(2) on Unix, LockFileEx on Windows, through
// github.com/gofrs/flock). The lock is released when fn returns, or by the
// kernel when the process dies, so a killed writer never wedges a store.
func (s *layoutStore) locked(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("creating OCI layout %s: %w", s.dir, err)
	}
	// Opened read-write: on NFS, Linux turns flock into a POSIX lock, which
	// needs a writable descriptor for an exclusive lock.
	l := flock.New(filepath.Join(s.dir, lockFile), flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o666))
	if err := l.Lock(); err != nil {
		return fmt.Errorf("locking OCI layout %s: %w", s.dir, err)
	}
	defer l.Unlock()
	return fn()
}
