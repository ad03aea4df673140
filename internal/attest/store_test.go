package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// stores are the three ways referrers are kept.
func stores(t *testing.T) map[string]func(t *testing.T) oci.Store {
	registry := func(opts ...registrytest.Option) func(t *testing.T) oci.Store {
		return func(t *testing.T) oci.Store {
			ref, err := oci.ParseRef(registrytest.InProcess(t, opts...)+"/acme/churn", false)
			require.NoError(t, err)
			return oci.Open(ref)
		}
	}
	return map[string]func(t *testing.T) oci.Store{
		"layout":              func(t *testing.T) oci.Store { return oci.OpenLayout(t.TempDir()) },
		"registry referrers":  registry(),
		"registry tag scheme": registry(registrytest.WithoutReferrers()),
	}
}

// pushModel stores a stand-in model and an unrelated referrer of it.
func pushModel(t *testing.T, ctx context.Context, s oci.Store) v1.Descriptor {
	t.Helper()
	img, err := random.Image(512, 1)
	require.NoError(t, err)
	require.NoError(t, s.WriteImage(ctx, img, "1.0.0"))
	desc, err := s.Resolve(ctx, "1.0.0")
	require.NoError(t, err)

	sbom, err := mutate.AppendLayers(empty.Image, static.NewLayer([]byte(`{"spdxVersion":"SPDX-2.3"}`), "application/spdx+json"))
	require.NoError(t, err)
	sbom = mutate.ConfigMediaType(mutate.MediaType(sbom, types.OCIManifestSchema1), types.OCIEmptyJSON)
	require.NoError(t, s.WriteImage(ctx, mutate.Subject(sbom, desc).(v1.Image), ""))
	return desc
}

// decidedAt is when the test verdicts say they were made.
var decidedAt = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestAttachFind(t *testing.T) {
	ctx := context.Background()
	keys := newKeyFiles(t)
	signer, err := LoadPrivateKey(keys.ed25519)
	require.NoError(t, err)
	wrong, err := LoadPublicKey(keys.p256Pub)
	require.NoError(t, err)

	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			model := pushModel(t, ctx, s)

			older, err := Sign(NewStatement("acme/churn", model.Digest, PredicateGate, testVerdict{Decision: "fail", Time: at(decidedAt)}), signer)
			require.NoError(t, err)
			newer, err := Sign(NewStatement("acme/churn", model.Digest, PredicateGate, testVerdict{Decision: "pass", Time: at(decidedAt.Add(time.Minute))}), signer)
			require.NoError(t, err)
			sbom, err := Unsigned(NewStatement("acme/churn", model.Digest, "https://spdx.dev/Document/v2.3", nil))
			require.NoError(t, err)

			// Attached out of order: Find sorts by the created annotation.
			newerDesc, err := Attach(ctx, s, model, newer, nil)
			require.NoError(t, err)
			hourAgo := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
			olderDesc, err := Attach(ctx, s, model, older, map[string]string{AnnotationCreated: hourAgo, "dev.slipway.environment": "staging"})
			require.NoError(t, err)
			_, err = Attach(ctx, s, model, sbom, nil)
			require.NoError(t, err)

			found, err := Find(ctx, s, model.Digest, PredicateGate)
			require.NoError(t, err)
			require.Len(t, found, 2, "Find(%s) should find both gate attestations and nothing else", model.Digest)
			assert.Equal(t, newerDesc.Digest, found[0].Descriptor.Digest, "newest first")
			assert.Equal(t, olderDesc.Digest, found[1].Descriptor.Digest)
			assert.Equal(t, newer, found[0].Envelope)
			assert.Equal(t, older, found[1].Envelope)
			assert.Equal(t, "staging", found[1].Descriptor.Annotations["dev.slipway.environment"])
			for _, f := range found {
				require.NoError(t, f.Err)
				assert.Equal(t, PredicateGate, f.PredicateType)
				assert.Equal(t, ArtifactType, f.Descriptor.ArtifactType)
				_, err := VerifyFor(f.Envelope, signer.Verifier(), model.Digest, PredicateGate)
				assert.NoError(t, err)
			}

			tags, err := s.Tags(ctx)
			require.NoError(t, err)
			fallback := "sha256-" + model.Digest.Hex
			if name == "registry tag scheme" {
				assert.Contains(t, tags, fallback, "without the referrers API the tag scheme should hold the referrers")
			} else {
				assert.NotContains(t, tags, fallback)
			}

			all, err := Find(ctx, s, model.Digest, "")
			require.NoError(t, err)
			assert.Len(t, all, 3, "Find with no predicate type finds every attestation")

			st, f, err := FindVerified(ctx, s, model.Digest, PredicateGate, signer.Verifier())
			require.NoError(t, err)
			assert.Equal(t, newerDesc.Digest, f.Descriptor.Digest)
			var v testVerdict
			require.NoError(t, st.DecodePredicate(&v))
			assert.Equal(t, "pass", v.Decision)

			_, _, err = FindVerified(ctx, s, model.Digest, PredicateGate, wrong)
			require.Error(t, err)
			assert.Equal(t, fault.Denied, fault.KindOf(err))
			assert.Contains(t, err.Error(), "none of the 2")

			none, err := Find(ctx, s, otherDigest, PredicateGate)
			require.NoError(t, err)
			assert.Empty(t, none)
			_, _, err = FindVerified(ctx, s, otherDigest, PredicateGate, signer.Verifier())
			require.Error(t, err)
			assert.Equal(t, fault.Denied, fault.KindOf(err))
			assert.Contains(t, err.Error(), "no "+PredicateGate+" attestation is attached")
		})
	}
}

