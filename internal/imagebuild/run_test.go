package imagebuild_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

const irisDir = "../../testdata/iris"

// runRequest is a build of the example folder onto scratch, with a local
// store of its own and no caches.
func runRequest(t *testing.T) imagebuild.Request {
	t.Helper()
	return imagebuild.Request{
		Model: irisDir, Base: imagebuild.Scratch, LocalStore: filepath.Join(t.TempDir(), ".slipway"),
		Epoch: epoch, SBOM: true, NoCache: true, Tool: "slipway-test",
	}
}

// noAmbientCredentials keeps SLIPWAY_REGISTRY_* and the docker config of
// the machine out of the test.
func noAmbientCredentials(t *testing.T) {
	t.Setenv(oci.EnvUsername, "")
	t.Setenv(oci.EnvPassword, "")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
}

// publishIris packs the example and copies it to host/acme/iris:1.0.0,
// with the given client's credentials; it returns the model's digest.
func publishIris(t *testing.T, c oci.Client, host string) string {
	t.Helper()
	local := oci.OpenLayout(filepath.Join(t.TempDir(), "model"))
	packed, err := modelpack.Pack(t.Context(), local, modelpack.PackOptions{Dir: irisDir, Version: "1.0.0", Epoch: epoch})
	require.NoError(t, err, "packing %s", irisDir)
	ref, err := c.Parse(host + "/acme/iris")
	require.NoError(t, err)
	require.NoError(t, oci.Copy(t.Context(), local, c.For(ref).Open(ref), packed.Descriptor, "1.0.0"), "publishing the model to %s", ref)
	return packed.Descriptor.Digest.String()
}

// manifestAnnotations reads the annotations of tag's manifest in store.
func manifestAnnotations(t *testing.T, store oci.Store, tag string) map[string]string {
	t.Helper()
	desc, err := store.Resolve(t.Context(), tag)
	require.NoError(t, err, "resolving %s in %s", tag, store.Ref())
	raw, err := store.Manifest(t.Context(), desc.Digest)
	require.NoError(t, err)
	var m v1.Manifest
	require.NoError(t, json.Unmarshal(raw, &m))
	return m.Annotations
}

func TestRunFromFolderOntoScratch(t *testing.T) {
	req := runRequest(t)
	res, err := imagebuild.Run(t.Context(), req)
	require.NoError(t, err, "Run(%+v)", req)

	image := "oci:" + filepath.Join(req.LocalStore, "iris-classifier-image")
	assert.Equal(t, image+"@"+res.Digest, res.Reference, "without To the image goes to the local store")
	assert.Equal(t, []string{"latest"}, res.Tags)
	assert.False(t, res.Unchanged, "a first build")
	assert.Equal(t, imagebuild.BaseInfo{Name: "scratch"}, res.Base, "scratch has no digest")
	assert.Equal(t, []string{"linux/amd64"}, res.Platforms())
	assert.Equal(t, "iris-classifier", res.Model.Name)
	assert.Equal(t, "/models/iris-classifier", res.Model.Dir)
	assert.NotEmpty(t, res.Layers)
	assert.True(t, strings.HasPrefix(res.SBOM, image+"@sha256:"), "sbom %q is a referrer in the destination", res.SBOM)

	// The folder was packed into the local store, at the digest recorded.
	packed := oci.OpenLayout(filepath.Join(req.LocalStore, "iris-classifier"))
	_, err = modelpack.Open(t.Context(), packed, res.Model.Digest)
	require.NoError(t, err, "the packed model %s in %s", res.Model.Digest, packed.Ref())
	dst := oci.OpenLayout(filepath.Join(req.LocalStore, "iris-classifier-image"))
	got, err := dst.Resolve(t.Context(), "latest")
	require.NoError(t, err)
	assert.Equal(t, res.Digest, got.Digest.String(), "latest names the image built")

	again, err := imagebuild.Run(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, res.Reference, again.Reference, "the same inputs give the same image")
	assert.True(t, again.Unchanged, "a rebuild with the same inputs is unchanged")
}

