package cli

import (
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// parseReportFlags reads the --report FMT=FILE flags of gate and drift
// before any work is done: open makes each verb's report of a format, or
// refuses the format. example shows the form in the message.
func parseReportFlags[T any](specs []string, example string, open func(format, path string) (T, error)) ([]T, error) {
	var out []T
	for _, s := range specs {
		format, path, ok := strings.Cut(s, "=")
		if !ok || path == "" {
			return nil, fault.Usagef("--report %q: want FORMAT=FILE, e.g. --report %s", s, example)
		}
		r, err := open(format, path)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
