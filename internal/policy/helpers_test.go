package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// writeFiles writes files (slash-separated names) under a new temporary
// folder and returns it.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// compileFiles compiles the policies files holds, as one folder.
func compileFiles(t testing.TB, files map[string]string, opts ...Option) (*Engine, error) {
	t.Helper()
	return Compile(context.Background(), Sources{Paths: []string{writeFiles(t, files)}}, opts...)
}

func mustCompile(t testing.TB, files map[string]string, opts ...Option) *Engine {
	t.Helper()
	e, err := compileFiles(t, files, opts...)
	require.NoError(t, err, "Compile(%v)", files)
	return e
}

// requireUsage checks that err is a usage error whose message has every
// one of wants.
func requireUsage(t testing.TB, err error, wants ...string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, fault.Usage, fault.KindOf(err), "kind of %q", err)
	for _, w := range wants {
		require.Contains(t, err.Error(), w)
	}
}

// fixedClock is a clock stopped at s (RFC 3339).
func fixedClock(t testing.TB, s string) func() time.Time {
	t.Helper()
	now, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return func() time.Time { return now }
}

// brief is a finding reduced to what tests compare.
type brief struct {
	Kind    Kind
	Package string
	Rule    string
	Msg     string
	Waived  bool
}

func briefs(fs []Finding) []brief {
	out := []brief{}
	for _, f := range fs {
		out = append(out, brief{Kind: f.Kind, Package: f.Package, Rule: f.Rule, Msg: f.Message, Waived: f.Waived != nil})
	}
	return out
}
