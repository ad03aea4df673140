package policy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/slipwayhq/slipway/internal/fault"
)

// ruleNamePattern is conftest's: deny, violation and warn, alone or with
// _suffixes (deny_low_accuracy).
var ruleNamePattern = regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9_]+)*$`)

const exceptionRule = "exception"

// ruleInfo is one deny/violation/warn (or exception) rule of a package.
type ruleInfo struct {
	name  string
	kind  Kind
	loc   *Location // its first definition
	count int       // definitions, default ones excluded, as conftest counts them
}

// pkgRules are the rules of one package that evaluation looks at.
type pkgRules struct {
	name      string  // without "data.": "slipway.metrics"
	path      ast.Ref // data.slipway.metrics
	rules     []ruleInfo
	exception *ruleInfo
}

// collectRules finds, in every compiled module, the rules conftest's
// conventions give a meaning to. Packages without deny/violation/warn rules
// are left out: an exception alone waives nothing.
func collectRules(c *ast.Compiler, workspace map[string]bool) []*pkgRules {
	names := make([]string, 0, len(c.Modules))
	for name := range c.Modules {
		names = append(names, name)
	}
	slices.Sort(names) // the first definition of a rule is then stable
	byPkg := map[string]*pkgRules{}
	for _, file := range names {
		m := c.Modules[file]
		pkgName := strings.TrimPrefix(m.Package.Path.String(), "data.")
		p := byPkg[pkgName]
		if p == nil {
			p = &pkgRules{name: pkgName, path: m.Package.Path.Copy()}
			byPkg[pkgName] = p
		}
		for _, r := range m.Rules {
			name, ok := simpleRuleName(r)
			if !ok {
				continue
			}
			var target *ruleInfo
			switch {
			case name == exceptionRule:
				if p.exception == nil {
					p.exception = &ruleInfo{name: name}
				}
				target = p.exception
			case ruleNamePattern.MatchString(name):
				i := slices.IndexFunc(p.rules, func(ri ruleInfo) bool { return ri.name == name })
				if i < 0 {
					p.rules = append(p.rules, ruleInfo{name: name, kind: kindOf(name)})
					i = len(p.rules) - 1
				}
				target = &p.rules[i]
			default:
				continue
			}
			if target.loc == nil && r.Location != nil {
				target.loc = &Location{File: r.Location.File, Row: r.Location.Row, Col: r.Location.Col, Workspace: workspace[r.Location.File]}
			}
			if !r.Default {
				target.count++
			}
		}
	}
	var out []*pkgRules
	for _, p := range byPkg {
		if len(p.rules) > 0 {
			slices.SortFunc(p.rules, func(a, b ruleInfo) int { return strings.Compare(a.name, b.name) })
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *pkgRules) int { return strings.Compare(a.name, b.name) })
	return out
}

// simpleRuleName is the name of a rule whose head is one plain name
// (deny, deny contains msg, deny := …, deny[k] := …); functions and rules
// nested under other names are not conftest rules.
func simpleRuleName(r *ast.Rule) (string, bool) {
	if r.Head == nil || len(r.Head.Args) > 0 {
		return "", false
	}
	ref := r.Head.Ref()
	if len(ref) == 0 {
		return "", false
	}
	v, ok := ref[0].Value.(ast.Var)
	if !ok {
		return "", false
	}
	return string(v), true
}

func kindOf(rule string) Kind {
	if strings.HasPrefix(rule, "warn") {
		return Warning
	}
	return Failure
}

// slot is one value the prepared query returns: a rule's value, or a
// package's exceptions (rule nil).
type slot struct {
	pkg  *pkgRules
	rule *ruleInfo
}

// query is a prepared evaluation of a fixed set of packages: one
// evaluation per input returns every rule's value at once.
type query struct {
	pq       rego.PreparedEvalQuery
	slots    []slot
	packages []string
	rules    int
}

// resultVar is the variable the prepared query binds its array to.
const resultVar = "slipway_results"

// prepare builds and prepares the query over the packages namespaces
// select (all packages with rules when all is set). It is one array with
// one comprehension per rule, [x | x := data.pkg.rule], so a rule that is
// undefined for this input (a boolean rule whose body failed) gives []
// instead of making the whole query undefined.
func (e *Engine) prepare(ctx context.Context, namespaces []string, all bool) (*query, error) {
	pkgs, err := e.selectPackages(namespaces, all)
	if err != nil {
		return nil, err
	}
	q := &query{}
	var terms []string
	for _, p := range pkgs {
		q.packages = append(q.packages, p.name)
		for i := range p.rules {
			q.slots = append(q.slots, slot{pkg: p, rule: &p.rules[i]})
			q.rules += p.rules[i].count
			terms = append(terms, comprehension(p.path, p.rules[i].name))
		}
		if p.exception != nil {
			q.slots = append(q.slots, slot{pkg: p})
			terms = append(terms, comprehension(p.path, exceptionRule))
		}
	}
	text := resultVar + " := [" + strings.Join(terms, ", ") + "]"
	q.pq, err = rego.New(
		rego.Query(text),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
		rego.SetRegoVersion(ast.RegoV1),
		rego.StoreReadAST(true),
		rego.StrictBuiltinErrors(e.opts.strictBuiltin),
	).PrepareForEval(ctx)
	if err != nil {
		var astErrs ast.Errors
		if errors.As(err, &astErrs) {
			return nil, newCompileError(astErrs)
		}
		return nil, fault.Usagef("preparing the policy query: %w", err)
	}
	return q, nil
}

func comprehension(pkg ast.Ref, rule string) string {
	return fmt.Sprintf("[x | x := %s]", pkg.Append(ast.StringTerm(rule)).String())
}

func (e *Engine) selectPackages(namespaces []string, all bool) ([]*pkgRules, error) {
	if all {
		if len(e.pkgs) == 0 {
			return nil, fault.Usagef("the policies have no deny, violation or warn rules")
		}
		return e.pkgs, nil
	}
	var out []*pkgRules
	for _, ns := range namespaces {
		ns = strings.TrimPrefix(ns, "data.")
		found := false
		for _, p := range e.pkgs {
			if p.name == ns || strings.HasPrefix(p.name, ns+".") {
				found = true
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
		if !found {
			return nil, fault.Usagef("namespace %s has no deny, violation or warn rules (packages with rules: %s)",
				ns, strings.Join(e.Packages(), ", "))
		}
	}
	slices.SortFunc(out, func(a, b *pkgRules) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// queryFor returns the prepared query for namespaces, preparing it on
// first use.
func (e *Engine) queryFor(ctx context.Context, namespaces []string) (*query, error) {
	key := strings.Join(namespaces, "\x00")
	e.mu.Lock()
	defer e.mu.Unlock()
	if q, ok := e.queries[key]; ok {
		return q, nil
	}
	q, err := e.prepare(ctx, namespaces, false)
	if err != nil {
		return nil, err
	}
	e.queries[key] = q
	return q, nil
}
