package promote

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

func TestPromoteRecordsAndTags(t *testing.T) {
	for name, open := range map[string]func(*testing.T) oci.Store{
		"registry":             func(t *testing.T) oci.Store { return registryStore(t) },
		"registry, tag scheme": func(t *testing.T) oci.Store { return registryStore(t, registrytest.WithoutReferrers()) },
		"layout":               layoutStore,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, c, k := context.Background(), newClock(), newKeys(t)
			store := open(t)
			a, b := gated(t, store, k), gated(t, store, k)
			env := config.Environment{Name: "staging"}

			res, err := Promote(ctx, request(store, a, env, &k), fast(c)...)
			require.NoError(t, err)
			assert.Equal(t, a.Digest.String(), res.Current)
			assert.Empty(t, res.Record.Previous)
			assert.True(t, res.Record.Gate.Verified)
			assert.Equal(t, policy.Pass, res.Record.Gate.Decision)
			assert.Equal(t, "1.0.0", res.Record.Version, "the version comes from the gate verdict when the image has none")

			c.Advance(time.Minute)
			res, err = Promote(ctx, request(store, b, env, &k), fast(c)...)
			require.NoError(t, err)
			assert.Equal(t, a.Digest.String(), res.Record.Previous)
			tagged, err := store.Resolve(ctx, "staging")
			require.NoError(t, err)
			assert.Equal(t, b.Digest, tagged.Digest, "staging names the promoted digest")

			again, err := Promote(ctx, request(store, b, env, &k), fast(c)...)
			require.NoError(t, err)
			assert.True(t, again.Unchanged, "promoting what is already there records nothing")

			recs, _, err := History(ctx, store, "staging", 0)
			require.NoError(t, err)
			require.Len(t, recs, 2)
			assert.Equal(t, b.Digest.String(), recs[0].Digest, "newest first")
			assert.Equal(t, res.Record.ID, recs[0].ID)

			refs, err := FindRecords(ctx, store, b.Digest)
			require.NoError(t, err)
			require.Len(t, refs, 1, "the record is a referrer of the digest too")
			assert.Equal(t, res.Record.ID, refs[0].ID)
			assert.Equal(t, "staging", refs[0].Environment)
		})
	}
}

// tamper returns a copy of env whose payload says fail→pass was changed.
func tamper(t *testing.T, env *attest.Envelope) *attest.Envelope {
	t.Helper()
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	require.NoError(t, err)
	var st map[string]any
	require.NoError(t, json.Unmarshal(payload, &st))
	st["predicate"].(map[string]any)["decision"] = "pass"
	payload, err = json.Marshal(st)
	require.NoError(t, err)
	out := *env
	out.Payload = base64.StdEncoding.EncodeToString(payload)
	return &out
}

