package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDriftReports: --report writes each format, and in GitHub Actions the
// markdown becomes the step summary and the outputs are set; the exit code
// is the drift's, whatever was published.
func TestDriftReports(t *testing.T) {
	iris, err := filepath.Abs("../../testdata/iris/data/iris.csv")
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)
	for _, k := range []string{"CI", "GITLAB_CI", "JENKINS_URL", "SLIPWAY_CONFIG"} {
		t.Setenv(k, "")
	}
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_OUTPUT", filepath.Join(dir, "gh-output"))
	t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(dir, "gh-summary"))
	shiftedIris(t, iris, "shifted.csv")

	main := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
		return code, stderr.String()
	}
	code, stderr := main("drift", "--reference", iris, "--current", "shifted.csv",
		"--report", "html=out/drift.html", "--report", "markdown=out/drift.md", "--report", "json=drift.json")
	require.Equal(t, 1, code, "dataset drift exits 1; stderr:\n%s", stderr)

	html, err := os.ReadFile("out/drift.html")
	require.NoError(t, err)
	assert.Equal(t, 5, strings.Count(string(html), "<svg "), "one chart per iris column (4 numeric, species)")
	md, err := os.ReadFile("out/drift.md")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(md), "<!-- slipway-drift:iris.csv -->\n"), "markdown starts with its marker:\n%s", md)
	var doc map[string]any
	b, err := os.ReadFile("drift.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, true, doc["dataset_drift"])

	summary, err := os.ReadFile("gh-summary")
	require.NoError(t, err)
	assert.Equal(t, string(md), strings.TrimSpace(string(summary))+"\n", "the step summary is the markdown report")
	outputs, err := os.ReadFile("gh-output")
	require.NoError(t, err)
	assert.Contains(t, string(outputs), "drift<<")
	assert.Contains(t, string(outputs), "out/drift.md")
}

func TestDriftReportUsage(t *testing.T) {
	dir := t.TempDir()
	for _, spec := range []string{"pdf=x.pdf", "html", "html="} {
		var stdout, stderr bytes.Buffer
		out := filepath.Join(dir, "x")
		code := Main(context.Background(), []string{"drift", "--reference", out, "--current", out, "--report", spec},
			IO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
		assert.Equal(t, 2, code, "--report %s: stderr %s", spec, stderr.String())
		assert.Contains(t, stderr.String(), "--report", "--report %s", spec)
	}
}
