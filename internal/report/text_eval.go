package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/policy"
)

// ReportFiles prints conftest's lines ("FAIL - file - package - msg") and
// its summary, so scripts written against conftest keep working.
func (t textReporter) ReportFiles(w io.Writer, results []FileResult) error {
	p := palette(t.color)
	var b strings.Builder
	var total evalCounts
	for _, fr := range results {
		s := split(fr.Result)
		if fr.Result.Rules == 0 && len(fr.Result.Findings) == 0 {
			fmt.Fprintf(&b, "%s - %s - no policies found\n", p.paint(dim, "?"), fr.File)
			continue
		}
		line := func(word, code string, f policy.Finding) {
			fmt.Fprintf(&b, "%s - %s - %s - %s\n", p.paint(code, word), fr.File, f.Package, oneLine(f.Message))
		}
		for _, f := range s.warnings {
			line("WARN", yellow, f)
		}
		for _, f := range s.failures {
			line("FAIL", red, f)
		}
		for _, f := range s.waived {
			line("EXCP", cyan, f)
		}
		for _, e := range s.expired {
			fmt.Fprintf(&b, "%s - %s - %s - %s\n", p.paint(loud, "EXPD"), fr.File, e.Package, expiredNote(e))
		}
		total.add(fr.Result, s)
	}
	fmt.Fprintf(&b, "\n%s\n", p.paint(total.code(), total.String()))
	return write(w, b.String())
}

// evalCounts is conftest's tally: every rule that produced nothing is a
// passed test, every message a warning, failure or exception.
type evalCounts struct {
	passed, warnings, failures, exceptions, expired int
}

func (c *evalCounts) add(r policy.Result, s sections) {
	c.passed += passed(r)
	c.warnings += len(s.warnings)
	c.failures += len(s.failures)
	c.exceptions += len(s.waived)
	c.expired += len(s.expired)
}

func (c evalCounts) tests() int { return c.passed + c.warnings + c.failures + c.exceptions }

// String reads "5 tests, 2 passed, 1 warning, 1 failure, 1 exception".
func (c evalCounts) String() string {
	out := fmt.Sprintf("%s, %d passed, %s, %s, %s", english.Plural(c.tests(), "test", ""), c.passed,
		english.Plural(c.warnings, "warning", ""), english.Plural(c.failures, "failure", ""), english.Plural(c.exceptions, "exception", ""))
	if c.expired > 0 {
		out += ", " + english.Plural(c.expired, "expired exception", "")
	}
	return out
}

func (c evalCounts) code() string {
	switch {
	case c.failures > 0:
		return red
	case c.warnings > 0:
		return yellow
	case c.exceptions > 0:
		return cyan
	}
	return green
}
