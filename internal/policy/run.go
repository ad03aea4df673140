package policy

import (
	"context"
	"fmt"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// TestRequest is what `slipway policy test` runs.
type TestRequest struct {
	// Dirs are policy folders or files; none tests the shipped library.
	Dirs []string
	// Run selects tests by a regular expression on their names.
	Run string
}

// RunTest runs the Rego tests of the policies in req.Dirs (the shipped
// library's when none), with coverage. Failing tests are in the report;
// its Err says whether they deny.
func RunTest(ctx context.Context, req TestRequest) (*TestReport, error) {
	src := Sources{Paths: req.Dirs}
	if len(req.Dirs) == 0 {
		src.FS = []FSSource{Library()}
	}
	rep, err := Test(ctx, src, TestOptions{Run: req.Run})
	if err != nil {
		return nil, err
	}
	return &rep, nil
}

// Err is nil when every test passed, else a fault.Denied error counting
// the failures.
func (r TestReport) Err() error {
	if r.Passed() {
		return nil
	}
	return fault.Deniedf("%d policy tests failed", r.Count(TestFail)+r.Count(TestError))
}

// DefaultEvalPolicy is the folder `policy eval` reads without policies,
// as conftest does.
const DefaultEvalPolicy = "policy"

// EvalRequest is what `slipway policy eval` evaluates: conftest's test.
type EvalRequest struct {
	// Client opens the policy bundles that Policies name by reference.
	Client oci.Client
	// Policies select the policies; with none, DefaultEvalPolicy.
	Policies Selection
	// Files are JSON or YAML inputs, or folders searched for them.
	Files []string
	// Namespaces are the packages evaluated; none is "main".
	Namespaces []string
	// FailOnWarn makes warnings without failures an error.
	FailOnWarn bool
	// Timeout limits each file's evaluation (WithTimeout); 0 is no limit.
	Timeout time.Duration
}

// EvalResult is every input file's result.
type EvalResult struct {
	// Files holds each input document's result.
	Files []FileResult `json:"files"`
	// Failures and Warnings count the active findings over all files.
	Failures int `json:"failures"`
	Warnings int `json:"warnings"`
	// FailOnWarn is the request's: warnings are an error.
	FailOnWarn bool `json:"-"`
}

// RunEval compiles the policies once and evaluates each file with them.
// Findings are in the result; its Err says whether they deny.
func RunEval(ctx context.Context, req EvalRequest) (*EvalResult, error) {
	sel := req.Policies
	if len(sel.Policies) == 0 {
		sel.Policies, sel.From = []string{DefaultEvalPolicy}, ""
	}
	src, err := sel.Sources(req.Client.For(sel.Refs(req.Client)...))
	if err != nil {
		return nil, err
	}
	engine, err := Compile(ctx, src, WithTimeout(req.Timeout))
	if err != nil {
		return nil, err
	}
	namespaces := req.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{"main"}
	}
	files, err := engine.EvalFiles(ctx, req.Files, namespaces...)
	if err != nil {
		return nil, err
	}
	res := &EvalResult{Files: files, FailOnWarn: req.FailOnWarn}
	for _, fr := range files {
		res.Failures += len(fr.Result.Failures())
		res.Warnings += len(fr.Result.Warnings())
	}
	return res, nil
}

// Err is a fault.Denied error when a file failed, a fault.Warned one when
// there are warnings and FailOnWarn, else nil.
func (r *EvalResult) Err() error {
	switch {
	case r.Failures > 0:
		return fault.Deniedf("%s in %s", english.Plural(r.Failures, "failure", ""), english.Plural(len(r.Files), "file", ""))
	case r.Warnings > 0 && r.FailOnWarn:
		return fault.Wrap(fault.Warned, fmt.Errorf("%s in %s (--fail-on-warn)", english.Plural(r.Warnings, "warning", ""), english.Plural(len(r.Files), "file", "")))
	}
	return nil
}
