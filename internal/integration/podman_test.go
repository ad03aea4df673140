package integration

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"
)

// podman runs a container engine we did not write, with a configuration of
// its own: runc (crun cannot work on these machines), vfs storage in a
// temporary folder, no network, and reg as an insecure registry. It returns
// stdout. Without podman the test is skipped locally and fails in CI, like
// the registry tests.
func podman(t *testing.T, reg string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("podman")
	if err != nil {
		toolMissing(t, "podman is not on PATH")
	}
	dir := t.TempDir()
	files := map[string]string{
		"containers.conf": "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\nnetns = \"none\"\n" +
			"[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
		"storage.conf":    "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + dir + "/root\"\nrunroot = \"" + dir + "/run\"\n",
		"registries.conf": "[[registry]]\nlocation = \"" + reg + "\"\ninsecure = true\n",
	}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), path, args...)
	// Not the tests' DOCKER_CONFIG: podman refuses a folder with no config.json in it.
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "DOCKER_CONFIG=") }),
		"CONTAINERS_CONF="+filepath.Join(dir, "containers.conf"),
		"CONTAINERS_STORAGE_CONF="+filepath.Join(dir, "storage.conf"),
		"CONTAINERS_REGISTRIES_CONF="+filepath.Join(dir, "registries.conf"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("podman %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String()
}

// toolMissing skips the test on a developer's machine and fails it where
// integration tests must run (SLIPWAY_INTEGRATION=1 or CI), as registrytest does.
func toolMissing(t *testing.T, why string) {
	t.Helper()
	if ci := os.Getenv("CI"); os.Getenv("SLIPWAY_INTEGRATION") == "1" || (ci != "" && ci != "false" && ci != "0") {
		t.Fatalf("%s, but SLIPWAY_INTEGRATION=1 or CI is set, so integration tests must run: use `make test` (scripts/test.sh), which installs it", why)
	}
	t.Skipf("%s: run `make test` (scripts/test.sh) for the integration tests", why)
}

// busyboxApplets are linked to /bin/busybox in the base image.
var busyboxApplets = []string{"sh", "env", "sha256sum", "cat", "ls", "echo"}

// pushBusybox pushes a minimal base image to repository: Debian's static
// busybox in one tar layer (OCI media types) with links for a shell and a
// few tools, PATH=/bin, and sh as its cmd. It returns the reference.
func pushBusybox(t *testing.T, repository string) string {
	t.Helper()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		toolMissing(t, "/bin/busybox (Debian's busybox-static) is missing")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "bin/", Mode: 0o755}))
	require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))}))
	_, err = tw.Write(bin)
	require.NoError(t, err)
	for _, applet := range busyboxApplets {
		require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + applet, Linkname: "busybox", Mode: 0o777}))
	}
	require.NoError(t, tw.Close())
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
	require.NoError(t, err)

	img, err := mutate.ConfigFile(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON),
		&v1.ConfigFile{OS: "linux", Architecture: runtime.GOARCH, RootFS: v1.RootFS{Type: "layers"},
			Config: v1.Config{Env: []string{"PATH=/bin"}, Cmd: []string{"sh"}}})
	require.NoError(t, err)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "busybox-static"}})
	require.NoError(t, err)
	ref := repository + ":1"
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	require.NoError(t, remote.Write(r, img, remote.WithContext(t.Context())))
	return ref
}
