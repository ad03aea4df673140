package policy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

func registryStore(t *testing.T, repo string) oci.Store {
	t.Helper()
	ref, err := oci.ParseRef(registrytest.InProcess(t)+"/"+repo, false)
	require.NoError(t, err)
	return oci.Open(ref)
}

// stores are the two kinds of store a bundle can live in.
func stores(t *testing.T) map[string]func(t *testing.T) oci.Store {
	return map[string]func(t *testing.T) oci.Store{
		"registry": func(t *testing.T) oci.Store { return registryStore(t, "policies/gate") },
		"layout":   func(t *testing.T) oci.Store { return oci.OpenLayout(t.TempDir()) },
	}
}

func TestOCIRoundTrip(t *testing.T) {
	ctx := context.Background()
	policies := writeFiles(t, map[string]string{
		"metrics.rego":             thresholdPolicy,
		"metrics_test.rego":        "package slipway.metrics_test\ntest_x if true\n",
		"lib/helper.rego":          "package slipway.lib\nx := 1\n",
		"slipway/config/data.yaml": "min:\n  accuracy: 0.9\n",
	})
	input := map[string]any{"metrics": map[string]any{"accuracy": 0.5}}
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			desc, err := PushOCI(ctx, store, "v1", Sources{Paths: []string{policies}})
			require.NoError(t, err)

			raw, err := store.Manifest(ctx, desc.Digest)
			require.NoError(t, err)
			m, err := v1.ParseManifest(bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Equal(t, ConfigMediaType, m.Config.MediaType)
			var layers []string
			for _, l := range m.Layers {
				layers = append(layers, string(l.MediaType)+" "+l.Annotations[annotationTitle])
			}
			assert.Equal(t, []string{
				string(PolicyLayerMediaType) + " lib/helper.rego",
				string(PolicyLayerMediaType) + " metrics.rego",
				string(PolicyLayerMediaType) + " metrics_test.rego",
				string(DataLayerMediaType) + " data.json",
			}, layers)

			again, err := PushOCI(ctx, store, "v1-again", Sources{Paths: []string{policies}})
			require.NoError(t, err)
			assert.Equal(t, desc.Digest, again.Digest, "the same policies push to the same digest")

			// In memory, by tag and by digest.
			for _, id := range []string{"v1", desc.Digest.String()} {
				e, err := Compile(ctx, Sources{OCI: []OCISource{{Store: store, ID: id}}})
				require.NoError(t, err, "Compile from %s", id)
				res, err := e.Eval(ctx, input)
				require.NoError(t, err)
				assert.Equal(t, []brief{{Failure, "slipway.metrics", "deny", "accuracy 0.5 is below 0.9", false}}, briefs(res.Findings))
			}

			// Pulled to disk, then loaded as a folder.
			dir := t.TempDir()
			written, err := PullOCI(ctx, store, "v1", dir)
			require.NoError(t, err)
			assert.Len(t, written, 4)
			got, err := os.ReadFile(filepath.Join(dir, "metrics.rego"))
			require.NoError(t, err)
			assert.Equal(t, thresholdPolicy, string(got), "policies are pushed byte for byte")
			e, err := Compile(ctx, Sources{Paths: []string{dir}})
			require.NoError(t, err)
			res, err := e.Eval(ctx, input)
			require.NoError(t, err)
			assert.Len(t, res.Findings, 1)
			report, err := Test(ctx, Sources{Paths: []string{dir}}, TestOptions{})
			require.NoError(t, err)
			assert.Equal(t, 1, report.Count(TestPass), "tests travel with the bundle")
		})
	}
}

func TestOCIRefusesBrokenPolicies(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.rego": "package x\ndeny contains"})
	_, err := PushOCI(context.Background(), oci.OpenLayout(t.TempDir()), "v1", Sources{Paths: []string{dir}})
	requireUsage(t, err, "bad.rego:")
}

// pushRaw pushes a hand-made artifact, as other tools make them.
func pushRaw(t *testing.T, store oci.Store, tag string, configType types.MediaType, layers ...layerFile) {
	t.Helper()
	img, _, err := newArtifact(configType, layers)
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(context.Background(), img, tag))
}

