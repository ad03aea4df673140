package fault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

func TestKindOf(t *testing.T) {
	diskFull := &fs.PathError{Op: "write", Path: "gate.md", Err: syscall.ENOSPC}
	tooLong := &fs.PathError{Op: "open", Path: "x", Err: syscall.ENAMETOOLONG}
	for _, tc := range []struct {
		name string
		err  error
		want Kind
	}{
		{"plain error", errors.New("boom"), Runtime},
		{"usage", Usagef("--output %q", "xml"), Usage},
		{"denied", Deniedf("gate failed"), Denied},
		{"usage wrapped with %w", fmt.Errorf("reading: %w", Usagef("bad")), Usage},
		{"runtime inside a usage wrap stays runtime", Usagef("--baseline x: %w", Runtimef("registry down")), Runtime},
		{"usage inside a runtime wrap stays usage", Runtimef("pushing: %w", Usagef("no credential")), Usage},
		{"disk full inside a usage wrap is runtime", Usagef("writing --report: %w", diskFull), Runtime},
		{"deadline inside a usage wrap is runtime", Usagef("x: %w", context.DeadlineExceeded), Runtime},
		{"name too long is usage", fmt.Errorf("reading metrics: %w", tooLong), Usage},
		{"not found file is runtime unless classified", &fs.PathError{Op: "open", Path: "x", Err: os.ErrNotExist}, Runtime},
		{"joined: innermost classified", errors.Join(errors.New("a"), Deniedf("no")), Denied},
		{"nil is runtime", nil, Runtime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.want {
				t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
