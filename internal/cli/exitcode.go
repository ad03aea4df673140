package cli

import (
	"context"
	"errors"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Exit codes, as documented in the README: the one place they are decided.
const (
	exitOK       = 0
	exitDenied   = 1
	exitUsage    = 2
	exitRuntime  = 3
	exitWarnings = 4
	// exitInterrupted is what shells report for a process ended by SIGINT
	// (128+2); SIGTERM ends Slipway the same way, through its context.
	exitInterrupted = 130
)

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	switch fault.KindOf(err) {
	case fault.Denied:
		return exitDenied
	case fault.Usage:
		return exitUsage
	case fault.Warned:
		return exitWarnings
	default:
		return exitRuntime
	}
}

func usageError(err error) error { return fault.Wrap(fault.Usage, err) }
