// Package fault classifies errors by what the caller should do about them.
// The CLI maps each kind to an exit code in one place (internal/cli/exitcode.go);
// domain packages only say which kind an error is.
package fault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Kind says why an operation did not succeed.
type Kind int

const (
	// Runtime is the default: I/O, network, a registry that failed.
	Runtime Kind = iota
	// Usage is bad input from the user: a flag, a path, a file that does not parse.
	Usage
	// Denied is a decision: a policy failed, a tag is immutable, a promotion was refused.
	Denied
	// Warned means only warnings were raised and the caller asked to fail on them.
	Warned
)

func (k Kind) String() string {
	switch k {
	case Usage:
		return "usage"
	case Denied:
		return "denied"
	case Warned:
		return "warned"
	default:
		return "runtime"
	}
}

// Error is an error with a Kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap marks err with kind; a nil err stays nil.
func Wrap(kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err}
}

// Usagef is fmt.Errorf marked as a usage error.
func Usagef(format string, args ...any) error { return Wrap(Usage, fmt.Errorf(format, args...)) }

// Deniedf is fmt.Errorf marked as a denial.
func Deniedf(format string, args ...any) error { return Wrap(Denied, fmt.Errorf(format, args...)) }

// Runtimef is fmt.Errorf marked as a runtime error.
func Runtimef(format string, args ...any) error { return Wrap(Runtime, fmt.Errorf(format, args...)) }

// KindOf reports what kind of failure err is. The innermost classified
// error in the chain decides, so that an outer wrap adds context without
// changing the meaning: a registry that failed (Runtime) stays Runtime when
// a caller wraps it as bad input, and a usage error stays Usage inside a
// runtime wrap. An unclassified cause that is a machine's failure (a full
// disk, an I/O error, a network error) is Runtime whatever wraps it; a file
// name too long for the file system is Usage. Anything else unclassified is
// Runtime.
func KindOf(err error) Kind {
	kind, found := Runtime, false
	walk(err, func(e error) bool {
		if machineFailure(e) {
			kind, found = Runtime, true
			return false
		}
		if errors.Is(e, syscall.ENAMETOOLONG) && !found {
			kind = Usage
		}
		if fe, ok := e.(*Error); ok {
			kind, found = fe.Kind, true
		}
		return true
	})
	return kind
}

// walk visits err and its causes, outermost first, depth first through
// joined errors, until visit returns false.
func walk(err error, visit func(error) bool) bool {
	for err != nil {
		if !visit(err) {
			return false
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if !walk(e, visit) {
					return false
				}
			}
			return true
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return true
		}
	}
	return true
}

// machineFailure says whether e, unwrapped no further, is the machine or
// network failing rather than the input being wrong.
func machineFailure(e error) bool {
	if errno, ok := e.(syscall.Errno); ok { // an Errno is also a net.Error
		switch errno {
		case syscall.ENOSPC, syscall.EIO, syscall.EDQUOT, syscall.EROFS, syscall.ENOMEM, syscall.EMFILE, syscall.ENFILE:
			return true
		}
		return false
	}
	if _, ok := e.(net.Error); ok {
		return true
	}
	return e == context.DeadlineExceeded
}
