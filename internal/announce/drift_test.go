package announce

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/report"
)

func driftResult() *drift.Result {
	return &drift.Result{
		Reference: "registry.example.com/ml/iris:1.0.0@sha256:abc", ReferenceFile: "train.csv",
		Current: []string{"today.csv"}, Columns: []string{"x"},
		Features: map[string]*drift.Feature{"x": {Kind: drift.KindNumeric, Test: "ks", PSI: 0.5, Drifted: true}},
		Tested:   1, Drifted: 1, ShareDrifted: 1, DatasetDrift: true, Thresholds: drift.DefaultThresholds,
	}
}

// TestDriftGitHub: on GitHub, Drift sets the outputs and appends the
// markdown report, marker first, to the step summary.
func TestDriftGitHub(t *testing.T) {
	dir := t.TempDir()
	outputs, summary, md := filepath.Join(dir, "output"), filepath.Join(dir, "summary"), filepath.Join(dir, "drift.md")
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": outputs, "GITHUB_STEP_SUMMARY": summary}
	var stderr bytes.Buffer
	Drift(context.Background(), driftResult(), DriftOptions{Getenv: func(k string) string { return env[k] }, Stderr: &stderr, MarkdownReport: md})
	assert.Empty(t, stderr.String(), "warnings")

	out, err := os.ReadFile(outputs)
	require.NoError(t, err)
	for _, want := range []string{"drift<<", "\ntrue\n", "share<<", "\n1\n", "report<<", "\n" + md + "\n"} {
		assert.Contains(t, string(out), want, "GITHUB_OUTPUT")
	}
	sum, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(sum), "<!-- slipway-drift:registry.example.com/ml/iris -->\n"), "summary starts with the marker:\n%s", sum)
	assert.Contains(t, string(sum), "Dataset drift")
	_, err = os.Stat(DefaultDriftReport)
	assert.ErrorIs(t, err, os.ErrNotExist, "a report was named: the default one is not written")
}

// TestDriftSideChannelsWarn: outputs and a summary that cannot be written
// are warnings; Drift has no error to return.
func TestDriftSideChannelsWarn(t *testing.T) {
	env := map[string]string{"GITHUB_ACTIONS": "true"} // neither GITHUB_OUTPUT nor GITHUB_STEP_SUMMARY
	var stderr bytes.Buffer
	Drift(context.Background(), driftResult(), DriftOptions{
		Getenv: func(k string) string { return env[k] }, Stderr: &stderr, MarkdownReport: filepath.Join(t.TempDir(), "drift.md"),
	})
	assert.Contains(t, stderr.String(), "warning: setting the outputs")
	assert.Contains(t, stderr.String(), "warning: publishing the drift report")
	assert.Contains(t, stderr.String(), "does not change the result or the exit code")
}

// TestDriftLocal: outside CI nothing is written or printed.
func TestDriftLocal(t *testing.T) {
	var stderr bytes.Buffer
	Drift(context.Background(), driftResult(), DriftOptions{Getenv: func(string) string { return "" }, Stderr: &stderr})
	assert.Empty(t, stderr.String())
	_, err := os.Stat(DefaultDriftReport)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestDriftMarkerIsNotTheGates: the drift note and the gate note of one
// model are two notes; one must not overwrite the other.
func TestDriftMarkerIsNotTheGates(t *testing.T) {
	assert.NotEqual(t, report.Marker("iris"), report.DriftMarker("iris"))
	assert.NotContains(t, report.DriftMarker("iris"), report.Marker("iris"))
}
