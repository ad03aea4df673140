package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Option configures Compile.
type Option func(*options)

type options struct {
	namespaces    []string
	clock         func() time.Time
	strictBuiltin bool
	timeout       time.Duration
}

// WithNamespaces narrows evaluation to these packages (without "data."),
// each one with the packages below it: "slipway" selects slipway.metrics
// too. A namespace that selects no deny, violation or warn rule is an error.
func WithNamespaces(ns ...string) Option {
	return func(o *options) { o.namespaces = append(o.namespaces, ns...) }
}

// WithClock sets the clock that exception expiry dates are compared with.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithStrictBuiltinErrors makes a built-in function's error (to_number("x"),
// a bad regex) fail the evaluation with a usage error rather than leave the
// expression undefined, which can silently skip a deny rule.
func WithStrictBuiltinErrors() Option { return func(o *options) { o.strictBuiltin = true } }

// Engine is a compiled set of policies and data. It is safe for concurrent
// use: evaluations share one compiler and prepared queries.
type Engine struct {
	compiler *ast.Compiler
	store    storage.Store
	pkgs     []*pkgRules // sorted by name
	files    []File
	opts     options

	def     *query // for Eval: WithNamespaces, or every package with rules
	mu      sync.Mutex
	queries map[string]*query // for EvalFiles, by namespace list
}

// Compile loads src, parses and compiles its Rego v1 modules (tests
// excluded) into one compiler with the data documents, and prepares the
// evaluation query. A syntax, compile or type error is a usage error (a
// *CompileError) listing each problem as file:line:col: message.
func Compile(ctx context.Context, src Sources, opts ...Option) (*Engine, error) {
	l, err := load(ctx, src)
	if err != nil {
		return nil, err
	}
	return compileLoaded(ctx, l, opts...)
}

func compileLoaded(ctx context.Context, l *loaded, opts ...Option) (*Engine, error) {
	o := options{clock: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	modules, err := parseModules(l.modules, false)
	if err != nil {
		return nil, err
	}
	if len(modules) == 0 {
		return nil, fault.Usagef("no policies found: give a folder with .rego files, a .rego file or a bundle")
	}
	store, err := buildStore(l.docs)
	if err != nil {
		return nil, err
	}
	compiler, err := compileModules(ctx, store, modules)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		compiler: compiler,
		store:    store,
		pkgs:     collectRules(compiler, l.workspaceFiles()),
		files:    l.files(),
		opts:     o,
		queries:  map[string]*query{},
	}
	if e.def, err = e.prepare(ctx, o.namespaces, len(o.namespaces) == 0); err != nil {
		return nil, err
	}
	return e, nil
}

// Files lists the policy and data files the engine was built from, with
// their digests, sorted by name.
func (e *Engine) Files() []File { return slices.Clone(e.files) }

// Packages lists every package that has deny, violation or warn rules.
func (e *Engine) Packages() []string {
	out := make([]string, 0, len(e.pkgs))
	for _, p := range e.pkgs {
		out = append(out, p.name)
	}
	return out
}

// parseModules parses Rego v1 modules, collecting every file's errors.
// With tests false, *_test.rego files are left out.
func parseModules(files []moduleFile, tests bool) (map[string]*ast.Module, error) {
	modules := make(map[string]*ast.Module, len(files))
	var errs ast.Errors
	for _, f := range files {
		if f.test && !tests {
			continue
		}
		m, err := ast.ParseModuleWithOpts(f.name, string(f.raw), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			var astErrs ast.Errors
			var astErr *ast.Error
			switch {
			case errors.As(err, &astErrs):
				errs = append(errs, astErrs...)
				continue
			case errors.As(err, &astErr):
				errs = append(errs, astErr)
				continue
			}
			errs = append(errs, &ast.Error{Code: ast.ParseErr, Message: err.Error(), Location: &ast.Location{File: f.name}})
			continue
		}
		if m == nil { // only comments
			continue
		}
		modules[f.name] = m
	}
	if len(errs) > 0 {
		return nil, newCompileError(errs)
	}
	return modules, nil
}

func buildStore(docs []dataDoc) (storage.Store, error) {
	data, err := mergeData(docs)
	if err != nil {
		return nil, err
	}
	return inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true)), nil
}

func compileModules(ctx context.Context, store storage.Store, modules map[string]*ast.Module) (*ast.Compiler, error) {
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fault.Runtimef("opening the data store: %w", err)
	}
	defer store.Abort(ctx, txn)
	c := ast.NewCompiler().
		WithDefaultRegoVersion(ast.RegoV1).
		WithPathConflictsCheck(storage.NonEmpty(ctx, store, txn))
	if c.Compile(modules); c.Failed() {
		return nil, newCompileError(c.Errors)
	}
	return c, nil
}

// CompileError is a policy that does not parse, compile or type-check.
// Problems carry file, line and column, so reports can point at them.
type CompileError struct {
	Problems []Problem
}

// Problem is one error in one policy file.
type Problem struct {
	Location Location `json:"location"`
	Code     string   `json:"code"` // OPA's: rego_parse_error, rego_type_error, …
	Message  string   `json:"message"`
}

// String is file:line:col: message (file: message for the whole file).
func (p Problem) String() string {
	if p.Location.Row == 0 {
		return fmt.Sprintf("%s: %s", p.Location.File, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.Location.File, p.Location.Row, p.Location.Col, p.Message)
}

func (e *CompileError) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	noun := "errors"
	if len(e.Problems) == 1 {
		noun = "error"
	}
	lines = append(lines, fmt.Sprintf("policies do not compile (%d %s):", len(e.Problems), noun))
	for _, p := range e.Problems {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

func newCompileError(errs ast.Errors) error {
	ce := &CompileError{}
	for _, e := range errs {
		p := Problem{Code: e.Code, Message: e.Message}
		if e.Location != nil {
			p.Location = Location{File: e.Location.File, Row: e.Location.Row, Col: e.Location.Col}
		}
		if e.Code == ast.ParseErr && strings.Contains(e.Message, "keyword is required") {
			p.Message += " (policies are Rego v1; `opa fmt --v0-v1` rewrites Rego v0)"
		}
		if e.Details != nil {
			if lines := e.Details.Lines(); len(lines) > 0 {
				p.Message += "\n\t" + strings.Join(lines, "\n\t")
			}
		}
		ce.Problems = append(ce.Problems, p)
	}
	slices.SortStableFunc(ce.Problems, func(a, b Problem) int {
		if c := strings.Compare(a.Location.File, b.Location.File); c != 0 {
			return c
		}
		if a.Location.Row != b.Location.Row {
			return a.Location.Row - b.Location.Row
		}
		return a.Location.Col - b.Location.Col
	})
	return fault.Wrap(fault.Usage, ce)
}
