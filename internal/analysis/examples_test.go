package analysis_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/analysis"
)

// examplesDir holds the shipped analysis files (docs/analysis.md).
const examplesDir = "../../examples/analysis"

// TestExamplesParse loads every file under examples/analysis with the
// analysis file parser, and renders each query with a candidate's values:
// the examples the docs point at are valid analyses.
func TestExamplesParse(t *testing.T) {
	entries, err := os.ReadDir(examplesDir)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			spec, err := analysis.Load(filepath.Join(examplesDir, e.Name()))
			require.NoError(t, err)
			for _, m := range spec.Measurements {
				q, err := m.Render(analysis.Vars{Model: "iris-classifier", Version: "1.1.0", Environment: "canary", Digest: "sha256:ab"})
				require.NoError(t, err)
				assert.NotContains(t, q, "{{", "%s: every template is filled", m.Name)
				assert.Contains(t, q, "iris-classifier", "%s: the query selects the candidate", m.Name)
			}
		})
		seen[strings.TrimSuffix(e.Name(), ".yaml")] = true
	}
	for _, want := range []string{"error-rate", "latency-p99", "prediction-psi"} {
		assert.True(t, seen[want], "examples/analysis/%s.yaml is shipped", want)
	}
}
