package extract

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// AbandonedAfter is how old a staging folder must be before another run
// removes it when its writer cannot be checked (an older name without a
// writer, or a system where a process's start time cannot be read). A
// running writer that can be checked keeps its folder however old.
const AbandonedAfter = 24 * time.Hour

// IsStaging reports whether name, one entry of a target folder, is a
// staging folder of Slipway's (in use or abandoned): never model content.
func IsStaging(name string) bool { return strings.HasPrefix(name, stagingPrefix) }

// stagingPattern is the os.MkdirTemp pattern of this process's staging
// folders: ".slipway-pull-<pid>-<start>-<random>", so that another run can
// tell whether the writer is still running (see abandoned).
func stagingPattern() string {
	return fmt.Sprintf("%s%d-%d-*", stagingPrefix, os.Getpid(), selfStart)
}

// selfStart identifies this process's start (see processStart); 0 when the
// system does not tell.
var selfStart, _ = processStart(os.Getpid())

// abandoned reports whether the staging folder name, last modified at
// mtime, belongs to no running writer: its writer's PID runs no more or
// runs another process (its start differs), or the writer is unknown and
// the folder is older than AbandonedAfter.
func abandoned(name string, mtime, now time.Time) bool {
	rest, ok := strings.CutPrefix(name, stagingPrefix)
	if !ok {
		return false
	}
	fields := strings.SplitN(rest, "-", 3)
	if len(fields) == 3 {
		pid, perr := strconv.Atoi(fields[0])
		start, serr := strconv.ParseUint(fields[1], 10, 64)
		if perr == nil && serr == nil && pid > 0 && start != 0 {
			if running, known := processRunning(pid, start); known {
				return !running
			}
		}
	}
	return now.Sub(mtime) > AbandonedAfter
}

// RemoveAbandoned removes the staging folders that runs killed before they
// could clean up (kill -9, a power cut) left in dir, and returns their
// names. Folders of writers still running are kept. It is best effort: a
// folder that cannot be removed is left for the next run, and a missing dir
// is not an error.
func RemoveAbandoned(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil
	}
	defer root.Close()
	now := time.Now()
	var removed []string
	for _, e := range entries {
		if !IsStaging(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil || !abandoned(e.Name(), fi.ModTime(), now) {
			continue
		}
		if root.RemoveAll(e.Name()) == nil {
			removed = append(removed, e.Name())
		}
	}
	return removed
}
