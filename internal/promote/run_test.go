package promote

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// pubKeyFile writes k's public key as PEM and returns the file's path.
func pubKeyFile(t *testing.T, k keys) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.verifier.Public())
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "gate.pub")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644))
	return path
}

func vars(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRunPromotesByDigest(t *testing.T) {
	for name, open := range map[string]func(*testing.T) oci.Store{
		"registry": func(t *testing.T) oci.Store { return registryStore(t) },
		"layout":   layoutStore,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, c, k := context.Background(), newClock(), newKeys(t)
			store := open(t)
			d := gated(t, store, k)
			var warned []string
			res, err := Run(ctx, RunRequest{
				Ref: store.Ref().WithDigest(d.Digest.String()).String(), Env: "staging",
				Config: &config.Config{Key: pubKeyFile(t, k)},
				Getenv: vars(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "octocat"}),
				Warn:   func(s string) { warned = append(warned, s) },
			}, fast(c)...)
			require.NoError(t, err, "Run(%s@%s --env staging)", store.Ref(), d.Digest)
			assert.Equal(t, store.Ref().WithDigest(d.Digest.String()).String(), res.Reference)
			assert.Equal(t, "octocat", res.Record.Actor, "the actor comes from the CI variables")
			assert.Equal(t, "github", res.Record.CI.Platform)
			require.NotNil(t, res.Record.Gate)
			assert.True(t, res.Record.Gate.Verified, "the key of the settings verified the gate")
			for _, w := range warned {
				assert.NotContains(t, w, "signature", "the gate was verified")
			}
			tagged, err := store.Resolve(ctx, "staging")
			require.NoError(t, err)
			assert.Equal(t, d.Digest, tagged.Digest)
		})
	}
}

func TestRunWithoutKeyWarns(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), registryStore(t)
	d := gated(t, store, k)
	var warned []string
	res, err := Run(ctx, RunRequest{Ref: store.Ref().WithDigest(d.Digest.String()).String(), Env: "staging",
		Warn: func(s string) { warned = append(warned, s) }}, fast(c)...)
	require.NoError(t, err)
	assert.False(t, res.Record.Gate.Verified)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "without checking its signature")
	assert.Subset(t, warned, res.Warnings, "the result's warnings went to Warn too")
}