func TestOCIForeignBundles(t *testing.T) {
	ctx := context.Background()
	input := map[string]any{"metrics": map[string]any{"accuracy": 0.5}}
	want := []brief{{Failure, "slipway.metrics", "deny", "accuracy 0.5 is below 0.9", false}}

	t.Run("conftest push: unknown config, paths with folders, YAML data", func(t *testing.T) {
		store := oci.OpenLayout(t.TempDir())
		pushRaw(t, store, "latest", "application/vnd.unknown.config.v1+json",
			layerFile{title: "policy/metrics.rego", mediaType: PolicyLayerMediaType, raw: []byte(thresholdPolicy)},
			layerFile{title: "policy/config.yaml", mediaType: DataLayerMediaType, raw: []byte("slipway:\n  config:\n    min:\n      accuracy: 0.9\n")},
		)
		e, err := Compile(ctx, Sources{OCI: []OCISource{{Store: store, ID: "latest"}}})
		require.NoError(t, err)
		res, err := e.Eval(ctx, input)
		require.NoError(t, err)
		assert.Equal(t, want, briefs(res.Findings))
		assert.Contains(t, res.Findings[0].Location.File, ":latest/policy/metrics.rego")

		dir := t.TempDir()
		_, err = PullOCI(ctx, store, "latest", dir)
		require.NoError(t, err)
		assert.FileExists(t, filepath.Join(dir, "policy", "metrics.rego"))
		assert.FileExists(t, filepath.Join(dir, "policy", "config.yaml"))
	})

	t.Run("an OPA bundle tarball layer", func(t *testing.T) {
		store := registryStore(t, "opa/bundle")
		pushRaw(t, store, "1.0", "application/vnd.oci.image.config.v1+json", layerFile{
			title: "bundle.tar.gz", mediaType: types.OCILayer,
			raw: tarGz(t, map[string]string{"/metrics.rego": thresholdPolicy, "/slipway/config/data.json": `{"min": {"accuracy": 0.9}}`}),
		})
		e, err := Compile(ctx, Sources{OCI: []OCISource{{Store: store, ID: "1.0"}}})
		require.NoError(t, err)
		res, err := e.Eval(ctx, input)
		require.NoError(t, err)
		assert.Equal(t, want, briefs(res.Findings))

		dir := t.TempDir()
		_, err = PullOCI(ctx, store, "1.0", dir)
		require.NoError(t, err)
		e, err = Compile(ctx, Sources{Paths: []string{filepath.Join(dir, "bundle.tar.gz")}})
		require.NoError(t, err, "a pulled bundle tarball loads as a bundle")
		res, err = e.Eval(ctx, input)
		require.NoError(t, err)
		assert.Equal(t, want, briefs(res.Findings))
	})
}

func TestOCIBadBundles(t *testing.T) {
	ctx := context.Background()
	t.Run("a title that escapes the folder", func(t *testing.T) {
		store := oci.OpenLayout(t.TempDir())
		pushRaw(t, store, "evil", ConfigMediaType, layerFile{title: "../evil.rego", mediaType: PolicyLayerMediaType, raw: []byte("package x\n")})
		parent := t.TempDir()
		dir := filepath.Join(parent, "pulled")
		_, err := PullOCI(ctx, store, "evil", dir)
		requireUsage(t, err, `title "../evil.rego"`)
		assert.NoFileExists(t, filepath.Join(parent, "evil.rego"))
	})
	t.Run("not a policy bundle", func(t *testing.T) {
		store := oci.OpenLayout(t.TempDir())
		img, err := random.Image(100, 1)
		require.NoError(t, err)
		require.NoError(t, store.WriteImage(ctx, img, "image"))
		_, err = Compile(ctx, Sources{OCI: []OCISource{{Store: store, ID: "image"}}})
		requireUsage(t, err, "is not a policy bundle")
	})
	t.Run("missing tag", func(t *testing.T) {
		_, err := PullOCI(ctx, registryStore(t, "none"), "v9", t.TempDir())
		requireUsage(t, err, "none:v9: not found")
	})
}
