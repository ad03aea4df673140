package imagebuild_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/imagebuild"
)

// TestBuildConfig checks the config, annotations and history a build sets.
func TestBuildConfig(t *testing.T) {
	o, _ := setup(t)
	serve := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(serve, "serve.py"), []byte("print('serving')\n"), 0o755))
	require.NoError(t, os.Symlink("serve.py", filepath.Join(serve, "main.py")))
	o.Adds = []imagebuild.Add{{Src: serve, Dst: "/app"}, {Src: filepath.Join(serve, "serve.py"), Dst: "/usr/local/bin/"}}
	o.Config = imagebuild.Config{
		Entrypoint: []string{"python", "/app/serve.py"},
		Env:        []string{"PORT=8080", "LANG=en_GB.UTF-8"},
		WorkingDir: "/app", User: "1000:1000", Ports: []string{"8080", "9090/udp"},
		Labels: map[string]string{"team": "ml"},
	}
	o.Source, o.Revision, o.Version = "https://github.com/acme/iris", "0123abc", "1.0.0"
	o.Annotations = map[string]string{"com.acme.owner": "ml-platform"}
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	img, err := o.Dest.Image(t.Context(), res.Descriptor.Digest)
	require.NoError(t, err)

	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	c := cfg.Config
	assert.Equal(t, []string{
		"PATH=/usr/bin:/bin", "LANG=en_GB.UTF-8",
		"MODEL_PATH=/models/iris-classifier", "MODEL_NAME=iris-classifier", "MODEL_DIGEST=" + o.Model.Descriptor.Digest.String(),
		"PORT=8080",
	}, c.Env, "env: the base's, the model's, then --env (overriding in place)")
	assert.Equal(t, []string{"python", "/app/serve.py"}, c.Entrypoint)
	assert.Nil(t, c.Cmd, "a new entrypoint drops the base's cmd")
	assert.Equal(t, "/app", c.WorkingDir)
	assert.Equal(t, "1000:1000", c.User)
	assert.Equal(t, map[string]struct{}{"8080/tcp": {}, "9090/udp": {}}, c.ExposedPorts)
	assert.Equal(t, map[string]string{"team": "ml"}, c.Labels)
	assert.Equal(t, epoch.UTC(), cfg.Created.Time.UTC(), "created is SOURCE_DATE_EPOCH")

	var history []string
	for _, h := range cfg.History[2:] {
		history = append(history, h.CreatedBy)
		assert.Equal(t, epoch.UTC(), h.Created.Time.UTC(), "history time of %q", h.CreatedBy)
	}
	assert.Equal(t, "slipway build: model weights model.safetensors", history[0])
	assert.Equal(t, []string{"slipway build: add " + filepath.Base(serve) + " /app", "slipway build: add serve.py /usr/local/bin/serve.py"}, history[len(history)-2:])
	assert.Len(t, history, len(o.Model.Layers)+2, "one history entry per added layer")

	m, err := img.Manifest()
	require.NoError(t, err)
	baseDesc, err := o.Base.Resolve(t.Context(), "base")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"org.opencontainers.image.base.name":   "example.com/acme/base:base",
		"org.opencontainers.image.base.digest": baseDesc.Digest.String(),
		"org.opencontainers.image.created":     "2023-11-14T22:13:20Z",
		"org.opencontainers.image.source":      "https://github.com/acme/iris",
		"org.opencontainers.image.revision":    "0123abc",
		"org.opencontainers.image.version":     "1.0.0",
		"dev.slipway.model.digest":             o.Model.Descriptor.Digest.String(),
		"dev.slipway.model.name":               "iris-classifier",
		"com.acme.owner":                       "ml-platform",
	}, m.Annotations)

	files, links := filesystem(t, img)
	assert.Equal(t, sha256File(t, filepath.Join(serve, "serve.py")), files["/app/serve.py"])
	assert.Equal(t, sha256File(t, filepath.Join(serve, "serve.py")), files["/usr/local/bin/serve.py"])
	assert.Equal(t, "serve.py", links["/app/main.py"], "a link inside an added folder stays a link")
}

