package policy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
)

// DefaultTimeout is how long one evaluation may take by default (gate and
// policy eval --timeout): generous for any sane policy, short enough that a
// rule that loops does not hold a CI runner for hours.
const DefaultTimeout = time.Minute

// WithTimeout limits each evaluation (one input document, or one read of
// data) to d; 0 is no limit. An evaluation cut short is a usage error: the
// policy is at fault, not the model.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// TimeoutError says an evaluation ran past the engine's timeout.
type TimeoutError struct {
	// What names the evaluation: the packages, or the data document.
	What string
	// Timeout is the limit it exceeded.
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("evaluating %s took longer than the %s timeout: a rule loops or works on too much data; "+
		"fix the policy, or give a longer --timeout", e.What, e.Timeout)
}

// bounded runs f under the engine's timeout. Only the timeout's own expiry
// becomes a TimeoutError; the caller's cancellation stays itself.
func (e *Engine) bounded(ctx context.Context, what string, f func(context.Context) error) error {
	d := e.opts.timeout
	if d <= 0 {
		return f(ctx)
	}
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := f(tctx)
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return fault.Wrap(fault.Usage, &TimeoutError{What: what, Timeout: d})
	}
	return err
}
