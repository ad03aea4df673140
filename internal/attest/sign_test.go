package attest

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipwayhq/slipway/internal/fault"
)

var (
	modelDigest = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	otherDigest = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("cd", 32)}
)

type testVerdict struct {
	Decision string             `json:"decision"`
	Metrics  map[string]float64 `json:"metrics"`
	// Time is when the verdict was made: what orders verdicts.
	Time *time.Time `json:"time,omitempty"`
}

// at is t, for a testVerdict's Time.
func at(t time.Time) *time.Time { return &t }

func gateStatement() Statement {
	return NewStatement("acme/churn", modelDigest, PredicateGate, testVerdict{Decision: "pass", Metrics: map[string]float64{"auc": 0.91}})
}

func TestPAE(t *testing.T) {
	// The example in the DSSE protocol specification.
	got := string(PAE("http://example.com/HelloWorld", []byte("hello world")))
	assert.Equal(t, "DSSEv1 29 http://example.com/HelloWorld 11 hello world", got)
}

func TestSignVerify(t *testing.T) {
	k := newKeyFiles(t)
	for _, tt := range []struct{ name, private, public string }{
		{"ed25519 PKCS#8", k.ed25519, k.ed25519Pub},
		{"P-256 PKCS#8", k.p256, k.p256Pub},
		{"P-256 SEC1", k.p256SEC1, k.p256Pub},
		{"P-256 verified with the private key file", k.p256SEC1, k.p256},
	} {
		t.Run(tt.name, func(t *testing.T) {
			signer, err := LoadPrivateKey(tt.private)
			require.NoError(t, err)
			verifier, err := LoadPublicKey(tt.public)
			require.NoError(t, err)

			env, err := Sign(gateStatement(), signer)
			require.NoError(t, err)
			assert.Equal(t, PayloadType, env.PayloadType)
			require.Len(t, env.Signatures, 1)
			assert.Equal(t, signer.KeyID(), env.Signatures[0].KeyID)

			// The envelope goes through JSON, as it does through a registry.
			raw, err := json.Marshal(env)
			require.NoError(t, err)
			var back Envelope
			require.NoError(t, json.Unmarshal(raw, &back))

			st, err := VerifyFor(&back, verifier, modelDigest, PredicateGate)
			require.NoError(t, err, "VerifyFor(signed envelope)")
			assert.Equal(t, StatementType, st.Type)
			assert.Equal(t, PredicateGate, st.PredicateType)
			assert.Equal(t, []Subject{{Name: "acme/churn", Digest: map[string]string{"sha256": modelDigest.Hex}}}, st.Subject)
			var v testVerdict
			require.NoError(t, st.DecodePredicate(&v))
			assert.Equal(t, testVerdict{Decision: "pass", Metrics: map[string]float64{"auc": 0.91}}, v)
		})
	}
}

// TestStatementIsInToto checks the payload against in-toto's own Go types.
func TestStatementIsInToto(t *testing.T) {
	env, err := Unsigned(gateStatement())
	require.NoError(t, err)
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	require.NoError(t, err)
	var st ita.Statement
	require.NoError(t, protojson.Unmarshal(payload, &st), "in-toto's Statement should parse %s", payload)
	require.NoError(t, st.Validate())
	assert.Equal(t, ita.StatementTypeUri, st.GetType())
	assert.Equal(t, modelDigest.Hex, st.GetSubject()[0].GetDigest()["sha256"])
	assert.Equal(t, "pass", st.GetPredicate().GetFields()["decision"].GetStringValue())
}

