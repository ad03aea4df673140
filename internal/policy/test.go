package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/slipwayhq/slipway/internal/fault"
)

// TestOptions configure Test.
type TestOptions struct {
	// Run selects tests by a regular expression on their names (opa test --run).
	Run string
	// Timeout bounds each test; 0 is OPA's default of 5 s.
	Timeout time.Duration
}

// TestOutcome is how one Rego test ended.
type TestOutcome string

// The outcomes of a test.
const (
	TestPass  TestOutcome = "pass"
	TestFail  TestOutcome = "fail"
	TestError TestOutcome = "error"
	TestSkip  TestOutcome = "skip" // named todo_test_…
)

// TestResult is one test_ rule's outcome.
type TestResult struct {
	Package  string        `json:"package"` // without "data."
	Name     string        `json:"name"`
	Location *Location     `json:"location,omitempty"`
	Outcome  TestOutcome   `json:"outcome"`
	Duration time.Duration `json:"duration"`
	// Message says why a test failed (the expression it failed at) or errored.
	Message string `json:"message,omitempty"`
	// Output is what the test print()ed.
	Output string `json:"output,omitempty"`
}

// TestReport is the outcome of every test and the coverage of the policies
// (test files excluded) they reached.
type TestReport struct {
	Tests    []TestResult `json:"tests"`
	Coverage Coverage     `json:"coverage"`
}

// Coverage is the share of policy lines the tests evaluated.
type Coverage struct {
	Percent float64        `json:"percent"`
	Files   []FileCoverage `json:"files"`
}

// FileCoverage is one policy file's coverage.
type FileCoverage struct {
	File            string      `json:"file"`
	Percent         float64     `json:"percent"`
	CoveredLines    int         `json:"covered_lines"`
	NotCoveredLines int         `json:"not_covered_lines"`
	NotCovered      []LineRange `json:"not_covered,omitempty"`
}

// LineRange is lines Start to End, inclusive.
type LineRange struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Passed reports whether no test failed or errored.
func (r TestReport) Passed() bool {
	return r.Count(TestFail) == 0 && r.Count(TestError) == 0
}

// Count is the number of tests with outcome o.
func (r TestReport) Count(o TestOutcome) int {
	n := 0
	for _, t := range r.Tests {
		if t.Outcome == o {
			n++
		}
	}
	return n
}