func TestPromoteRefusals(t *testing.T) {
	ctx := context.Background()
	k, other := newKeys(t), newKeys(t)
	staging := config.Environment{Name: "staging"}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, store oci.Store) v1.Descriptor
		key   *keys
		want  string
	}{
		{"no attestation", func(t *testing.T, s oci.Store) v1.Descriptor { return pushImage(t, s, nil) }, &k,
			"no gate attestation is attached"},
		{"failed gate", func(t *testing.T, s oci.Store) v1.Descriptor {
			d := pushImage(t, s, nil)
			attachGate(t, s, d, policy.Fail, t0, &k, nil)
			return d
		}, &k, "the newest gate verdict for sha256:"},
		{"failed gate, no key", func(t *testing.T, s oci.Store) v1.Descriptor {
			d := pushImage(t, s, nil)
			attachGate(t, s, d, policy.Fail, t0, nil, nil)
			return d
		}, nil, "is fail"},
		{"unsigned when a key is required", func(t *testing.T, s oci.Store) v1.Descriptor {
			d := pushImage(t, s, nil)
			attachGate(t, s, d, policy.Pass, t0, nil, nil)
			return d
		}, &k, "envelope is unsigned"},
		{"foreign-signed", func(t *testing.T, s oci.Store) v1.Descriptor {
			d := pushImage(t, s, nil)
			attachGate(t, s, d, policy.Pass, t0, &other, nil)
			return d
		}, &k, "is signed by key " + other.verifier.KeyID()},
		{"tampered", func(t *testing.T, s oci.Store) v1.Descriptor {
			d := pushImage(t, s, nil)
			v := map[string]any{"decision": "fail", "time": t0, "model": map[string]string{"name": "iris"}}
			env, err := attest.Sign(attest.NewStatement("iris", d.Digest, attest.PredicateGate, v), k.signer)
			require.NoError(t, err)
			_, err = attest.Attach(ctx, s, d, tamper(t, env), nil)
			require.NoError(t, err)
			return d
		}, &k, "does not verify with key"},
		{"newer signed failure beats an older pass claiming to be newer", func(t *testing.T, s oci.Store) v1.Descriptor {
			d := pushImage(t, s, nil)
			attachGate(t, s, d, policy.Fail, t0, &k, map[string]string{attest.AnnotationCreated: "2020-01-01T00:00:00Z"})
			attachGate(t, s, d, policy.Pass, t0.Add(-time.Hour), &k, map[string]string{attest.AnnotationCreated: "2030-01-01T00:00:00Z"})
			return d
		}, &k, "is fail"},
		{"a verdict about another digest", func(t *testing.T, s oci.Store) v1.Descriptor {
			d, other := pushImage(t, s, nil), pushImage(t, s, nil)
			env, err := attest.Sign(attest.NewStatement("iris", other.Digest, attest.PredicateGate, map[string]any{"decision": "pass", "time": t0}), k.signer)
			require.NoError(t, err)
			_, err = attest.Attach(ctx, s, other, env, nil)
			require.NoError(t, err)
			return d
		}, &k, "no gate attestation is attached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := registryStore(t)
			d := tc.setup(t, store)
			_, err := Promote(ctx, request(store, d, staging, tc.key), fast(newClock())...)
			require.Error(t, err)
			assert.Equal(t, fault.Denied, fault.KindOf(err), "Promote: %v", err)
			assert.Contains(t, err.Error(), tc.want)
			_, err = store.Resolve(ctx, "staging")
			assert.ErrorIs(t, err, oci.ErrNotFound, "a refused promotion moves nothing")
		})
	}
}

func TestPromoteBadInput(t *testing.T) {
	ctx, store := context.Background(), registryStore(t)
	missing, err := v1.NewHash("sha256:ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd")
	require.NoError(t, err)
	_, err = Promote(ctx, Request{Source: store, Digest: missing, Env: config.Environment{Name: "staging"}}, fast(newClock())...)
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err), "a digest not in the repository: %v", err)
	assert.Contains(t, err.Error(), "is not in")

	d := pushImage(t, store, nil)
	_, err = Promote(ctx, Request{Source: store, Digest: d.Digest, Env: config.Environment{Name: "staging"}, Force: true}, fast(newClock())...)
	assert.Equal(t, fault.Usage, fault.KindOf(err), "--force without --reason: %v", err)
}

func TestForceIsRecordedLoudly(t *testing.T) {
	ctx, c, store := context.Background(), newClock(), registryStore(t)
	d := pushImage(t, store, nil) // never gated
	req := request(store, d, config.Environment{Name: "production", Requires: []string{"staging"}, Soak: time.Hour}, nil)
	req.Force, req.Reason = true, "hotfix for incident 42"
	res, err := Promote(ctx, req, fast(c)...)
	require.NoError(t, err)
	assert.True(t, res.Record.Forced)
	assert.Equal(t, "hotfix for incident 42", res.Record.Reason)
	require.Len(t, res.Record.Overridden, 2, "both refusals are recorded: %v", res.Record.Overridden)
	assert.Contains(t, res.Record.Overridden[0], "no gate attestation")
	assert.Contains(t, res.Record.Overridden[1], "requires staging first")
	recs, _, err := History(ctx, store, "production", 1)
	require.NoError(t, err)
	assert.Equal(t, "promote (FORCED)", actionWord(recs[0]))
}

