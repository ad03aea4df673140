package oci

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ingestPrefix starts the name of every temporary file a layout writer
// creates in blobs/sha256; the rest of the name is "PID-START-random", the
// writer's process ID and start time (Unix nanoseconds), so the next writer
// can tell an abandoned file (its owner was killed) from one being written.
const ingestPrefix = ".ingest-"

// TempGrace is how long a temporary file whose owner cannot be proven gone
// is kept: a writer appends to its file as it goes, so one untouched this
// long is abandoned.
const TempGrace = time.Hour

// processStart identifies this process together with its PID: in a
// container every run may get the same PID, never the same start time.
var processStart = time.Now().UnixNano()

func (s *layoutStore) createTemp(dir string) (*os.File, error) {
	return os.CreateTemp(dir, fmt.Sprintf("%s%d-%d-*", ingestPrefix, os.Getpid(), processStart))
}

// abandoned reports whether the temporary file name, last modified at
// mtime, belongs to no live writer: its owner is this PID with another
// start time, or a process that is gone (where that can be checked), or it
// was not touched for grace. Files of the old unnamed form ".ingest-random"
// go by age alone.
func abandoned(name string, mtime, now time.Time, grace time.Duration) bool {
	if now.Sub(mtime) > grace {
		return true
	}
	pid, start, ok := parseOwner(strings.TrimPrefix(name, ingestPrefix))
	return ok && ownerGone(pid, start)
}

// parseOwner reads "PID-START-random", the end of a temporary name.
func parseOwner(s string) (pid int, start int64, ok bool) {
	parts := strings.SplitN(s, "-", 3)
	if len(parts) != 3 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(parts[0])
	start, err2 := strconv.ParseInt(parts[1], 10, 64)
	return pid, start, err1 == nil && err2 == nil && pid > 0
}

// ownerGone reports whether the process pid that started at start has
// ended: this PID with another start time, or no such process (where that
// can be checked).
func ownerGone(pid int, start int64) bool {
	if pid == os.Getpid() {
		return start != processStart
	}
	return !processAlive(pid)
}

// tempStagingPrefix starts the name of the folders OpenTempStaging makes in
// the system's temporary folder; the rest is "PID-START-random", as for the
// store's temporary files.
const tempStagingPrefix = "slipway-pack-"

// tempStagingMaxAge is how long a staging folder whose owner seems to run
// still is kept: a pack of a large model may add nothing to it for hours,
// but past this its PID has been reused.
const tempStagingMaxAge = 7 * 24 * time.Hour

// OpenTempStaging makes a staging layout (OpenStaging) in a new folder of
// the system's temporary folder, named after this process, and returns it
// with the function that removes it. Folders that runs killed before they
// could remove theirs are removed first.
func OpenTempStaging() (LayoutStore, func(), error) {
	tmp := os.TempDir()
	removeAbandonedStaging(tmp, time.Now())
	dir, err := os.MkdirTemp(tmp, fmt.Sprintf("%s%d-%d-*", tempStagingPrefix, os.Getpid(), processStart))
	if err != nil {
		return nil, nil, fmt.Errorf("making a staging folder in %s: %w", tmp, err)
	}
	return OpenStaging(dir), func() { _ = os.RemoveAll(dir) }, nil
}

// removeAbandonedStaging deletes the staging folders in tmp whose owner is
// gone (or, when it cannot be told, that were not touched for TempGrace).
// Like removeAbandoned, it never fails.
func removeAbandonedStaging(tmp string, now time.Time) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), tempStagingPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(info.ModTime())
		pid, start, ok := parseOwner(strings.TrimPrefix(e.Name(), tempStagingPrefix))
		if age > tempStagingMaxAge || (!ok && age > TempGrace) || (ok && ownerGone(pid, start)) {
			_ = os.RemoveAll(filepath.Join(tmp, e.Name()))
		}
	}
}

// TempFile is a temporary file found in a store.
type TempFile struct {
	// Path is the file's path.
	Path string `json:"path"`
	// Size is its size in bytes.
	Size int64 `json:"size"`
}

// abandonedTemps lists the abandoned temporary files of the store.
func (s *layoutStore) abandonedTemps(now time.Time, grace time.Duration) []TempFile {
	dir := filepath.Join(s.dir, "blobs", "sha256")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []TempFile
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ingestPrefix) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !abandoned(e.Name(), info.ModTime(), now, grace) {
			continue
		}
		out = append(out, TempFile{Path: filepath.Join(dir, e.Name()), Size: info.Size()})
	}
	return out
}

// removeAbandoned deletes the abandoned temporary files; a file that is
// already gone (another writer swept it) is not an error, nor is any other
// failure: sweeping is housekeeping and must never fail a write.
func (s *layoutStore) removeAbandoned(now time.Time) {
	for _, t := range s.abandonedTemps(now, TempGrace) {
		_ = os.Remove(t.Path)
	}
}
