package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Eval evaluates every selected package's deny, violation, warn and
// exception rules against input in one evaluation of the prepared query.
// input may be any JSON-shaped Go value, a struct (converted through its
// JSON form) or an ast.Value.
//
// A rule whose value is not a message (a number, an object without msg)
// or an evaluation error (conflicting values) is a usage error naming the
// rule and where it is defined: a broken policy, never a denial.
func (e *Engine) Eval(ctx context.Context, input any) (Result, error) {
	v, err := toValue(input)
	if err != nil {
		return Result{}, err
	}
	return e.eval(ctx, e.def, v)
}

// Data returns the document at path under data (Data(ctx, "slipway",
// "config") is data.slipway.config) as evaluation sees it: the merged data
// documents and any rules there, evaluated without input. It is nil when
// nothing is defined there.
func (e *Engine) Data(ctx context.Context, path ...string) (any, error) {
	ref := ast.DefaultRootRef.Copy()
	for _, p := range path {
		ref = ref.Append(ast.StringTerm(p))
	}
	var rs rego.ResultSet
	err := e.bounded(ctx, ref.String(), func(ctx context.Context) error {
		var err error
		rs, err = rego.New(
			rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))),
			rego.Compiler(e.compiler),
			rego.Store(e.store),
			rego.SetRegoVersion(ast.RegoV1),
		).Eval(ctx)
		if err != nil {
			return evalError(ctx, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	return rs[0].Expressions[0].Value, nil
}

func toValue(input any) (ast.Value, error) {
	if v, ok := input.(ast.Value); ok {
		return v, nil
	}
	v, err := ast.InterfaceToValue(input)
	if err != nil {
		return nil, fault.Usagef("policy input: %w", err)
	}
	return v, nil
}

func (e *Engine) eval(ctx context.Context, q *query, input ast.Value) (Result, error) {
	var rs rego.ResultSet
	err := e.bounded(ctx, "policies "+strings.Join(q.packages, ", "), func(ctx context.Context) error {
		var err error
		if rs, err = q.pq.Eval(ctx, rego.EvalParsedInput(input)); err != nil {
			return evalError(ctx, err)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if len(rs) != 1 {
		return Result{}, fmt.Errorf("policy query gave %d results; want 1", len(rs))
	}
	values, ok := rs[0].Bindings[resultVar].([]any)
	if !ok || len(values) != len(q.slots) {
		return Result{}, fmt.Errorf("policy query gave %T; want %d values", rs[0].Bindings[resultVar], len(q.slots))
	}
	res := Result{Rules: q.rules, Packages: slices.Clone(q.packages), Findings: []Finding{}}
	now := e.opts.clock()
	first := 0 // index in res.Findings of the package's first finding
	for i, s := range q.slots {
		if i > 0 && s.pkg != q.slots[i-1].pkg {
			first = len(res.Findings)
		}
		defined, _ := values[i].([]any)
		if len(defined) == 0 {
			continue // undefined for this input
		}
		if s.rule == nil {
			waivers, err := parseExceptions(s.pkg, defined[0])
			if err != nil {
				return Result{}, err
			}
			res.Expired = append(res.Expired, applyWaivers(res.Findings[first:], waivers, now)...)
			continue
		}
		fs, err := findings(s, defined[0])
		if err != nil {
			return Result{}, err
		}
		res.Findings = append(res.Findings, fs...)
	}
	return res, nil
}

// evalError turns an evaluation error into one that says whose fault it is:
// a cancelled context stays itself, a policy error is a usage error at its
// file:line:col.
func evalError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var te *topdown.Error
	if errors.As(err, &te) {
		if te.Code == topdown.CancelErr {
			return fault.Runtimef("evaluating policies: %w", err)
		}
		at := ""
		if te.Location != nil {
			at = fmt.Sprintf("%s:%d:%d: ", te.Location.File, te.Location.Row, te.Location.Col)
		}
		return fault.Usagef("evaluating policies: %s%s (%s)", at, te.Message, te.Code)
	}
	return fault.Runtimef("evaluating policies: %w", err)
}

// findings reads a deny/violation/warn rule's value. conftest reads only
// sets (and arrays) of strings and of objects with msg; a complete rule is
// read sensibly too: a string or an object is one message, true is a
// finding named after the rule, false none.
func findings(s slot, v any) ([]Finding, error) {
	switch v := v.(type) {
	case []any:
		out := make([]Finding, 0, len(v))
		for _, el := range v {
			f, err := finding(s, el)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	case bool:
		if !v {
			return nil, nil
		}
		return []Finding{newFinding(s, s.rule.name)}, nil
	}
	f, err := finding(s, v)
	if err != nil {
		return nil, err
	}
	return []Finding{f}, nil
}

func finding(s slot, v any) (Finding, error) {
	switch v := v.(type) {
	case string:
		return newFinding(s, v), nil
	case map[string]any:
		msg, ok := v["msg"].(string)
		if !ok {
			break
		}
		f := newFinding(s, msg)
		if len(v) > 1 {
			f.Metadata = maps.Clone(v)
			delete(f.Metadata, "msg")
		}
		return f, nil
	}
	what := describe(v)
	if m, ok := v.(map[string]any); ok {
		if _, hasMsg := m["msg"]; !hasMsg {
			what = "an object without msg " + what
		}
	}
	return Finding{}, fault.Usagef("%srule %s in package %s returned %s; want a string or an object with a string msg",
		at(s.rule.loc), s.rule.name, s.pkg.name, what)
}

func newFinding(s slot, msg string) Finding {
	return Finding{Kind: s.rule.kind, Package: s.pkg.name, Rule: s.rule.name, Message: msg, Location: s.rule.loc}
}

// at is "file:line: " for messages, or "" when the place is unknown.
func at(loc *Location) string {
	if loc == nil || loc.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", loc.File, loc.Row)
}

// describe renders a value for an error message: compact JSON, cut short.
func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