func TestImageCountsItsModelsGate(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	host := registrytest.InProcess(t)
	models, images := repoIn(t, host, "acme/iris"), repoIn(t, host, "acme/iris-server")
	model := gated(t, models, k)
	img := pushImage(t, images, map[string]string{
		AnnotationModelDigest:    model.Digest.String(),
		AnnotationModelReference: host + "/acme/iris@" + model.Digest.String(),
	})
	env := config.Environment{Name: "staging"}

	_, err := Promote(ctx, request(images, img, env, &k), fast(c)...)
	require.Error(t, err, "without the opener the model's repository is not searched")
	assert.Contains(t, err.Error(), "(the model it was built from)")

	res, err := Promote(ctx, request(images, img, env, &k), append(fast(c), WithOpener(func(r oci.Ref) oci.Store { return oci.Open(r) }))...)
	require.NoError(t, err)
	assert.Equal(t, model.Digest.String(), res.Record.Gate.Subject, "the model's attestation counted for the image")
	assert.Equal(t, img.Digest.String(), res.Record.Digest)

	// An image without the reference annotation (what slipway build sets
	// today): the model's repository comes from --model-repo or slipway.yaml.
	bare := pushImage(t, images, map[string]string{AnnotationModelDigest: model.Digest.String(), "dev.slipway.model.name": "iris"})
	req := request(images, bare, env, &k)
	req.ModelStores = []oci.Store{models}
	res, err = Promote(ctx, req, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, model.Digest.String(), res.Record.Gate.Subject)
	assert.Equal(t, "iris", res.Record.Name)
}

func TestPromoteCopiesTo(t *testing.T) {
	ctx, c, k := context.Background(), newClock(), newKeys(t)
	host := registrytest.InProcess(t)
	src, dst := repoIn(t, host, "acme/iris"), repoIn(t, host, "prod/iris")
	d := gated(t, src, k)
	req := request(src, d, config.Environment{Name: "production"}, &k)
	req.Dest = dst
	res, err := Promote(ctx, req, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, src.Ref().String(), res.Record.Source)
	assert.Equal(t, dst.Ref().String(), res.Record.Repository)
	_, _, err = attest.FindVerified(ctx, dst, d.Digest, attest.PredicateGate, k.verifier)
	require.NoError(t, err, "the attestation came along and verifies in the destination")
	_, err = src.Resolve(ctx, "production")
	assert.ErrorIs(t, err, oci.ErrNotFound, "the source's tags are untouched")
}

func TestEnvironmentPolicy(t *testing.T) {
	ctx, c, k, store := context.Background(), newClock(), newKeys(t), registryStore(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.rego"), `package release
import rego.v1
deny contains msg if {
	input.action == "promote"
	input.ci.branch != "main"
	msg := sprintf("%s: only from main, not %q (gate %s, %d attestations)", [input.environment, input.ci.branch, input.gate.decision, count(input.attestations)])
}
warn contains "weekend" if time.weekday(time.parse_rfc3339_ns(input.time)) == "Monday"
`)
	d := gated(t, store, k)
	env := config.Environment{Name: "production", Policy: []string{dir}}
	req := request(store, d, env, &k)
	req.CI.Branch = "feature"
	_, err := Promote(ctx, req, fast(c)...)
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	assert.Contains(t, err.Error(), `policy release.deny: production: only from main, not "feature" (gate pass, 1 attestations)`)

	req.CI.Branch = "main"
	res, err := Promote(ctx, req, fast(c)...)
	require.NoError(t, err)
	assert.Equal(t, []string{"policy release.warn: weekend"}, res.Warnings, "t0 is a Monday")

	writeFile(t, filepath.Join(dir, "p.rego"), "package release\ndeny contains 3 if true\n")
	_, err = Promote(ctx, request(store, gated(t, store, k), env, &k), fast(c)...)
	assert.Equal(t, fault.Usage, fault.KindOf(err), "a broken policy is a usage error, never a denial: %v", err)
}
