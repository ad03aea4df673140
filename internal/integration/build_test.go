package integration

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// builtImage packs the example to a repository of reg (version 1.0.0),
// pushes a busybox base to another, and builds the model onto the base into
// a third, with args added to the build. It returns the pinned image
// reference, the model's repository and the base's reference.
func builtImage(t *testing.T, reg string, args ...string) (image, model, base string) {
	t.Helper()
	model = reg + "/" + repo("iris")
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", model)
	base = pushBusybox(t, reg+"/"+repo("busybox"))
	r := mustSlipway(t, append([]string{"build", model + ":1.0.0", "--base", base, "--to", reg + "/" + repo("iris-server")}, args...)...)
	require.Regexp(t, pinnedLine, r.lastLine(), "last line of\n%s", r)
	return r.lastLine(), model, base
}

// TestBuiltImageRuns runs the image with podman and checks, inside it,
// that the model file is the one packed and the env says where it is.
func TestBuiltImageRuns(t *testing.T) {
	reg := env(t)
	image, model, _ := builtImage(t, reg, "--env", "GREETING=hello", "--entrypoint", "sh", "--cmd", "-c", "--cmd", "echo serving")
	modelDigest := skopeoDigest(t, model+":1.0.0")

	out := podman(t, reg, "run", "--rm", "--entrypoint", "sh", image, "-c",
		"sha256sum /models/iris-classifier/model.safetensors && env")
	want := sha256File(t, filepath.Join(example(t), "model.safetensors"))
	assert.Contains(t, out, want+"  /models/iris-classifier/model.safetensors", "sha256sum inside the container:\n%s", out)
	for _, kv := range []string{"MODEL_PATH=/models/iris-classifier", "MODEL_NAME=iris-classifier", "MODEL_DIGEST=" + modelDigest, "GREETING=hello", "PATH=/bin"} {
		assert.Contains(t, strings.Split(out, "\n"), kv, "env inside the container:\n%s", out)
	}
	assert.Equal(t, "serving\n", podman(t, reg, "run", "--rm", image), "the image's own entrypoint and cmd")
}

// TestBuiltImageUnpacks copies the image with skopeo into an OCI layout,
// unpacks it with umoci and compares every model file with the original.
func TestBuiltImageUnpacks(t *testing.T) {
	reg := env(t)
	image, _, _ := builtImage(t, reg)
	layout := filepath.Join(t.TempDir(), "layout")
	registrytest.Skopeo(t, "copy", "--src-tls-verify=false", "docker://"+image, "oci:"+layout+":built")
	bundle := filepath.Join(t.TempDir(), "bundle")
	registrytest.Umoci(t, "unpack", "--image", layout+":built", bundle)

	for _, f := range exampleFiles {
		assert.Equal(t, sha256File(t, filepath.Join(example(t), f)), sha256File(t, filepath.Join(bundle, "rootfs/models/iris-classifier", f)), "%s unpacked by umoci", f)
	}
	fi, err := os.Stat(filepath.Join(bundle, "rootfs/bin/busybox"))
	require.NoError(t, err, "the base's files are there too")
	assert.NotZero(t, fi.Mode()&0o111, "busybox stays executable")
	var spec struct {
		Process struct{ Env []string } `json:"process"`
	}
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &spec))
	assert.Contains(t, spec.Process.Env, "MODEL_PATH=/models/iris-classifier", "umoci's runtime config")
}

// TestBuildOnRegistryIsReproducible builds the same inputs twice, into two
// repositories: one digest, which skopeo sees too.
func TestBuildOnRegistryIsReproducible(t *testing.T) {
	reg := env(t)
	image, model, base := builtImage(t, reg)
	again := mustSlipway(t, "build", model+":1.0.0", "--base", base, "--to", reg+"/"+repo("iris-server")).lastLine()
	_, d1, _ := strings.Cut(image, "@")
	_, d2, _ := strings.Cut(again, "@")
	assert.Equal(t, d1, d2, "digests of two builds of the same inputs")
	assert.Equal(t, d2, skopeoDigest(t, again), "the digest skopeo reads")
}

