package report

import "github.com/slipwayhq/slipway/internal/policy"

// FileResult is what `slipway policy eval` found for one input file: the
// policy package's type, named here so that callers of EvalReporter need
// not import policy for it.
type FileResult = policy.FileResult
