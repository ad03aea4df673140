package attest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignGolden checks envelopes signed before Slipway used
// go-securesystemslib's dsse (testdata/envelope-*.json, written by the
// hand-written PAE and signer) still verify, and that ed25519, being
// deterministic, still signs the same statement into the same bytes.
func TestSignGolden(t *testing.T) {
	for _, kind := range []KeyKind{Ed25519, ECDSAP256} {
		t.Run(string(kind), func(t *testing.T) {
			priv := filepath.Join("testdata", "key-"+string(kind)+".pem")
			pub := filepath.Join("testdata", "key-"+string(kind)+".pub")
			envPath := filepath.Join("testdata", "envelope-"+string(kind)+".json")
			// The files are historical: written once by the old signer, never regenerated.
			raw, err := os.ReadFile(envPath)
			require.NoError(t, err)
			var env Envelope
			require.NoError(t, json.Unmarshal(raw, &env))
			verifier, err := LoadPublicKey(pub)
			require.NoError(t, err)
			st, err := VerifyFor(&env, verifier, modelDigest, PredicateGate)
			require.NoError(t, err, "verifying %s", envPath)
			var v testVerdict
			require.NoError(t, st.DecodePredicate(&v))
			assert.Equal(t, "pass", v.Decision)

			again, err := json.Marshal(&env)
			require.NoError(t, err)
			assert.Equal(t, string(raw), string(again), "the envelope does not survive a JSON round trip byte for byte")

			if kind == Ed25519 {
				signer, err := LoadPrivateKey(priv)
				require.NoError(t, err)
				fresh, err := Sign(gateStatement(), signer)
				require.NoError(t, err)
				got, err := json.Marshal(fresh)
				require.NoError(t, err)
				assert.Equal(t, string(raw), string(got), "ed25519 signs the same statement into different bytes")
			}
		})
	}
}