// TestBuildDockerBase keeps a Docker base's manifest kind and names its
// layers the Docker way: the same bytes, so the same digests.
func TestBuildDockerBase(t *testing.T) {
	o, host := setup(t)
	ociRes, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)

	o.Base = registryStore(t, host, "acme/docker-base")
	docker := mutate.ConfigMediaType(mutate.MediaType(baseImage(t, amd64), types.DockerManifestSchema2), types.DockerConfigJSON)
	pushBase(t, o.Base, docker)
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	assert.Equal(t, types.DockerManifestSchema2, res.Descriptor.MediaType)
	img, err := o.Dest.Image(t.Context(), res.Descriptor.Digest)
	require.NoError(t, err)
	m, err := img.Manifest()
	require.NoError(t, err)
	for i, l := range m.Layers[2:] {
		assert.Equal(t, types.DockerUncompressedLayer, l.MediaType)
		assert.Equal(t, ociRes.Layers[i].Digest, l.Digest, "layer %d has the same digest on a Docker base", i)
	}
}

// TestBuildRefusesBadInput names what is wrong, as a usage error.
func TestBuildRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*imagebuild.Options)
		want   string
	}{
		{"platform the base lacks", func(o *imagebuild.Options) { o.Platforms = []v1.Platform{arm64} }, "is one image for linux/amd64, not linux/arm64/v8"},
		{"missing --add source", func(o *imagebuild.Options) { o.Adds = []imagebuild.Add{{Src: "/no/such/serve", Dst: "/app"}} }, "/no/such/serve does not exist"},
		{"relative --add destination", func(o *imagebuild.Options) { o.Adds = []imagebuild.Add{{Src: ".", Dst: "app"}} }, "must be an absolute path"},
		{"relative model dir", func(o *imagebuild.Options) { o.ModelDir = "models/iris" }, "want an absolute folder"},
		{"model dir /", func(o *imagebuild.Options) { o.ModelDir = "/" }, "want an absolute folder"},
		{"env without =", func(o *imagebuild.Options) { o.Config.Env = []string{"DEBUG"} }, `--env "DEBUG": want KEY=VALUE`},
		{"bad port", func(o *imagebuild.Options) { o.Config.Ports = []string{"http"} }, `--port "http"`},
		{"base not found", func(o *imagebuild.Options) { o.BaseID = "nope" }, "base image example.com/acme/base:base not found"},
		{"a model as the base", func(o *imagebuild.Options) { o.Base, o.BaseID = o.ModelStore, o.Model.Descriptor.Digest.String() }, "is not a container image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := setup(t)
			tc.change(&o)
			_, err := imagebuild.Build(t.Context(), o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, "usage", kindOf(err), "error kind of %v", err)
		})
	}
}

func TestParseAdd(t *testing.T) {
	for in, want := range map[string]imagebuild.Add{
		"./serve:/app":          {Src: "./serve", Dst: "/app"},
		"a:b/c.py:/app/c.py":    {Src: "a:b/c.py", Dst: "/app/c.py"},
		"serve.py:/usr/bin/":    {Src: "serve.py", Dst: "/usr/bin/"},
		"C:/x/serve.py:/srv/":   {Src: "C:/x/serve.py", Dst: "/srv/"},
		"/abs/serve:/opt/serve": {Src: "/abs/serve", Dst: "/opt/serve"},
	} {
		got, err := imagebuild.ParseAdd(in)
		require.NoError(t, err, "ParseAdd(%q)", in)
		assert.Equal(t, want, got, "ParseAdd(%q)", in)
	}
	for _, bad := range []string{"serve", "serve:app", ":/app"} {
		_, err := imagebuild.ParseAdd(bad)
		assert.Error(t, err, "ParseAdd(%q)", bad)
	}
	_, err := imagebuild.ParsePlatforms([]string{"linux"})
	assert.ErrorContains(t, err, "want os/arch")
	assert.True(t, strings.HasPrefix(imagebuild.DefaultModelDir("../../etc"), "/models/"), "a model name cannot climb out of /models")
}