func TestRunFromReferenceOntoRegistryBase(t *testing.T) {
	host := registrytest.InProcess(t)
	modelDigest := publishIris(t, oci.Client{}, host)
	base := registryStore(t, host, "acme/base")
	require.NoError(t, base.WriteImage(t.Context(), baseImage(t, amd64), "latest"))
	baseDesc, err := base.Resolve(t.Context(), "latest")
	require.NoError(t, err)

	req := runRequest(t)
	req.Model, req.Base = host+"/acme/iris:1.0.0", host+"/acme/base"
	req.To, req.Tags = host+"/acme/iris-server:1.0.0", []string{"stable"}
	res, err := imagebuild.Run(t.Context(), req)
	require.NoError(t, err, "Run(%+v)", req)

	assert.Equal(t, host+"/acme/iris-server@"+res.Digest, res.Reference)
	assert.Equal(t, []string{"1.0.0", "stable"}, res.Tags, "To's tag comes first")
	assert.Equal(t, imagebuild.BaseInfo{Name: host + "/acme/base:latest", Digest: baseDesc.Digest.String()}, res.Base,
		"a base without a tag is its latest")
	assert.Equal(t, imagebuild.ModelInfo{Name: "iris-classifier", Version: "1.0.0", Digest: modelDigest, Dir: "/models/iris-classifier"}, res.Model)
	server := registryStore(t, host, "acme/iris-server")
	for _, tag := range res.Tags {
		got, err := server.Resolve(t.Context(), tag)
		require.NoError(t, err, "tag %s in %s", tag, server.Ref())
		assert.Equal(t, res.Digest, got.Digest.String(), "tag %s", tag)
	}
	anns := manifestAnnotations(t, server, "stable")
	assert.Equal(t, "1.0.0", anns["org.opencontainers.image.version"], "the model's version is the image's")
	assert.Equal(t, host+"/acme/base:latest", anns["org.opencontainers.image.base.name"])
}

func TestRunFromLockFile(t *testing.T) {
	host := registrytest.InProcess(t)
	digest := publishIris(t, oci.Client{}, host)
	lock := filepath.Join(t.TempDir(), "slipway.lock")
	l := &modelpack.Lock{
		LockVersion: modelpack.LockVersion, Name: "iris-classifier", Version: "1.0.0", Reference: host + "/acme/iris:1.0.0",
		Digest: digest, ArtifactType: modelpack.ArtifactType,
	}
	require.NoError(t, l.Write(lock))
	req := runRequest(t)
	req.Model = lock
	res, err := imagebuild.Run(t.Context(), req)
	require.NoError(t, err, "Run from lock file %s", lock)
	assert.Equal(t, digest, res.Model.Digest, "the lock's digest is built, not its tag")
}

func TestRunDefaultDestination(t *testing.T) {
	host := registrytest.InProcess(t)
	req := runRequest(t)
	req.Registry = host + "/ml/"
	res, err := imagebuild.Run(t.Context(), req)
	require.NoError(t, err, "Run(%+v)", req)
	assert.Equal(t, host+"/ml/iris-classifier-image@"+res.Digest, res.Reference, "a configured registry receives <name>-image")
	got, err := registryStore(t, host, "ml/iris-classifier-image").Resolve(t.Context(), "latest")
	require.NoError(t, err)
	assert.Equal(t, res.Digest, got.Digest.String())
}

