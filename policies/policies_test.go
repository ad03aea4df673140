package policies

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestRego runs every x_test.rego through OPA's tester, as `slipway policy
// test` does, and requires every line of every policy to be covered: a rule
// without a test fails here, not in someone's gate.
func TestRego(t *testing.T) {
	ctx := context.Background()
	modules := parseModules(t, true)
	store := inmem.NewFromObject(configData(t))
	txn := storage.NewTransactionOrDie(ctx, store)
	defer store.Abort(ctx, txn)

	cov := cover.New()
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithEnablePrintStatements(true)).
		SetStore(store).
		SetModules(modules).
		SetCoverageQueryTracer(cov).
		RaiseBuiltinErrors(true).
		EnableTracing(false)
	ch, err := runner.RunTests(ctx, txn)
	require.NoError(t, err, "compiling the library and its tests")

	ran := 0
	for r := range ch {
		ran++
		switch {
		case r.Error != nil:
			t.Errorf("%s.%s (%s): error: %v", r.Package, r.Name, r.Location, r.Error)
		case r.Fail:
			t.Errorf("%s.%s (%s): failed\n%s", r.Package, r.Name, r.Location, r.Output)
		case r.Skip:
			t.Logf("%s.%s: skipped", r.Package, r.Name)
		}
	}
	if ran < len(modules) {
		t.Fatalf("ran %d Rego tests for %d modules; want at least one per module", ran, len(modules))
	}

	report := cov.Report(modules)
	names := make([]string, 0, len(report.Files))
	for name := range report.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	covered, total := 0, 0
	for _, name := range names {
		if IsTest(name) {
			continue
		}
		f := report.Files[name]
		covered += f.CoveredLines
		total += f.CoveredLines + f.NotCoveredLines
		reported := map[int]bool{}
		for _, rng := range f.NotCovered {
			if !reported[rng.Start.Row] {
				reported[rng.Start.Row] = true
				t.Errorf("%s:%d-%d is not covered by any Rego test", name, rng.Start.Row, rng.End.Row)
			}
		}
	}
	t.Logf("%d Rego tests; policy coverage %.1f%% (%d of %d lines)", ran, 100*float64(covered)/float64(max(total, 1)), covered, total)
}

// TestEveryPolicyHasTests keeps the x.rego beside x_test.rego layout.
func TestEveryPolicyHasTests(t *testing.T) {
	policies, err := fs.Glob(FS, "*.rego")
	require.NoError(t, err)
	have := map[string]bool{}
	for _, name := range policies {
		have[name] = true
	}
	for _, name := range policies {
		if IsTest(name) {
			if !have[strings.TrimSuffix(name, "_test.rego")+".rego"] {
				t.Errorf("%s tests no policy", name)
			}
			continue
		}
		if !have[strings.TrimSuffix(name, ".rego")+"_test.rego"] {
			t.Errorf("%s has no %s", name, strings.TrimSuffix(name, ".rego")+"_test.rego")
		}
	}
}

// TestDefaultsMatchConfig keeps settings.rego's defaults and config.yaml
// equal, so a rule behaves the same with or without the shipped data.
func TestDefaultsMatchConfig(t *testing.T) {
	rs, err := rego.New(
		rego.Query("data.slipway.settings.defaults"),
		rego.ParsedModule(parseModules(t, false)["settings.rego"]),
	).Eval(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 1)

	want := normalise(t, rs[0].Expressions[0].Value)
	got := normalise(t, configData(t)["slipway"].(map[string]any)["config"])
	require.Equal(t, want, got, "config.yaml and data.slipway.settings.defaults differ")
}

// TestConfigIsValid checks the shipped config.yaml against the library's own
// validation (deny_config, warn_config).
func TestConfigIsValid(t *testing.T) {
	rs, err := rego.New(
		rego.Query("x := data.slipway.settings.deny_config | data.slipway.settings.warn_config"),
		rego.ParsedModule(parseModules(t, false)["settings.rego"]),
		rego.Store(inmem.NewFromObject(configData(t))),
	).Eval(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.Empty(t, rs[0].Bindings["x"], "config.yaml has findings")
}

// TestPoliciesFollowInputSchema type-checks the library against the
// published input schema: a rule reading input.model.filez fails here.
func TestPoliciesFollowInputSchema(t *testing.T) {
	b, err := os.ReadFile("../docs/gate-input.schema.json")
	require.NoError(t, err)
	var schema any
	require.NoError(t, json.Unmarshal(b, &schema))
	schemas := ast.NewSchemaSet()
	schemas.Put(ast.SchemaRootRef, schema)

	c := ast.NewCompiler().WithSchemas(schemas)
	c.Compile(parseModules(t, false))
	require.False(t, c.Failed(), "policies against docs/gate-input.schema.json: %v", c.Errors)
}

// TestDocumentedConfigIsValid checks the configuration example in
// docs/gate-input.md against the library's own validation.
func TestDocumentedConfigIsValid(t *testing.T) {
	b, err := os.ReadFile("../docs/gate-input.md")
	require.NoError(t, err)
	_, example, ok := strings.Cut(string(b), "```yaml\n")
	require.True(t, ok, "docs/gate-input.md has no YAML example")
	example, _, _ = strings.Cut(example, "```")
	var data map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(example), &data))

	rs, err := rego.New(
		rego.Query("x := data.slipway.settings.deny_config | data.slipway.settings.warn_config"),
		rego.ParsedModule(parseModules(t, false)["settings.rego"]),
		rego.Store(inmem.NewFromObject(normalise(t, data).(map[string]any))),
	).Eval(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.Empty(t, rs[0].Bindings["x"], "the documented configuration has findings")
}

// parseModules parses the embedded policies, and their tests when tests is set.
func parseModules(t *testing.T, tests bool) map[string]*ast.Module {
	t.Helper()
	names, err := fs.Glob(FS, "*.rego")
	require.NoError(t, err)
	modules := map[string]*ast.Module{}
	for _, name := range names {
		if IsTest(name) && !tests {
			continue
		}
		src, err := fs.ReadFile(FS, name)
		require.NoError(t, err)
		m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		require.NoError(t, err, "parsing %s", name)
		modules[name] = m
	}
	return modules
}

// configData is config.yaml as the data document it becomes.
func configData(t *testing.T) map[string]any {
	t.Helper()
	src, err := fs.ReadFile(FS, ConfigFile)
	require.NoError(t, err)
	var data map[string]any
	require.NoError(t, yaml.Unmarshal(src, &data), "parsing %s", ConfigFile)
	return normalise(t, data).(map[string]any)
}

// normalise round-trips v through JSON, so values compare whatever produced them.
func normalise(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
