package modelpack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// packReq is a request that writes nothing outside the test's folders.
func packReq(t *testing.T, dir, to string) PackRequest {
	t.Helper()
	tmp := t.TempDir()
	return PackRequest{
		Dir: dir, To: to, Staging: filepath.Join(tmp, "staging"), Lock: filepath.Join(tmp, LockFileName),
		Epoch: time.Unix(1700000000, 0),
	}
}

func layoutTo(t *testing.T) string { return oci.LayoutPrefix + filepath.Join(t.TempDir(), "store") }

func TestPackModelToLayout(t *testing.T) {
	ctx := context.Background()
	to := layoutTo(t)
	req := packReq(t, writeTree(t, sample), to)
	req.Version = "1.0.0"
	res, err := PackModel(ctx, req)
	require.NoError(t, err, "PackModel(%s)", to)

	assert.Equal(t, "sample-model", res.Name)
	assert.Equal(t, "1.0.0", res.Version)
	assert.Equal(t, to+"@"+res.Digest, res.Reference)
	assert.Equal(t, to+":1.0.0", res.Tag)
	assert.False(t, res.Unchanged)
	assert.Len(t, res.Files, len(sample))
	assert.Equal(t, req.Lock, res.Lock)

	d, err := oci.OpenLayout(strings.TrimPrefix(to, oci.LayoutPrefix)).Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, res.Digest, d.Digest.String(), "the version tag should name the packed digest")
	lock, err := ReadLock(req.Lock)
	require.NoError(t, err)
	assert.Equal(t, res.Digest, lock.Digest)
	assert.Equal(t, res.Tag, lock.Reference)

	// Again: the same bytes are unchanged; other bytes under the version are refused, lock kept.
	res2, err := PackModel(ctx, req)
	require.NoError(t, err)
	assert.True(t, res2.Unchanged)
	assert.Equal(t, res.Digest, res2.Digest)

	req.Dir = writeTree(t, map[string]string{"model.onnx": "other"})
	req.Name = "sample-model"
	_, err = PackModel(ctx, req)
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err), "repacking other bytes as 1.0.0: %v", err)
	lock, err = ReadLock(req.Lock)
	require.NoError(t, err)
	assert.Equal(t, res.Digest, lock.Digest, "a refused pack must leave the lock alone")
}

func TestPackModelDestination(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	tests := []struct {
		name    string
		to      string
		repo    func(string) string
		wantPre string
	}{
		{"registry setting gives the default", "", func(n string) string { return oci.LayoutPrefix + filepath.Join(base, "reg", n) }, oci.LayoutPrefix + filepath.Join(base, "reg", "sample-model") + "@"},
		{"--to wins over the setting", oci.LayoutPrefix + filepath.Join(base, "to"), func(n string) string { return oci.LayoutPrefix + filepath.Join(base, "reg2", n) }, oci.LayoutPrefix + filepath.Join(base, "to") + "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := packReq(t, writeTree(t, sample), tt.to)
			req.DefaultRepository = tt.repo
			res, err := PackModel(ctx, req)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(res.Reference, tt.wantPre), "Reference = %s, want prefix %s", res.Reference, tt.wantPre)
			assert.Equal(t, "", res.Version)
			assert.True(t, strings.HasSuffix(res.Tag, ":"+LatestTag), "Tag = %s, want the latest tag", res.Tag)
		})
	}

	t.Run("a tag in --to is refused", func(t *testing.T) {
		_, err := PackModel(ctx, packReq(t, writeTree(t, sample), layoutTo(t)+":1.0.0"))
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err))
	})
}

func TestPackModelToRegistryWithBump(t *testing.T) {
	ctx := context.Background()
	host := registrytest.InProcess(t)
	to := host + "/acme/iris"
	req := packReq(t, writeTree(t, sample), to)
	req.Bump = "minor"
	first, err := PackModel(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "0.1.0", first.Version)
	assert.Equal(t, to+":0.1.0", first.Tag)
	assert.Equal(t, to+"@"+first.Digest, first.Reference)

	// Staged locally: the staging layout holds the artifact too.
	_, err = oci.OpenLayout(req.Staging).Resolve(ctx, first.Digest)
	require.NoError(t, err, "the staging layout should hold the packed manifest")

	req.Dir = writeTree(t, map[string]string{"model.onnx": "v2", "README.md": "---\nname: sample-model\n---\n"})
	second, err := PackModel(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "0.2.0", second.Version, "bump minor over 0.1.0")

	d, err := oci.Open(mustParse(t, to)).Resolve(ctx, "0.2.0")
	require.NoError(t, err)
	assert.Equal(t, second.Digest, d.Digest.String())
}