// TestManifestForm pins the stored manifest to the documented form.
func TestManifestForm(t *testing.T) {
	ctx := context.Background()
	s := oci.OpenLayout(t.TempDir())
	model := pushModel(t, ctx, s)
	env, err := Unsigned(NewStatement("acme/churn", model.Digest, PredicateGate, nil))
	require.NoError(t, err)
	desc, err := Attach(ctx, s, model, env, nil)
	require.NoError(t, err)

	raw, err := s.Manifest(ctx, desc.Digest)
	require.NoError(t, err)
	var m v1.Manifest
	require.NoError(t, json.Unmarshal(raw, &m))
	assert.Equal(t, types.OCIManifestSchema1, m.MediaType)
	assert.Equal(t, "application/vnd.in-toto+json", m.ArtifactType)
	assert.Equal(t, v1.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: oci.EmptyDescriptor.Digest, Size: 2}, m.Config)
	require.Len(t, m.Layers, 1)
	assert.Equal(t, types.MediaType("application/vnd.dsse.envelope.v1+json"), m.Layers[0].MediaType)
	assert.Equal(t, PredicateGate, m.Layers[0].Annotations["in-toto.io/predicate-type"])
	assert.Equal(t, &v1.Descriptor{MediaType: model.MediaType, Digest: model.Digest, Size: model.Size}, m.Subject)
	assert.Equal(t, PredicateGate, m.Annotations["dev.slipway.predicate-type"])
	_, err = time.Parse(time.RFC3339, m.Annotations["org.opencontainers.image.created"])
	assert.NoError(t, err, "created should be RFC 3339")

	h, _, err := v1.SHA256(bytes.NewReader(raw))
	require.NoError(t, err)
	assert.Equal(t, desc.Digest, h, "Attach should return the stored manifest's digest")

	cfg, err := os.ReadFile(filepath.Join(s.Ref().Layout, "blobs", "sha256", oci.EmptyDescriptor.Digest.Hex))
	require.NoError(t, err)
	assert.Equal(t, "{}", string(cfg))
}

func TestAttachRefuses(t *testing.T) {
	ctx := context.Background()
	s := oci.OpenLayout(t.TempDir())
	model := pushModel(t, ctx, s)
	aboutOther, err := Unsigned(NewStatement("x", otherDigest, PredicateGate, nil))
	require.NoError(t, err)
	for _, tt := range []struct {
		name    string
		subject v1.Descriptor
		env     *Envelope
		want    string
	}{
		{"statement about another digest", model, aboutOther, "the statement is about another artifact"},
		{"no envelope", model, nil, "no envelope"},
		{"not a statement", model, &Envelope{PayloadType: PayloadType, Payload: "e30="}, "_type"},
		{"no subject digest", v1.Descriptor{MediaType: types.OCIManifestSchema1}, aboutOther, "needs a digest"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Attach(ctx, s, tt.subject, tt.env, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, fault.Usage, fault.KindOf(err))
		})
	}
}

// TestFindCorruptEnvelope: a referrer whose envelope blob was swapped is
// reported, and does not hide a good one.
func TestFindCorruptEnvelope(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := oci.OpenLayout(dir)
	model := pushModel(t, ctx, s)
	signer, err := LoadPrivateKey(newKeyFiles(t).ed25519)
	require.NoError(t, err)

	good, err := Sign(NewStatement("m", model.Digest, PredicateGate, testVerdict{Decision: "pass", Time: at(decidedAt)}), signer)
	require.NoError(t, err)
	bad, err := Sign(NewStatement("m", model.Digest, PredicateGate, testVerdict{Decision: "fail", Time: at(decidedAt)}), signer)
	require.NoError(t, err)
	_, err = Attach(ctx, s, model, good, map[string]string{AnnotationCreated: "2020-01-01T00:00:00Z"})
	require.NoError(t, err)
	badDesc, err := Attach(ctx, s, model, bad, nil)
	require.NoError(t, err)

	raw, err := s.Manifest(ctx, badDesc.Digest)
	require.NoError(t, err)
	var m v1.Manifest
	require.NoError(t, json.Unmarshal(raw, &m))
	blob := filepath.Join(dir, "blobs", "sha256", m.Layers[0].Digest.Hex)
	b, err := os.ReadFile(blob)
	require.NoError(t, err)
	b[len(b)/2] ^= 0x01
	require.NoError(t, os.WriteFile(blob, b, 0o644))

	found, err := Find(ctx, s, model.Digest, PredicateGate)
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, badDesc.Digest, found[0].Descriptor.Digest)
	require.Error(t, found[0].Err, "a swapped envelope blob should be reported")
	assert.Nil(t, found[0].Envelope)
	assert.NoError(t, found[1].Err)

	st, _, err := FindVerified(ctx, s, model.Digest, PredicateGate, signer.Verifier())
	require.NoError(t, err, "the good attestation should still verify")
	var v testVerdict
	require.NoError(t, st.DecodePredicate(&v))
	assert.Equal(t, "pass", v.Decision)
}
