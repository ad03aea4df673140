package attest_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/attest/sigstoretest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// TestKeylessCosignV2: a keyless attestation written as cosign v2's .att
// layer (certificate and Rekor bundle in annotations) verifies keyless,
// and only for the identity in its certificate.
func TestKeylessCosignV2(t *testing.T) {
	ctx := context.Background()
	vs, err := sigstoretest.New()
	require.NoError(t, err)
	rootFile := filepath.Join(t.TempDir(), "root.json")
	require.NoError(t, vs.WriteTrustedRoot(rootFile))
	const issuer = "https://gitlab.com"
	token := sigstoretest.JWT(map[string]any{"iss": issuer, "sub": "project_path:acme/iris:ref_type:branch:ref:main", "email": "ci@acme.example", "email_verified": true})
	servers, stop := vs.Serve(token)
	defer stop()

	store := oci.OpenLayout(t.TempDir())
	img, err := random.Image(256, 1)
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(ctx, img, "1.0.0"))
	desc, err := store.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	signer, err := attest.NewKeylessSigner(attest.KeylessSigning{IDToken: token, FulcioURL: servers.FulcioURL, RekorURL: servers.RekorURL})
	require.NoError(t, err)
	stmt := attest.NewStatement("iris", desc.Digest, attest.PredicateGate, map[string]any{"decision": "pass", "time": time.Now().UTC()})
	b, err := attest.SignBundle(ctx, stmt, signer)
	require.NoError(t, err)
	_, err = attest.AttachCosignV2(ctx, store, desc, b, "")
	require.NoError(t, err)

	found, err := attest.Find(ctx, store, desc.Digest, attest.PredicateGate)
	require.NoError(t, err)
	require.Len(t, found, 1, "only the .att layer")
	require.NotNil(t, found[0].Bundle, "a keyless layer is read as a bundle")

	v, err := attest.OpenTrust(ctx, attest.Trust{Identity: attest.Identity{Identity: "ci@acme.example", Issuer: issuer}, TrustedRoot: rootFile}, nil)
	require.NoError(t, err)
	_, _, err = attest.FindVerified(ctx, store, desc.Digest, attest.PredicateGate, v)
	require.NoError(t, err)

	wrong, err := attest.OpenTrust(ctx, attest.Trust{Identity: attest.Identity{Identity: "mallory@acme.example", Issuer: issuer}, TrustedRoot: rootFile}, nil)
	require.NoError(t, err)
	_, _, err = attest.FindVerified(ctx, store, desc.Digest, attest.PredicateGate, wrong)
	require.Error(t, err)
	assert.Equal(t, fault.Denied, fault.KindOf(err))
	assert.Contains(t, err.Error(), `wrong identity: the certificate's is "ci@acme.example"`)
}
