package integration

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/cli"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// pinnedLine is the last stdout line of a verb that produces an artifact.
var pinnedLine = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

// result is what one in-process run of the CLI gave back.
type result struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "slipway " + strings.Join(r.args, " ") + "\nexit " + strconv.Itoa(r.code) +
		"\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// lastLine is the last non-empty line of stdout.
func (r result) lastLine() string {
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

// slipwayIn runs the CLI in-process with stdin and returns what it did.
func slipwayIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return slipwayCtx(t.Context(), stdin, args...)
}

// slipwayCtx runs the CLI in-process under ctx, as main does under a
// signal-aware context.
func slipwayCtx(ctx context.Context, stdin string, args ...string) result {
	var stdout, stderr bytes.Buffer
	code := cli.Main(ctx, args, cli.IO{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr})
	return result{args: args, code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// slipway runs the CLI in-process with empty stdin.
func slipway(t *testing.T, args ...string) result {
	t.Helper()
	return slipwayIn(t, "", args...)
}

// mustSlipway runs the CLI and fails the test unless it exits 0.
func mustSlipway(t *testing.T, args ...string) result {
	t.Helper()
	r := slipway(t, args...)
	require.Equal(t, 0, r.code, "want exit 0 from\n%s", r)
	return r
}

// wantExit runs the CLI and fails the test unless it exits with want.
func wantExit(t *testing.T, want int, args ...string) result {
	t.Helper()
	r := slipway(t, args...)
	require.Equal(t, want, r.code, "want exit %d from\n%s", want, r)
	return r
}

// env gives the test its own working folder (the CLI keeps its local store
// in .slipway/ and its lock in slipway.lock there), hash cache and empty
// docker config, so nothing on the machine takes part. It returns the open
// registry's host:port.
func env(t *testing.T) string {
	t.Helper()
	reg := registrytest.Real(t)
	isolate(t)
	return reg
}

// anyRegistry isolates the test like env and returns a registry for tests
// that need one but not Distribution's own behaviour: the real one when
// SLIPWAY_TEST_REGISTRY is set (make test), else an in-process one, so
// they run everywhere instead of skipping.
func anyRegistry(t *testing.T) string {
	t.Helper()
	reg := os.Getenv("SLIPWAY_TEST_REGISTRY")
	if reg == "" {
		reg = registrytest.InProcess(t)
	}
	isolate(t)
	return reg
}

func isolate(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
	t.Setenv("SLIPWAY_CACHE_DIR", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("SOURCE_DATE_EPOCH", "0")
	t.Setenv("SLIPWAY_REGISTRY_USERNAME", "")
	t.Setenv("SLIPWAY_REGISTRY_PASSWORD", "")
	t.Setenv("NO_COLOR", "1")
}