func TestRunRefusesWhatIsNotADigest(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), registryStore(t)
	d := gated(t, store, k)
	require.NoError(t, store.Tag(ctx, d, "1.0.0"))
	repo := store.Ref().String()
	cfg := &config.Config{Environments: []config.Environment{{Name: "staging"}, {Name: "production"}}, Path: "slipway.yaml"}
	for _, tc := range []struct{ name, ref, env, to, want string }{
		{"a tag", repo + ":1.0.0", "staging", "",
			"promotion is by digest, and " + repo + ":1.0.0 is a tag, which can move: give " + repo + "@" + d.Digest.String() + " (what 1.0.0 names now)"},
		{"a tag that is not there", repo + ":2.0.0", "staging", "", "give " + repo + "@sha256:…"},
		{"a repository", repo, "staging", "", "names no digest"},
		{"no environment", repo + "@" + d.Digest.String(), "", "", "--env is required"},
		{"unknown environment", repo + "@" + d.Digest.String(), "prod", "", `unknown environment "prod": slipway.yaml defines staging, production`},
		{"--to with a tag", repo + "@" + d.Digest.String(), "staging", repo + ":prod", "--to " + repo + ":prod: want a repository"},
		{"a digest not there", repo + "@sha256:" + zeros, "staging", "", "is not in " + repo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(ctx, RunRequest{Ref: tc.ref, Env: tc.env, To: tc.to, Config: cfg}, fast(c)...)
			require.Error(t, err, "Run(%s --env %q)", tc.ref, tc.env)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "Run(%s): %v", tc.ref, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := store.Resolve(ctx, "staging")
	assert.ErrorIs(t, err, oci.ErrNotFound, "nothing was promoted")
}

const zeros = "0000000000000000000000000000000000000000000000000000000000000000"

func TestRunCopiesTo(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	host := registrytest.InProcess(t)
	src, dst := repoIn(t, host, "acme/iris"), repoIn(t, host, "prod/iris")
	d := gated(t, src, k)
	res, err := Run(ctx, RunRequest{Ref: src.Ref().WithDigest(d.Digest.String()).String(), Env: "production",
		To: dst.Ref().String(), KeyPath: pubKeyFile(t, k)}, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, dst.Ref().WithDigest(d.Digest.String()).String(), res.Reference)
	assert.Equal(t, dst.Ref().String(), res.Record.Repository)
	assert.Equal(t, src.Ref().String(), res.Record.Source)
	tagged, err := dst.Resolve(ctx, "production")
	require.NoError(t, err)
	assert.Equal(t, d.Digest, tagged.Digest, "the destination's environment names the digest")
	_, err = src.Resolve(ctx, "production")
	assert.ErrorIs(t, err, oci.ErrNotFound, "the source's tags are untouched")
}

func TestRunModelRepository(t *testing.T) {
	ctx, k := context.Background(), newKeys(t)
	host := registrytest.InProcess(t)
	models, images := repoIn(t, host, "acme/iris-classifier"), repoIn(t, host, "acme/iris-server")
	model := gated(t, models, k)
	key := pubKeyFile(t, k)
	for _, tc := range []struct {
		name      string
		cfg       *config.Config
		modelRepo string
		wantErr   fault.Kind
		want      string
	}{
		{name: "from the settings", cfg: &config.Config{Key: key, Registry: host + "/acme", Model: "iris-classifier"}},
		{name: "--model-repo", cfg: &config.Config{Key: key}, modelRepo: models.Ref().String()},
		{name: "--model-repo beats the settings", cfg: &config.Config{Key: key, Registry: host + "/acme", Model: "other"}, modelRepo: models.Ref().String()},
		{name: "neither", cfg: &config.Config{Key: key}, wantErr: fault.Denied, want: "(the model it was built from)"},
		{name: "--model-repo with a tag", cfg: &config.Config{Key: key}, modelRepo: models.Ref().String() + ":1", wantErr: fault.Usage, want: "--model-repo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := pushImage(t, images, map[string]string{AnnotationModelDigest: model.Digest.String(), "dev.slipway.model.name": tc.name})
			res, err := Run(ctx, RunRequest{Ref: images.Ref().WithDigest(img.Digest.String()).String(), Env: "staging",
				ModelRepo: tc.modelRepo, Config: tc.cfg}, fast(newClock())...)
			if tc.want != "" {
				require.Error(t, err)
				assert.Equal(t, tc.wantErr, fault.KindOf(err), "%v", err)
				assert.Contains(t, err.Error(), tc.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, model.Digest.String(), res.Record.Gate.Subject, "the model's attestation counted for the image")
			assert.True(t, res.Record.Gate.Verified)
		})
	}
}

// TestRunKeyPrecedence: --key beats SLIPWAY_KEY, which beats slipway.yaml,
// and a KeyPath given to Run beats the settings.
func TestRunKeyPrecedence(t *testing.T) {
	ctx, host := context.Background(), registrytest.InProcess(t)
	gateKey, otherKey, fileKey := newKeys(t), newKeys(t), newKeys(t)
	gatePub, otherPub, filePub := pubKeyFile(t, gateKey), pubKeyFile(t, otherKey), pubKeyFile(t, fileKey)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, config.FileName), "key: "+filePub+"\n")
	for i, tc := range []struct {
		name             string
		flag, env, param string
		signer           keys
		want             string // the key ID that verified; "" when refused
	}{
		{name: "the file alone", signer: fileKey, want: fileKey.verifier.KeyID()},
		{name: "SLIPWAY_KEY beats the file", env: otherPub, signer: fileKey},
		{name: "SLIPWAY_KEY beats the file, verified", env: otherPub, signer: otherKey, want: otherKey.verifier.KeyID()},
		{name: "--key beats SLIPWAY_KEY", flag: gatePub, env: otherPub, signer: gateKey, want: gateKey.verifier.KeyID()},
		{name: "--key beats SLIPWAY_KEY, refused", flag: gatePub, env: otherPub, signer: otherKey},
		{name: "KeyPath beats the settings", param: gatePub, flag: otherPub, signer: gateKey, want: gateKey.verifier.KeyID()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Resolve(config.ResolveOptions{
				Flags: config.Flags{Key: tc.flag}, FlagNames: map[string]string{config.SettingKey: "--key"},
				Getenv: vars(map[string]string{config.EnvKey: tc.env}), Dir: dir,
			})
			require.NoError(t, err)
			store := repoIn(t, host, "acme/keys"+string(rune('a'+i)))
			d := gated(t, store, tc.signer)
			res, err := Run(ctx, RunRequest{Ref: store.Ref().WithDigest(d.Digest.String()).String(), Env: "staging",
				Config: cfg, KeyPath: tc.param}, fast(newClock())...)
			if tc.want == "" {
				require.Error(t, err, "the signer's key was not the one that wins")
				assert.Equal(t, fault.Denied, fault.KindOf(err), "%v", err)
				assert.Contains(t, err.Error(), "counts with key")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Record.Gate.KeyID)
		})
	}
}