// TestRebuildUploadsNoModelBytes rebuilds with another env through a
// counting proxy (only the new config and manifest go up), then builds the
// same model into another repository of the registry: its layers are
// mounted, not sent.
func TestRebuildUploadsNoModelBytes(t *testing.T) {
	reg := env(t)
	proxy, stats := registrytest.Counting(t, reg)
	model := proxy + "/" + repo("iris")
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", model)
	base := pushBusybox(t, reg+"/"+repo("busybox"))
	base = proxy + strings.TrimPrefix(base, reg)
	server := proxy + "/" + repo("iris-server")
	build := func(args ...string) map[string]any {
		t.Helper()
		r := mustSlipway(t, append([]string{"build", model + ":1.0.0", "--base", base, "--sbom", "none", "-o", "json"}, args...)...)
		var out map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), "stdout of\n%s", r)
		return out
	}
	first := build("--to", server)
	for _, l := range layerDigests(first) {
		require.Equal(t, 1, stats.Count("PUT", l), "uploads of layer %s by the first build", l)
	}

	stats.Reset()
	second := build("--to", server, "--env", "LOG_LEVEL=debug")
	cfg, manifest := configAndManifest(t, server, second["digest"].(string))
	assert.Equal(t, cfg+manifest, stats.BytesUploaded(), "bytes uploaded by a rebuild with another env: want the config (%d) and the manifest (%d) only", cfg, manifest)
	for _, l := range layerDigests(second) {
		assert.Zero(t, stats.Count("PUT", l), "uploads of layer %s", l)
	}

	stats.Reset()
	other := proxy + "/" + repo("iris-server")
	third := build("--to", other, "--mount-from", server)
	assert.Equal(t, first["digest"], third["digest"], "the same build into another repository")
	cfg, manifest = configAndManifest(t, other, third["digest"].(string))
	assert.Equal(t, cfg+manifest, stats.BytesUploaded(), "bytes uploaded into a new repository of the same registry: the layers are mounted")
	assert.GreaterOrEqual(t, stats.Count("POST", "mount="), len(layerDigests(third)), "blob mounts")
}

// TestBuildAttachesSBOM finds the SPDX document through the referrers of
// the image (the sha256-<hex> tag on Distribution) and checks the weight's
// checksum in it.
func TestBuildAttachesSBOM(t *testing.T) {
	reg := env(t)
	image, _, _ := builtImage(t, reg)
	ref, err := name.NewDigest(image)
	require.NoError(t, err)
	idx, err := remote.Referrers(ref, remote.WithContext(t.Context()))
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	require.Len(t, im.Manifests, 1, "referrers of %s", image)
	assert.Equal(t, "application/spdx+json", im.Manifests[0].ArtifactType)

	sbom, err := remote.Image(ref.Context().Digest(im.Manifests[0].Digest.String()), remote.WithContext(t.Context()))
	require.NoError(t, err)
	layers, err := sbom.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	rc, err := layers[0].Compressed()
	require.NoError(t, err)
	defer rc.Close()
	doc, err := io.ReadAll(rc)
	require.NoError(t, err)
	var spdx struct {
		SPDXVersion string `json:"spdxVersion"`
		Files       []struct {
			FileName  string
			Checksums []struct{ Algorithm, ChecksumValue string }
		} `json:"files"`
	}
	require.NoError(t, json.Unmarshal(doc, &spdx), "SBOM:\n%s", doc)
	assert.Equal(t, "SPDX-2.3", spdx.SPDXVersion)
	found := false
	for _, f := range spdx.Files {
		if f.FileName == "/models/iris-classifier/model.safetensors" {
			found = true
			assert.Contains(t, f.Checksums, struct{ Algorithm, ChecksumValue string }{"SHA256", sha256File(t, filepath.Join(example(t), "model.safetensors"))})
		}
	}
	assert.True(t, found, "the weight file is in the SBOM:\n%s", doc)
	assert.Len(t, spdx.Files, len(exampleFiles))
}

// configAndManifest are the sizes of the config and manifest of repository@digest.
func configAndManifest(t *testing.T, repository, digest string) (int64, int64) {
	t.Helper()
	m, raw := skopeoManifestAt(t, "docker://"+repository+"@"+digest)
	return m.Config.Size, int64(len(raw))
}

// layerDigests lists the hex digests of the layers a build added, from its
// JSON output (hex, as upload URLs escape the colon).
func layerDigests(out map[string]any) []string {
	var ds []string
	for _, l := range out["layers"].([]any) {
		ds = append(ds, strings.TrimPrefix(l.(map[string]any)["digest"].(string), "sha256:"))
	}
	return ds
}

// sha256File is the hex sha256 of a file.
func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return strings.TrimPrefix(digestOf(b), "sha256:")
}