func TestRunGivesTheCredentialsToOneRegistry(t *testing.T) {
	noAmbientCredentials(t)
	const user, pass = "alice", "s3cret"
	locked := registrytest.InProcess(t, registrytest.WithBasicAuth(user, pass))
	open := registrytest.InProcess(t)
	client := oci.Client{Username: user, Password: pass}
	publishIris(t, client, locked)
	publishIris(t, client, open)
	require.NoError(t, registryStore(t, open, "acme/base").WriteImage(t.Context(), baseImage(t, amd64), "1"))
	lockedBase, err := client.Parse(locked + "/acme/base")
	require.NoError(t, err)
	require.NoError(t, client.For(lockedBase).Open(lockedBase).WriteImage(t.Context(), baseImage(t, amd64), "1"))

	tests := []struct {
		name, model, base, to string
		registry              string // the configured registry
		ok                    bool
	}{
		{"the destination's registry", irisDir, "scratch", locked + "/acme/out", "", true},
		{"the destination's registry, the model's read anonymously", open + "/acme/iris:1.0.0", "scratch", locked + "/acme/out", "", true},
		{"the destination's registry, not the model's", locked + "/acme/iris:1.0.0", "scratch", open + "/acme/out", "", false},
		{"the default destination's registry", open + "/acme/iris:1.0.0", "scratch", "", locked + "/ml", true},
		{"the default destination's registry, not the model's", locked + "/acme/iris:1.0.0", "scratch", "", open + "/ml", false},
		{"the model's registry when the destination is local", locked + "/acme/iris:1.0.0", open + "/acme/base:1", "", "", true},
		{"the model's registry before the base's", open + "/acme/iris:1.0.0", locked + "/acme/base:1", "", "", false},
		{"the base's registry when nothing else is remote", irisDir, locked + "/acme/base:1", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := runRequest(t)
			req.Client, req.Model, req.Base, req.To, req.Registry = client, tc.model, tc.base, tc.to, tc.registry
			_, err := imagebuild.Run(t.Context(), req)
			if tc.ok {
				require.NoError(t, err, "Run(model %s, base %s, to %q)", tc.model, tc.base, tc.to)
				return
			}
			require.Error(t, err, "Run(model %s, base %s, to %q) reached %s without credentials", tc.model, tc.base, tc.to, locked)
			assert.Contains(t, err.Error(), locked, "the error names the registry that refused")
		})
	}
}

func TestRunRecordsWhereTheSourceIs(t *testing.T) {
	tests := []struct {
		name                     string
		env                      map[string]string
		wantSource, wantRevision string
	}{
		{"github", map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com/", "GITHUB_REPOSITORY": "acme/iris", "GITHUB_SHA": "0123abc",
		}, "https://github.com/acme/iris", "0123abc"},
		{"gitlab", map[string]string{
			"GITLAB_CI": "true", "CI_PROJECT_URL": "https://gitlab.example.com/acme/iris", "CI_PROJECT_PATH": "acme/iris", "CI_COMMIT_SHA": "4567def",
		}, "https://gitlab.example.com/acme/iris", "4567def"},
		{"jenkins", map[string]string{
			"JENKINS_URL": "https://ci.example.com/", "GIT_URL": "https://bot:token@git.example.com/acme/iris.git", "GIT_COMMIT": "89abcde",
		}, "https://git.example.com/acme/iris.git", "89abcde"},
		{"local", map[string]string{"GITHUB_SHA": "ignored"}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			req := runRequest(t)
			req.To, req.SBOM = "oci:"+out, false
			req.Getenv = func(k string) string { return tc.env[k] }
			_, err := imagebuild.Run(t.Context(), req)
			require.NoError(t, err)
			anns := manifestAnnotations(t, oci.OpenLayout(out), "latest")
			assert.Equal(t, tc.wantSource, anns["org.opencontainers.image.source"], "source annotation")
			assert.Equal(t, tc.wantRevision, anns["org.opencontainers.image.revision"], "revision annotation")
		})
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	layout := t.TempDir()
	require.NoError(t, oci.OpenLayout(layout).WriteImage(t.Context(), baseImage(t, amd64), "1"))
	tests := []struct {
		name   string
		edit   func(*imagebuild.Request)
		wantIn string
	}{
		{"no base", func(r *imagebuild.Request) { r.Base = "" }, "--base is required"},
		{"a base that does not parse", func(r *imagebuild.Request) { r.Base = "Not A/Ref!" }, `--base: reference "Not A/Ref!"`},
		{"a digest in to", func(r *imagebuild.Request) {
			r.To = "oci:x@sha256:0000000000000000000000000000000000000000000000000000000000000000"
		}, "not a digest"},
		{"a model reference without a tag", func(r *imagebuild.Request) { r.Model = "example.com/acme/iris" },
			"MODEL_REF example.com/acme/iris is no folder or file here, and as a reference it needs a tag or digest"},
		{"a model folder that does not exist", func(r *imagebuild.Request) { r.Model = "./nowhere" },
			"MODEL_REF ./nowhere: no such model folder or lock file"},
		{"a layout given as a folder", func(r *imagebuild.Request) { r.Model = layout }, "is an OCI image layout, not a model folder"},
		{"a relative model dir", func(r *imagebuild.Request) { r.ModelDir = "models/iris" }, `--model-dir "models/iris"`},
		{"a missing add source", func(r *imagebuild.Request) { r.Adds = []imagebuild.Add{{Src: "nothere", Dst: "/app"}} }, "nothere does not exist"},
		{"a layout to mount from", func(r *imagebuild.Request) { r.MountFrom = []string{"oci:x"} }, "--mount-from oci:x: want a registry repository"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := runRequest(t)
			tc.edit(&req)
			res, err := imagebuild.Run(t.Context(), req)
			require.Error(t, err, "Run returned %+v", res)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "fault kind of %q", err)
			assert.Contains(t, err.Error(), tc.wantIn)
		})
	}
}