func TestRunRollback(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	host := registrytest.InProcess(t)
	store := repoIn(t, host, "acme/iris")
	a, b := gated(t, store, k), gated(t, store, k)
	repo := store.Ref().String()
	for _, d := range []string{a.Digest.String(), b.Digest.String()} {
		_, err := Run(ctx, RunRequest{Ref: repo + "@" + d, Env: "staging", KeyPath: pubKeyFile(t, k)}, fast(c)...)
		require.NoError(t, err)
		c.Advance(time.Minute)
	}

	for _, tc := range []struct{ name, repo, env, to, want string }{
		{"no environment", repo, "", "", "--env is required"},
		{"a tag", repo + ":1", "staging", "", "REPO " + repo + ":1: want a repository"},
		{"--to of another repository", repo, "staging", host + "/acme/other@" + a.Digest.String(), "give a digest of " + repo},
		{"--to not a digest", repo, "staging", "latest", "want the sha256:… digest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RunRollback(ctx, RunRollbackRequest{Repo: tc.repo, Env: tc.env, To: tc.to}, fast(c)...)
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	res, err := RunRollback(ctx, RunRollbackRequest{Repo: repo, Env: "staging", Reason: "latency",
		Getenv: vars(map[string]string{"USER": "alice"})}, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, ActionRollback, res.Record.Action)
	assert.Equal(t, a.Digest.String(), res.Record.Digest)
	assert.Equal(t, b.Digest.String(), res.Record.Previous)
	assert.Equal(t, "alice", res.Record.Actor)
	tagged, err := store.Resolve(ctx, "staging")
	require.NoError(t, err)
	assert.Equal(t, a.Digest, tagged.Digest)

	c.Advance(time.Minute)
	res, err = RunRollback(ctx, RunRollbackRequest{Repo: repo, Env: "staging", To: repo + "@" + b.Digest.String()}, fast(c)...)
	require.NoError(t, err, "--to REPO@DIGEST of the same repository")
	assert.Equal(t, b.Digest.String(), res.Record.Digest)
}

func TestRunHistory(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	store := registryStore(t)
	a, b := gated(t, store, k), gated(t, store, k)
	repo := store.Ref().String()
	for _, p := range []struct{ digest, env string }{{a.Digest.String(), "staging"}, {a.Digest.String(), "production"}, {b.Digest.String(), "staging"}} {
		_, err := Run(ctx, RunRequest{Ref: repo + "@" + p.digest, Env: p.env, KeyPath: pubKeyFile(t, k)}, fast(c)...)
		require.NoError(t, err)
		c.Advance(time.Minute)
	}

	all, err := RunHistory(ctx, RunHistoryRequest{Repo: repo})
	require.NoError(t, err)
	assert.Equal(t, []string{"production", "staging"}, all.Environments)
	assert.Equal(t, repo, all.Repository)
	require.Len(t, all.Records, 3)
	assert.Equal(t, []string{"staging", "production", "staging"}, []string{all.Records[0].Environment, all.Records[1].Environment, all.Records[2].Environment}, "newest first across environments")
	assert.Equal(t, b.Digest.String(), all.Records[0].Digest)

	one, err := RunHistory(ctx, RunHistoryRequest{Repo: repo, Env: "staging", Limit: 1})
	require.NoError(t, err)
	require.Len(t, one.Records, 1)
	assert.Equal(t, b.Digest.String(), one.Records[0].Digest)

	defined := &config.Config{Environments: []config.Environment{{Name: "staging"}, {Name: "production"}, {Name: "nowhere"}}}
	none, err := RunHistory(ctx, RunHistoryRequest{Repo: repo, Env: "nowhere", Config: defined})
	require.NoError(t, err, "an environment slipway.yaml defines, without a history yet, has no records")
	assert.Empty(t, none.Records)
	raw, err := json.Marshal(none)
	require.NoError(t, err)
	assert.JSONEq(t, `{"repository": "`+repo+`", "environments": ["nowhere"], "records": []}`, string(raw), "records is an array, never null")

	for _, tc := range []struct{ name, repo, env, want string }{
		{"a tag", repo + ":staging", "", "want a repository"},
		{"a history tag as environment", repo, "staging-history", "are the tags of environments' histories"},
		{"not an environment name", repo, "a/b", "want letters, digits"},
		{"a misspelt environment", repo, "stagign", "has no history of that environment (environments with a history: production, staging)"},
		{"an environment slipway.yaml does not define", repo, "qa", `unknown environment "qa"`},
		{"a misspelt repository", repo + "x", "", "does not exist or holds nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := RunHistoryRequest{Repo: tc.repo, Env: tc.env}
			if tc.env == "qa" {
				req.Config = defined
			}
			_, err := RunHistory(ctx, req)
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHistoryCountsAreChecked(t *testing.T) {
	ctx, store := context.Background(), registryStore(t)
	goodPage := newLayer(PageMediaType, []byte(`{"records":[]}`), map[string]string{annotationPageCount: "0"})
	badPage := newLayer(PageMediaType, []byte(`{"records":[]}`), map[string]string{annotationPageCount: "lots"})
	for _, tc := range []struct {
		name   string
		layers []layer
		count  string
		want   string
	}{
		{"manifest count not a number", []layer{goodPage}, "many", `manifest annotation dev.slipway.history.count="many" is not a count`},
		{"manifest count missing", []layer{goodPage}, "", `dev.slipway.history.count="" is not a count`},
		{"manifest count negative", []layer{goodPage}, "-1", "negative"},
		{"page count not a number", []layer{badPage}, "1", `annotation dev.slipway.history.records="lots" is not a count`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ann := map[string]string{}
			if tc.count != "" {
				ann[annotationCount] = tc.count
			}
			b, err := buildArtifact(HistoryArtifactType, tc.layers, nil, ann)
			require.NoError(t, err)
			require.NoError(t, store.WriteImage(ctx, b.img, ""))
			require.NoError(t, store.Tag(ctx, b.desc, HistoryTag("prod")))
			_, _, err = History(ctx, store, "prod", 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "prod", "the error names the environment")
		})
	}
}
