// Package promotion holds example policies for environments (the policy:
// of an environment in slipway.yaml): a change freeze and production only
// from the default branch. They are not part of the library embedded in the
// binary; this test runs their Rego tests as `slipway policy test` would.
package promotion

import (
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/policies"
)

func TestRego(t *testing.T) {
	report, err := policy.Test(context.Background(), policy.Sources{Paths: []string{"."}}, policy.TestOptions{})
	require.NoError(t, err, "compiling the promotion policies and their tests")
	for _, r := range report.Tests {
		if r.Outcome != policy.TestPass {
			t.Errorf("%s.%s (%v): %s: %s %s", r.Package, r.Name, r.Location, r.Outcome, r.Message, r.Output)
		}
	}
	require.GreaterOrEqual(t, len(report.Tests), 14, "ran %d Rego tests", len(report.Tests))
	for _, f := range report.Coverage.Files {
		if f.NotCoveredLines > 0 {
			t.Errorf("%s: lines %v are not covered by any Rego test", f.File, f.NotCovered)
		}
	}
	t.Logf("%d Rego tests; coverage %.1f%%", len(report.Tests), report.Coverage.Percent)
}

// TestNotEmbedded keeps these examples out of the gate's library: they are
// for environments, and the gate would evaluate them against a model.
func TestNotEmbedded(t *testing.T) {
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != "." {
			t.Errorf("the embedded library has a folder %s", p)
		}
		return err
	})
	require.NoError(t, err)
}

// TestUsableAsEnvironmentPolicy compiles the folder the way promote does
// and evaluates a refused promotion.
func TestUsableAsEnvironmentPolicy(t *testing.T) {
	ctx := context.Background()
	e, err := policy.Compile(ctx, policy.Sources{Paths: []string{"."}}, policy.WithStrictBuiltinErrors())
	require.NoError(t, err)
	res, err := e.Eval(ctx, map[string]any{
		"action": "promote", "environment": "production", "time": "2026-03-06T10:00:00Z",
		"ci": map[string]any{"platform": "github", "branch": "feature", "default_branch": "main"},
	})
	require.NoError(t, err)
	require.Len(t, res.Failures(), 1, "%+v", res.Findings)
	require.Contains(t, res.Failures()[0].Message, "only from the default branch main")
}
