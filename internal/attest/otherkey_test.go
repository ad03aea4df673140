package attest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// TestAnotherKeysAttestation: an attestation signed by another key is
// refused with exit 1 naming the given key's ID and saying the signature is
// from a different key, with the key the attestation names when it names one.
func TestAnotherKeysAttestation(t *testing.T) {
	ctx := context.Background()
	otherPriv, _ := keygen(t, "other")
	_, pub := keygen(t, "gate")
	given, err := attest.LoadPublicKey(pub)
	require.NoError(t, err)
	other, err := attest.LoadPrivateKey(otherPriv)
	require.NoError(t, err)

	for _, tt := range []struct {
		format attest.Format
		keyID  string // what the refusal quotes as the attestation's key; "" when it names none
	}{
		{attest.FormatDSSE, other.KeyID()},
		{attest.FormatBundle, other.KeyID()},
		{attest.FormatCosignV2, ""},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			s := newSubject(t)
			stmt := attest.NewStatement("iris", s.desc.Digest, attest.PredicateGate, gatePredicate("pass"))
			if tt.format == attest.FormatCosignV2 {
				// only the .att layer, as cosign v2 writes it: no keyid
				b, err := attest.SignBundle(ctx, stmt, other)
				require.NoError(t, err)
				_, err = attest.AttachCosignV2(ctx, s.store, s.desc, b, "")
				require.NoError(t, err)
			} else {
				_, err := attest.Write(ctx, s.store, s.desc, stmt, other, tt.format, map[string]string{attest.AnnotationCreated: time.Now().Format(time.RFC3339)})
				require.NoError(t, err)
			}
			_, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: s.ref, Key: pub})
			require.Error(t, err)
			assert.Equal(t, fault.Denied, fault.KindOf(err))
			msg := err.Error()
			assert.Contains(t, msg, "verifies with key "+given.KeyID()[:16])
			if tt.keyID != "" {
				assert.Contains(t, msg, "signed by key "+tt.keyID+", not by key "+given.KeyID())
				assert.Contains(t, msg, "its signature is from a different key")
			} else {
				assert.Contains(t, msg, "does not verify with key "+given.KeyID()+": it was signed by another key (the envelope names none), or altered after signing")
			}
		})
	}
}
