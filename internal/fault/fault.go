// Package fault classifies errors by what the caller should do about them.
// The CLI maps each kind to an exit code in one place (internal/cli/exitcode.go);
// domain packages only say which kind an error is.
package fault

import (
	"errors"
	"fmt"
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

// KindOf reports the kind of the outermost classified error in err's chain;
// an unclassified error is Runtime.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return Runtime
}
