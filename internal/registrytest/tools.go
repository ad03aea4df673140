package registrytest

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// Skopeo runs skopeo with args and returns its stdout, failing the test with
// skopeo's stderr if it fails. Without skopeo on PATH the test is skipped or
// failed like Real. The registries are plain HTTP, so pass --tls-verify=false
// (--src-tls-verify=false and --dest-tls-verify=false for copy).
func Skopeo(t testing.TB, args ...string) []byte {
	t.Helper()
	return runTool(t, "skopeo", args)
}

// Umoci runs umoci with args and returns its stdout, like Skopeo. umoci reads
// OCI layouts only: copy an image into one with skopeo first.
func Umoci(t testing.TB, args ...string) []byte {
	t.Helper()
	return runTool(t, "umoci", args)
}

// Tool returns the path of the command name on PATH. Without it the test is
// skipped on a developer's machine and fails where integration tests must run
// (CI, SLIPWAY_INTEGRATION=1): scripts/test.sh installs every tool the tests
// use, so a test never passes by silently skipping there.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, name+" is not on PATH")
		return ""
	}
	return path
}

func runTool(t testing.TB, name string, args []string) []byte {
	t.Helper()
	path := Tool(t, name)
	if path == "" {
		return nil
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}
