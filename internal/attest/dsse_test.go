package attest

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/signature"
	sigdsse "github.com/sigstore/sigstore/pkg/signature/dsse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// TestDSSEInterop checks envelopes cross between Slipway (signing and
// verifying through sigstore-go) and go-securesystemslib's dsse over
// sigstore's signature adapters (an independent DSSE implementation), in
// both directions.
func TestDSSEInterop(t *testing.T) {
	ctx := context.Background()
	k := newKeyFiles(t)
	for _, priv := range []string{k.ed25519, k.p256} {
		signer, err := LoadPrivateKey(priv)
		require.NoError(t, err)
		t.Run(signer.KeyID()[:8], func(t *testing.T) {
			env, err := Sign(gateStatement(), signer)
			require.NoError(t, err)
			sv, err := signature.LoadSignerVerifier(signer.key, crypto.SHA256)
			require.NoError(t, err)
			ev, err := dsse.NewEnvelopeVerifier(&sigdsse.VerifierAdapter{SignatureVerifier: sv})
			require.NoError(t, err)
			_, err = ev.Verify(ctx, env)
			require.NoError(t, err, "dsse should verify what Sign signed")
			assert.Equal(t, signer.KeyID(), env.Signatures[0].KeyID)

			es, err := dsse.NewEnvelopeSigner(&sigdsse.SignerAdapter{SignatureSigner: sv, Pub: signer.Verifier().Public()})
			require.NoError(t, err)
			payload, err := base64.StdEncoding.DecodeString(env.Payload)
			require.NoError(t, err)
			theirs, err := es.SignPayload(ctx, PayloadType, payload)
			require.NoError(t, err)
			_, err = VerifyFor(theirs, signer.Verifier(), modelDigest, PredicateGate)
			assert.NoError(t, err, "Verify should accept what dsse signed")
		})
	}
}

// TestVerifyAcceptsEveryBase64 checks the DSSE rule that verifiers accept
// standard and URL-safe base64, padded or not, which dsse alone does not.
func TestVerifyAcceptsEveryBase64(t *testing.T) {
	signer, err := LoadPrivateKey(newKeyFiles(t).ed25519)
	require.NoError(t, err)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		env, err := Sign(gateStatement(), signer)
		require.NoError(t, err)
		payload, _ := base64.StdEncoding.DecodeString(env.Payload)
		sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
		env.Payload = enc.EncodeToString(payload)
		env.Signatures[0].Sig = enc.EncodeToString(sig)
		_, err = Verify(env, signer.Verifier())
		assert.NoError(t, err, "payload %q…", env.Payload[:12])
	}
}

// TestParseValidatesInToto checks that payloads in-toto's Statement type
// rejects are refused, on signing and on reading, with an error naming the
// statement.
func TestParseValidatesInToto(t *testing.T) {
	signer, err := LoadPrivateKey(newKeyFiles(t).ed25519)
	require.NoError(t, err)
	short := Statement{Type: StatementType, PredicateType: PredicateGate, Subject: []Subject{{Name: "m", Digest: map[string]string{"sha256": "abcd"}}}}
	notHex := Statement{Type: StatementType, PredicateType: PredicateGate, Subject: []Subject{{Name: "m", Digest: map[string]string{"sha256": strings.Repeat("zz", 32)}}}}
	for _, tt := range []struct {
		name    string
		payload string
		want    string
	}{
		{"short sha256", mustJSON(t, short), PredicateGate + " about sha256:abcd: invalid in-toto statement: digest has incorrect length"},
		{"digest not hex", mustJSON(t, notHex), "digest is not valid hex"},
		{"no digest", `{"_type":"` + StatementType + `","subject":[{"name":"m"}],"predicateType":"p"}`, "p with no subject digest: invalid in-toto statement: at least one digest required"},
		{"no subject", `{"_type":"` + StatementType + `","predicateType":"p"}`, "at least one subject required"},
		{"no predicate type", `{"_type":"` + StatementType + `","subject":[{"digest":{"sha256":"` + modelDigest.Hex + `"}}]}`, "predicate type required"},
		{"subject not a list", `{"_type":"` + StatementType + `","subject":{},"predicateType":"p"}`, "payload is not an in-toto statement"},
		{"duplicate field", `{"_type":"` + StatementType + `","subject":[{"digest":{"sha256":"` + modelDigest.Hex + `"}}],"predicateType":"p","predicateType":"q"}`, "not an in-toto statement"},
		{"proto field name", `{"_type":"` + StatementType + `","subject":[{"digest":{"sha256":"` + modelDigest.Hex + `"}}],"predicate_type":"p"}`, `p about sha256:` + modelDigest.Hex + `: statement has no "predicateType" field`},
		{"unknown type", `{"_type":"https://in-toto.io/Statement/v0.2","subject":[{"digest":{"sha256":"` + modelDigest.Hex + `"}}],"predicateType":"p"}`, "want \"" + StatementType + "\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseStatement([]byte(tt.payload))
			require.Error(t, err, "parseStatement(%s)", tt.payload)
			assert.Contains(t, err.Error(), tt.want)

			env, err := dsseSign(t, signer, tt.payload)
			require.NoError(t, err)
			_, err = Verify(env, signer.Verifier())
			require.Error(t, err, "Verify should refuse a signed but invalid statement")
			assert.Equal(t, fault.Denied, fault.KindOf(err))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("Sign refuses", func(t *testing.T) {
		_, err := Sign(short, signer)
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err))
		assert.Contains(t, err.Error(), "digest has incorrect length")
	})
	t.Run("keys are matched exactly, as in-toto's tools match them", func(t *testing.T) {
		st, err := parseStatement([]byte(`{"_type":"` + StatementType + `","subject":[{"digest":{"sha256":"` + modelDigest.Hex + `"}}],"predicateType":"p","PredicateType":"q","Predicate":{"x":1}}`))
		require.NoError(t, err)
		assert.Equal(t, "p", st.PredicateType, "encoding/json would have read the last, differently cased key")
		assert.Nil(t, st.Predicate)
	})
	t.Run("unknown fields and no predicate are fine", func(t *testing.T) {
		st, err := parseStatement([]byte(`{"_type":"` + StatementType + `","subject":[{"digest":{"sha256":"` + modelDigest.Hex + `","custom":"x"}}],"predicateType":"p","extra":1}`))
		require.NoError(t, err)
		assert.True(t, st.About(modelDigest))
	})
}

func TestStatementInToto(t *testing.T) {
	st, err := gateStatement().InToto()
	require.NoError(t, err)
	assert.Equal(t, PredicateGate, st.GetPredicateType())
	assert.Equal(t, "acme/churn", st.GetSubject()[0].GetName())
	assert.Equal(t, modelDigest.Hex, st.GetSubject()[0].GetDigest()["sha256"])
	assert.Equal(t, 0.91, st.GetPredicate().GetFields()["metrics"].GetStructValue().GetFields()["auc"].GetNumberValue())
}

func dsseSign(t *testing.T, signer *Signer, payload string) (*Envelope, error) {
	t.Helper()
	b, err := signBundle(context.Background(), []byte(payload), signer)
	if err != nil {
		return nil, err
	}
	return envelopeOf(b.GetDsseEnvelope()), nil
}

func mustJSON(t *testing.T, st Statement) string {
	t.Helper()
	raw, err := encodeJSON(st)
	require.NoError(t, err)
	return raw
}

func encodeJSON(st Statement) (string, error) {
	raw, err := json.Marshal(st)
	return string(raw), err
}