func TestPreviousRepository(t *testing.T) {
	// The in-process registry shares blobs between repositories, so the
	// mount itself is checked against a real registry (oci's
	// TestMountFromSendsNoBlobBytes); here, which repository a lock lends.
	dir := t.TempDir()
	write := func(name, ref string) string {
		p := filepath.Join(dir, name)
		l := &Lock{LockVersion: LockVersion, Name: "m", Reference: ref, Digest: "sha256:" + strings.Repeat("a", 64), ArtifactType: ArtifactType}
		require.NoError(t, l.Write(p))
		return p
	}
	tests := []struct {
		name, lock string
		want       []string
	}{
		{"a registry lock lends its repository", write("reg.lock", "registry.example.com/acme/a:1.0.0"), []string{"registry.example.com/acme/a"}},
		{"a layout lock lends nothing", write("layout.lock", "oci:.slipway/m:1.0.0"), nil},
		{"no lock lends nothing", filepath.Join(dir, "none.lock"), nil},
		{"no lock path lends nothing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, previousRepository(oci.Client{}, tt.lock))
		})
	}
}

func TestPullModel(t *testing.T) {
	ctx := context.Background()
	host := registrytest.InProcess(t)
	src := writeTree(t, sample)
	req := packReq(t, src, host+"/acme/iris")
	req.Version = "1.0.0"
	packed, err := PackModel(ctx, req)
	require.NoError(t, err)

	t.Run("by lock", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		res, err := PullModel(ctx, PullRequest{Dir: out, Lock: req.Lock})
		require.NoError(t, err)
		assert.Equal(t, packed.Reference, res.Reference)
		assert.Equal(t, "sample-model", res.Name)
		assert.Equal(t, "1.0.0", res.Version)
		assert.Len(t, res.Files, len(sample))
		for p, want := range sample {
			got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
			require.NoError(t, err)
			assert.Equal(t, want, string(got), "pulled %s", p)
		}
		v, err := VerifyModel(VerifyRequest{Dir: out, Lock: req.Lock})
		require.NoError(t, err)
		assert.True(t, v.OK, "the pulled folder should verify: %v", v.Changes)
	})

	t.Run("only weights", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		res, err := PullModel(ctx, PullRequest{Ref: host + "/acme/iris:1.0.0", Dir: out, Only: []string{"weights"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"model.safetensors"}, res.Files)
		_, err = os.Stat(filepath.Join(out, "README.md"))
		assert.True(t, errors.Is(err, os.ErrNotExist), "README.md should not be pulled with --only weights")
	})

	t.Run("a lock whose files differ is refused", func(t *testing.T) {
		lock, err := ReadLock(req.Lock)
		require.NoError(t, err)
		lock.Files[0].SHA256 = strings.Repeat("0", 64)
		bad := filepath.Join(t.TempDir(), "bad.lock")
		require.NoError(t, lock.Write(bad))
		_, err = PullModel(ctx, PullRequest{Dir: filepath.Join(t.TempDir(), "out"), Lock: bad})
		require.Error(t, err)
		assert.Equal(t, fault.Denied, fault.KindOf(err))
		var mismatch *MismatchError
		require.True(t, errors.As(err, &mismatch), "want a *MismatchError, got %v", err)
		assert.Equal(t, []string{lock.Files[0].Path}, changedPaths(mismatch.Changes))
	})

	t.Run("without a tag or digest", func(t *testing.T) {
		_, err := PullModel(ctx, PullRequest{Ref: host + "/acme/iris", Dir: t.TempDir()})
		assert.Equal(t, fault.Usage, fault.KindOf(err), "PullModel without tag: %v", err)
	})
}

