package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestExampleOutputSurvivesARedirect runs make example's script with both
// streams redirected to one file, as `make example > log 2>&1` does, and
// wants every step's output in it, first to last.
func TestExampleOutputSurvivesARedirect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole example")
	}
	bash := registrytest.Tool(t, "bash")
	registrytest.Tool(t, "make")
	work := t.TempDir()
	logPath := filepath.Join(work, "log")
	log, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(bash, "../../scripts/example.sh")
	cmd.Env = append(os.Environ(), "SLIPWAY_EXAMPLE_DIR="+filepath.Join(work, "example"))
	cmd.Stdout, cmd.Stderr = log, log
	runErr := cmd.Run()
	require.NoError(t, log.Close())
	out, err := os.ReadFile(logPath)
	require.NoError(t, err)
	require.NoError(t, runErr, "example.sh:\n%s", out)
	for _, want := range []string{
		"packed iris-classifier 1.0.0", "unchanged iris-classifier 1.0.0", "Name:       iris-classifier",
		"matches slipway.lock", "built iris-classifier on scratch", "promoted iris-classifier 1.0.0 to production",
		"example: done",
	} {
		assert.Contains(t, string(out), want, "the redirected log should keep every step's output")
	}
}