func TestVerifyRefuses(t *testing.T) {
	k := newKeyFiles(t)
	signer, err := LoadPrivateKey(k.ed25519)
	require.NoError(t, err)
	verifier := signer.Verifier()
	other, err := LoadPublicKey(k.p256Pub)
	require.NoError(t, err)

	flip := func(s string) string {
		b, err := base64.StdEncoding.DecodeString(s)
		require.NoError(t, err)
		b[len(b)/2] ^= 0x01
		return base64.StdEncoding.EncodeToString(b)
	}
	for _, tt := range []struct {
		name     string
		mutate   func(*Envelope)
		verifier *Verifier
		want     string
	}{
		{"wrong key", nil, other, "is signed by key " + signer.KeyID() + ", not by key " + other.KeyID()},
		{"wrong key, key ID erased", func(e *Envelope) { e.Signatures[0].KeyID = "" }, other, "does not verify with key " + other.KeyID()},
		{"wrong key, key ID forged", func(e *Envelope) { e.Signatures[0].KeyID = other.KeyID() }, other, "does not verify"},
		{"tampered payload", func(e *Envelope) { e.Payload = flip(e.Payload) }, verifier, "altered after signing"},
		{"tampered signature", func(e *Envelope) { e.Signatures[0].Sig = flip(e.Signatures[0].Sig) }, verifier, "does not verify"},
		{"tampered payload type", func(e *Envelope) { e.PayloadType = "application/json" }, verifier, `payloadType is "application/json"`},
		{"signature not base64", func(e *Envelope) { e.Signatures[0].Sig = "%%%" }, verifier, "does not verify"},
		{"payload not base64", func(e *Envelope) { e.Payload = "%%%" }, verifier, "not base64"},
		{"unsigned", func(e *Envelope) { e.Signatures = nil }, verifier, "unsigned"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, err := Sign(gateStatement(), signer)
			require.NoError(t, err)
			if tt.mutate != nil {
				tt.mutate(env)
			}
			_, err = Verify(env, tt.verifier)
			require.Error(t, err, "Verify(%s) should fail", tt.name)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, fault.Denied, fault.KindOf(err), "a failed verification is a denial: %v", err)
		})
	}

	t.Run("Unsigned envelope", func(t *testing.T) {
		env, err := Unsigned(gateStatement())
		require.NoError(t, err)
		assert.NotNil(t, env.Signatures, "signatures should encode as [], not null")
		_, err = Verify(env, verifier)
		require.Error(t, err)
		assert.Equal(t, fault.Denied, fault.KindOf(err))
	})
	t.Run("nil envelope", func(t *testing.T) {
		_, err := Verify(nil, verifier)
		assert.Equal(t, fault.Denied, fault.KindOf(err))
	})
	t.Run("a second, good signature counts", func(t *testing.T) {
		env, err := Sign(gateStatement(), signer)
		require.NoError(t, err)
		env.Signatures = append([]Signature{{KeyID: signer.KeyID(), Sig: "AAAA"}}, env.Signatures...)
		_, err = Verify(env, verifier)
		assert.NoError(t, err)
	})
}

func TestVerifyFor(t *testing.T) {
	signer, err := LoadPrivateKey(newKeyFiles(t).p256)
	require.NoError(t, err)
	env, err := Sign(gateStatement(), signer)
	require.NoError(t, err)
	for _, tt := range []struct {
		name          string
		digest        v1.Hash
		predicateType string
		want          string
	}{
		{"another digest", otherDigest, PredicateGate, "attestation is about " + modelDigest.String() + ", not " + otherDigest.String()},
		{"another predicate type", modelDigest, "https://slsa.dev/provenance/v1", "has predicate type " + PredicateGate},
		{"zero digest", v1.Hash{}, PredicateGate, "attestation is about"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyFor(env, signer.Verifier(), tt.digest, tt.predicateType)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, fault.Denied, fault.KindOf(err))
		})
	}
}

func TestSignRefusesInvalidStatements(t *testing.T) {
	signer, err := LoadPrivateKey(newKeyFiles(t).ed25519)
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		st   Statement
	}{
		{"no predicate type", NewStatement("m", modelDigest, "", nil)},
		{"no subject", Statement{Type: StatementType, PredicateType: PredicateGate}},
		{"unencodable predicate", NewStatement("m", modelDigest, PredicateGate, func() {})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sign(tt.st, signer)
			assert.Error(t, err)
		})
	}
}