// Test runs the test_ rules of src's *_test.rego files with OPA's tester,
// with coverage. A failing test is not an error: the report says so and
// the caller picks the exit code. A policy or test that does not compile is
// a usage error (*CompileError).
func Test(ctx context.Context, src Sources, opts TestOptions) (TestReport, error) {
	l, err := load(ctx, src)
	if err != nil {
		return TestReport{}, err
	}
	modules, err := parseModules(l.modules, true)
	if err != nil {
		return TestReport{}, err
	}
	store, err := buildStore(l.docs)
	if err != nil {
		return TestReport{}, err
	}
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return TestReport{}, fault.Runtimef("opening the data store: %w", err)
	}
	defer store.Abort(ctx, txn)

	compiler := ast.NewCompiler().
		WithDefaultRegoVersion(ast.RegoV1).
		WithEnablePrintStatements(true).
		WithPathConflictsCheck(storage.NonEmpty(ctx, store, txn))
	cov := cover.New()
	runner := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		SetCompiler(compiler).
		SetStore(store).
		SetModules(modules).
		CapturePrintOutput(true).
		EnableTracing(false).
		SetCoverageRuns(nil). // the extra no-index and no-early-exit passes only annotate
		SetCoverageQueryTracer(cov).
		Filter(opts.Run)
	if opts.Timeout > 0 {
		runner = runner.SetTimeout(opts.Timeout)
	}
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		var astErrs ast.Errors
		if errors.As(err, &astErrs) {
			return TestReport{}, newCompileError(astErrs)
		}
		return TestReport{}, fault.Usagef("running policy tests: %w", err)
	}
	var report TestReport
	for r := range ch {
		report.Tests = append(report.Tests, testResult(ctx, compiler, store, txn, r))
	}
	if err := ctx.Err(); err != nil {
		return TestReport{}, err
	}
	slices.SortFunc(report.Tests, func(a, b TestResult) int {
		if c := strings.Compare(locFile(a.Location), locFile(b.Location)); c != 0 {
			return c
		}
		if c := locRow(a.Location) - locRow(b.Location); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	report.Coverage = coverage(cov, modules)
	return report, nil
}

func testResult(ctx context.Context, c *ast.Compiler, store storage.Store, txn storage.Transaction, r *tester.Result) TestResult {
	tr := TestResult{
		Package:  strings.TrimPrefix(r.Package, "data."),
		Name:     r.Name,
		Duration: r.Duration,
		Output:   string(r.Output),
	}
	if r.Location != nil {
		tr.Location = &Location{File: r.Location.File, Row: r.Location.Row, Col: r.Location.Col}
	}
	switch {
	case r.Skip:
		tr.Outcome = TestSkip
	case r.Error != nil:
		tr.Outcome, tr.Message = TestError, r.Error.Error()
	case r.Fail:
		tr.Outcome, tr.Message = TestFail, failedAt(ctx, c, store, txn, r)
		var cases []string
		for name, sub := range r.SubResults.Iter {
			if sub.Fail && len(sub.SubResults) == 0 {
				cases = append(cases, strings.Join(name, "/"))
			}
		}
		if len(cases) > 0 {
			slices.Sort(cases)
			tr.Message += "; failing cases: " + strings.Join(cases, ", ")
		}
	default:
		tr.Outcome = TestPass
	}
	return tr
}

// failedAt evaluates a failed test again, traced, to say which of its
// expressions failed last: tests run untraced, and only the few that fail
// pay for a trace.
func failedAt(ctx context.Context, c *ast.Compiler, store storage.Store, txn storage.Transaction, r *tester.Result) string {
	msg := "test is false or undefined"
	if r.Location == nil {
		return msg
	}
	first := r.Location.Row
	last := first + bytes.Count(r.Location.Text, []byte("\n"))
	var events []*topdown.Event
	tracer := topdown.NewBufferTracer()
	q, err := ast.ParseBody(r.Package + "." + r.Name)
	if err != nil {
		return msg
	}
	qc := c.QueryCompiler()
	compiled, err := qc.Compile(q)
	if err != nil {
		return msg
	}
	_, _ = topdown.NewQuery(compiled).
		WithCompiler(c).
		WithStore(store).
		WithTransaction(txn).
		WithQueryTracer(tracer).
		Run(ctx)
	events = *tracer
	for _, ev := range slices.Backward(events) {
		if ev.Op != topdown.FailOp || ev.Location == nil || ev.Location.File != r.Location.File {
			continue
		}
		if ev.Location.Row < first || ev.Location.Row > last {
			continue
		}
		text := strings.TrimSpace(string(ev.Location.Text))
		return fmt.Sprintf("failed at %s:%d: %s", ev.Location.File, ev.Location.Row, text)
	}
	return msg
}

// coverage keeps the policy files (not the tests) of OPA's report.
func coverage(cov *cover.Cover, modules map[string]*ast.Module) Coverage {
	policies := map[string]*ast.Module{}
	for name, m := range modules {
		if !strings.HasSuffix(name, "_test.rego") {
			policies[name] = m
		}
	}
	rep := cov.Report(policies)
	var out Coverage
	covered, notCovered := 0, 0
	for name := range policies {
		fr := rep.Files[name]
		fc := FileCoverage{File: name}
		if fr != nil {
			fc.Percent, fc.CoveredLines, fc.NotCoveredLines = fr.Coverage, fr.CoveredLines, fr.NotCoveredLines
			for _, rng := range fr.NotCovered {
				fc.NotCovered = append(fc.NotCovered, LineRange{Start: rng.Start.Row, End: rng.End.Row})
			}
		}
		covered += fc.CoveredLines
		notCovered += fc.NotCoveredLines
		out.Files = append(out.Files, fc)
	}
	slices.SortFunc(out.Files, func(a, b FileCoverage) int { return strings.Compare(a.File, b.File) })
	if covered+notCovered > 0 {
		out.Percent = 100 * float64(covered) / float64(covered+notCovered)
	}
	return out
}

func locFile(l *Location) string {
	if l == nil {
		return ""
	}
	return l.File
}

func locRow(l *Location) int {
	if l == nil {
		return 0
	}
	return l.Row
}