func TestVerifyModel(t *testing.T) {
	ctx := context.Background()
	dir := writeTree(t, sample)
	req := packReq(t, dir, layoutTo(t))
	_, err := PackModel(ctx, req)
	require.NoError(t, err)

	res, err := VerifyModel(VerifyRequest{Dir: dir, Lock: req.Lock})
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.Equal(t, []Change{}, res.Changes, "changes should be an empty list, not null")
	assert.Equal(t, len(sample), res.Files)
	assert.NoError(t, res.Err())

	require.NoError(t, os.WriteFile(filepath.Join(dir, "predict.py"), []byte("print('changed')\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "config.json")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "extra.txt"), []byte("x"), 0o644))
	res, err = VerifyModel(VerifyRequest{Dir: dir, Lock: req.Lock})
	require.NoError(t, err)
	assert.False(t, res.OK)
	kinds := map[string]string{}
	for _, c := range res.Changes {
		kinds[c.Path] = c.Kind
	}
	assert.Equal(t, map[string]string{"predict.py": "changed", "config.json": "missing", "extra.txt": "extra"}, kinds)
	err = res.Err()
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	var mismatch *MismatchError
	assert.True(t, errors.As(err, &mismatch))

	_, err = VerifyModel(VerifyRequest{Dir: dir, Lock: filepath.Join(t.TempDir(), "none.lock")})
	assert.Equal(t, fault.Usage, fault.KindOf(err), "a missing lock: %v", err)
}

func TestDiffModels(t *testing.T) {
	ctx := context.Background()
	to := layoutTo(t)
	v1 := writeTree(t, sample)
	req := packReq(t, v1, to)
	req.Version = "1.0.0"
	_, err := PackModel(ctx, req)
	require.NoError(t, err)
	v2 := writeTree(t, sample)
	require.NoError(t, os.WriteFile(filepath.Join(v2, "model.safetensors"), []byte("new-weights"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(v2, "predict.py")))
	require.NoError(t, os.WriteFile(filepath.Join(v2, "labels.txt"), []byte("a\nb\n"), 0o644))
	req.Dir, req.Version = v2, "1.1.0"
	_, err = PackModel(ctx, req)
	require.NoError(t, err)

	want := map[string]string{"model.safetensors": "changed", "predict.py": "removed", "labels.txt": "added"}
	tests := []struct {
		name string
		a, b string
		want map[string]string
	}{
		{"two references", to + ":1.0.0", to + ":1.1.0", want},
		{"reference and folder", to + ":1.0.0", v2, want},
		{"folder and its own reference", v1, to + ":1.0.0", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := DiffModels(ctx, DiffRequest{A: tt.a, B: tt.b})
			require.NoError(t, err)
			got := map[string]string{}
			for _, c := range res.Changes {
				got[c.Path] = c.Kind
			}
			assert.Equal(t, tt.want, got, "DiffModels(%s, %s)", tt.a, tt.b)
			assert.NotNil(t, res.Changes)
			assert.Equal(t, len(sample), res.Files)
		})
	}

	_, err = DiffModels(ctx, DiffRequest{A: to, B: v1})
	assert.Equal(t, fault.Usage, fault.KindOf(err), "a reference without tag: %v", err)
}

func TestInspectModel(t *testing.T) {
	ctx := context.Background()
	to := layoutTo(t)
	req := packReq(t, writeTree(t, sample), to)
	req.Version = "1.0.0"
	packed, err := PackModel(ctx, req)
	require.NoError(t, err)

	res, err := InspectModel(ctx, InspectRequest{Ref: to + ":1.0.0"})
	require.NoError(t, err)
	assert.Equal(t, packed.Reference, res.Reference)
	assert.Equal(t, packed.Digest, res.Digest)
	assert.Equal(t, "modelpack", res.Format)
	assert.Equal(t, "sample-model", res.Name)
	assert.Equal(t, "1.0.0", res.Version)
	assert.Equal(t, packed.Size, res.Size)
	assert.Equal(t, ArtifactType, res.Manifest.ArtifactType)
	assert.NotEmpty(t, res.Config)
	require.Len(t, res.Layers, len(res.Manifest.Layers))
	var weights []string
	for _, l := range res.Layers {
		if l.Role == "weights" {
			weights = append(weights, l.Path)
		}
	}
	assert.Equal(t, []string{"model.safetensors"}, weights, "the weight file should be a raw layer of its own")

	_, err = InspectModel(ctx, InspectRequest{Ref: to})
	assert.Equal(t, fault.Usage, fault.KindOf(err), "inspect without tag: %v", err)
}

func TestCommandLineCredentialsGoToTheRegistryUsed(t *testing.T) {
	ctx := context.Background()
	t.Setenv(oci.EnvUsername, "")
	t.Setenv(oci.EnvPassword, "")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	private := registrytest.InProcess(t, registrytest.WithBasicAuth("u", "p"))
	client := oci.Client{Username: "u", Password: "p"}

	// pack writes to the private registry: it gets the credentials.
	req := packReq(t, writeTree(t, sample), private+"/acme/iris")
	req.Client, req.Version = client, "1.0.0"
	packed, err := PackModel(ctx, req)
	require.NoError(t, err, "pack to a registry that needs the command-line credentials")

	// pull reads from it into a folder, diff compares it with a folder, inspect reads it.
	_, err = PullModel(ctx, PullRequest{Client: client, Dir: t.TempDir(), Lock: req.Lock})
	require.NoError(t, err, "pull from the registry that needs the credentials")
	diff, err := DiffModels(ctx, DiffRequest{Client: client, A: req.Dir, B: packed.Tag})
	require.NoError(t, err, "diff a folder with the registry that needs the credentials")
	assert.Empty(t, diff.Changes)
	_, err = InspectModel(ctx, InspectRequest{Client: client, Ref: packed.Reference})
	require.NoError(t, err)

	// Without credentials the same registry refuses: the tests above did use them.
	_, err = InspectModel(ctx, InspectRequest{Ref: packed.Reference})
	require.Error(t, err, "inspect without credentials should be refused")
}

func changedPaths(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Path)
	}
	return out
}

func mustParse(t *testing.T, s string) oci.Ref {
	t.Helper()
	r, err := oci.ParseRef(s, false)
	require.NoError(t, err)
	return r
}