// TestRunMountsLayersPushedToAnotherRepository: a build of a model folder
// into a second repository of a registry offers to mount the model layers
// from the repository an earlier build pushed them to, instead of
// uploading them again. The in-process registry shares blobs across
// repositories, so the test hides them from the second repository (HEAD
// answers 404) and checks that the upload requests offer the mount.
func TestRunMountsLayersPushedToAnotherRepository(t *testing.T) {
	noAmbientCredentials(t)
	host, stats := registrytest.Counting(t, registrytest.InProcess(t))
	req := runRequest(t)
	req.NoCache, req.CacheDir = false, t.TempDir()
	req.To = host + "/acme/iris-image:1.0.0"
	first, err := imagebuild.Run(t.Context(), req)
	require.NoError(t, err, "Run(%+v)", req)

	stats.Reset()
	stats.OnRequest(func(r *http.Request) int {
		if r.Method == http.MethodHead && strings.HasPrefix(r.URL.Path, "/v2/acme/other-image/blobs/") {
			return http.StatusNotFound
		}
		return 0
	})
	req.To = host + "/acme/other-image:1.0.0"
	second, err := imagebuild.Run(t.Context(), req)
	require.NoError(t, err, "Run(%+v)", req)
	require.Equal(t, first.Digest, second.Digest, "the same inputs give the same image")

	mounted := map[string]bool{}
	for _, r := range stats.Requests() {
		if r.Method != http.MethodPost || r.Path != "/v2/acme/other-image/blobs/uploads/" {
			continue
		}
		if q, err := url.ParseQuery(r.Query); err == nil && q.Get("from") == "acme/iris-image" {
			mounted[q.Get("mount")] = true
		}
	}
	modelLayers := 0
	for _, l := range second.Layers {
		if !strings.Contains(l.What, "model") {
			continue
		}
		modelLayers++
		assert.True(t, mounted[l.Digest], "layer %s (%s) was not offered as a mount from acme/iris-image; requests: %v",
			l.Digest, l.What, stats.Requests())
	}
	require.Positive(t, modelLayers, "model layers among %+v", second.Layers)
}
