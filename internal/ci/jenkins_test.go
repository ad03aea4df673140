package ci

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJenkinsOutputs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	p := New(Jenkins, WithGetenv(env(nil)), WithOutputsPath(path))
	require.NoError(t, p.SetOutputs(map[string]string{"decision": "fail", "report": "line 1\nline 2"}))
	require.NoError(t, p.SetOutputs(map[string]string{"decision": "pass"}))

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var got map[string]string
	require.NoError(t, json.Unmarshal(b, &got), "outputs file %s", b)
	assert.Equal(t, map[string]string{"decision": "pass", "report": "line 1\nline 2"}, got)
}

func TestJenkinsReport(t *testing.T) {
	t.Chdir(t.TempDir())
	p := New(Jenkins, WithGetenv(env(nil)))
	ctx := context.Background()
	require.NoError(t, p.Summary(ctx, "iris", irisMarker, "## iris: fail\n"))
	require.NoError(t, p.Summary(ctx, "wine", "m2", "## wine: pass"))
	require.NoError(t, p.Summary(ctx, "iris", irisMarker, "## iris: pass"))

	got, err := os.ReadFile("slipway-report.md")
	require.NoError(t, err)
	assert.Equal(t, "## iris: pass\n\n---\n\n## wine: pass\n", string(got))
	require.NoError(t, p.Annotate(nil))
}

func TestJenkinsDir(t *testing.T) {
	dir := t.TempDir()
	p := New(Jenkins, WithGetenv(env(map[string]string{"SLIPWAY_JENKINS_DIR": dir})))
	require.NoError(t, p.SetOutputs(map[string]string{"decision": "pass"}))
	require.NoError(t, p.Summary(context.Background(), "iris", irisMarker, "## iris: pass\n"))
	for _, f := range []string{"slipway-outputs.json", "slipway-report.md"} {
		assert.FileExists(t, filepath.Join(dir, f), "with SLIPWAY_JENKINS_DIR=%s", dir)
	}
}

func TestLocalDoesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	p := New(Local)
	require.NoError(t, p.SetOutputs(map[string]string{"decision": "pass"}))
	require.NoError(t, p.Summary(context.Background(), "iris", irisMarker, "## iris"))
	require.NoError(t, p.Annotate(nil))
	p.Mask("s")
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	assert.Empty(t, entries, "files written locally")
}
