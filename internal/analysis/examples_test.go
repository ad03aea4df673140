package analysis_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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

// TestExamplesReferencedExist: every analysis file the examples and the
// docs name (…analysis/NAME.yaml) is shipped.
func TestExamplesReferencedExist(t *testing.T) {
	ref := regexp.MustCompile(`analysis/([A-Za-z0-9._-]+\.yaml)`)
	found := 0
	check := func(path string) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			found++
			assert.FileExists(t, filepath.Join(examplesDir, m[1]), "%s names analysis/%s", path, m[1])
		}
	}
	for _, root := range []string{"../../examples", "../../docs"} {
		require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(p, examplesDir) {
				return err
			}
			if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" || ext == ".md" || ext == ".sh" {
				check(p)
			}
			return nil
		}))
	}
	check("../../README.md")
	assert.Greater(t, found, 3, "the examples and docs point at the analysis files")
}
