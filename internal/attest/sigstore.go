package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Every signature Slipway makes or checks goes through sigstore-go: a
// Sigstore bundle is signed by sign.Bundle and verified by verify.Verifier,
// and a bare DSSE envelope (the older Slipway form, cosign v2's .att layers)
// is verified by wrapping it in a bundle whose verification material is the
// trusted key. There is no second DSSE implementation here.

// BundleMediaType is the media type of a Sigstore bundle v0.3, also the
// artifactType cosign v3 gives the referrer that stores one.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// Bundle is a Sigstore bundle (protobuf-specs' message, JSON via protojson).
type Bundle = protobundle.Bundle

// keypair adapts a Signer's key to sigstore-go's sign.Keypair.
type keypair struct{ s *Signer }

var _ sign.Keypair = keypair{}

func (k keypair) details() signature.AlgorithmDetails {
	alg := protocommon.PublicKeyDetails_PKIX_ED25519
	if _, ok := k.s.verifier.pub.(*ecdsa.PublicKey); ok {
		alg = protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
	}
	d, _ := signature.GetAlgorithmDetails(alg)
	return d
}

func (k keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return k.details().GetProtoHashType()
}

func (k keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.details().GetSignatureAlgorithm()
}

func (k keypair) GetHint() []byte { return []byte(k.s.KeyID()) }

func (k keypair) GetKeyAlgorithm() string {
	if _, ok := k.s.verifier.pub.(*ecdsa.PublicKey); ok {
		return "ECDSA"
	}
	return "ED25519"
}

func (k keypair) GetPublicKey() crypto.PublicKey { return k.s.verifier.pub }

func (k keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.s.verifier.pub)
	return string(b), err
}

// SignData signs data: ed25519 over data itself, ECDSA over its sha256
// (ASN.1 DER), as sigstore-go's own keypairs and cosign do.
func (k keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	if _, ok := k.s.verifier.pub.(*ecdsa.PublicKey); ok {
		d := sha256.Sum256(data)
		sig, err := k.s.key.Sign(rand.Reader, d[:], crypto.SHA256)
		return sig, d[:], err
	}
	sig, err := k.s.key.Sign(rand.Reader, data, crypto.Hash(0))
	return sig, data, err
}

// signBundle signs payload as a DSSE envelope in a Sigstore bundle v0.3,
// with the signer's key (public-key verification material) or, keyless,
// with a Fulcio certificate and a Rekor entry.
func signBundle(ctx context.Context, payload []byte, s *Signer) (*Bundle, error) {
	content := &sign.DSSEData{Data: payload, PayloadType: PayloadType}
	if s.keyless != nil {
		return s.keyless.sign(ctx, content)
	}
	b, err := sign.Bundle(content, keypair{s}, sign.BundleOptions{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("signing with key %s: %w", s.KeyID(), err)
	}
	return b, nil
}

// envelopeOf converts a bundle's DSSE envelope to the JSON form.
func envelopeOf(e *protodsse.Envelope) *Envelope {
	env := &Envelope{PayloadType: e.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(e.GetPayload()), Signatures: []Signature{}}
	for _, s := range e.GetSignatures() {
		env.Signatures = append(env.Signatures, Signature{KeyID: s.GetKeyid(), Sig: base64.StdEncoding.EncodeToString(s.GetSig())})
	}
	return env
}

// keyBundle wraps a bare envelope with one signature in a bundle whose
// verification material names the key: the form sigstore-go verifies.
func keyBundle(payloadType string, payload, sig []byte, keyID string) *Bundle {
	return &Bundle{
		MediaType: BundleMediaType,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: keyID}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			PayloadType: payloadType, Payload: payload,
			Signatures: []*protodsse.Signature{{Sig: sig}}, // no keyid: dsse would compare it with the adapter's
		}},
	}
}

// marshalBundle is the bundle's JSON (protojson, compacted: protojson
// varies its whitespace between runs on purpose).
func marshalBundle(b *Bundle) ([]byte, error) {
	raw, err := protojson.Marshal(b)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// parseBundle reads bundle JSON, checked by sigstore-go.
func parseBundle(raw []byte) (*Bundle, error) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(raw); err != nil {
		return nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	if b.GetDsseEnvelope() == nil {
		return nil, errors.New("the Sigstore bundle holds a message signature, not a DSSE attestation")
	}
	return b.Bundle, nil
}

// signedBy reports whether env's one signature verifies with sv.
func signedBy(sv signature.Verifier, env *protodsse.Envelope) bool {
	if len(env.GetSignatures()) != 1 {
		return false
	}
	pae := PAE(env.GetPayloadType(), env.GetPayload())
	return sv.VerifySignature(bytes.NewReader(env.GetSignatures()[0].GetSig()), bytes.NewReader(pae)) == nil
}

// errBadSignature is a signature that the trusted key does not verify.
var errBadSignature = errors.New("the envelope was altered after signing, or signed by another key")

// verifyBundle verifies b's DSSE signature with v (a key, or a keyless
// identity with its trusted root) through sigstore-go, and returns the
// statement. The subject is checked by the caller (Check, VerifyFor), which
// says which artifact the statement is about when it is another.
func verifyBundle(b *Bundle, v *Verifier) (Statement, error) {
	sb, err := bundle.NewBundle(b)
	if err != nil {
		return Statement{}, fault.Deniedf("not a valid Sigstore bundle: %w", err)
	}
	env := b.GetDsseEnvelope()
	if env == nil {
		return Statement{}, fault.Deniedf("the Sigstore bundle holds a message signature, not a DSSE attestation")
	}
	if env.GetPayloadType() != PayloadType {
		return Statement{}, fault.Deniedf("envelope payloadType is %q, want %q", env.GetPayloadType(), PayloadType)
	}
	hasCert := b.GetVerificationMaterial().GetCertificate() != nil || b.GetVerificationMaterial().GetX509CertificateChain() != nil
	if v.keyless != nil {
		if !hasCert {
			return Statement{}, fault.Deniedf("it is signed with a key, not keyless: verify it with --key")
		}
		return v.keyless.verify(sb, env.GetPayload())
	}
	if hasCert {
		return Statement{}, fault.Deniedf("it is signed keyless (a certificate), not with key %s: verify it with --certificate-identity and --certificate-oidc-issuer", v.KeyID())
	}
	sv, err := signature.LoadVerifier(v.pub, crypto.SHA256)
	if err != nil {
		return Statement{}, fault.Usagef("key %s: %w", v.KeyID(), err)
	}
	trusted := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	})
	ver, err := verify.NewVerifier(trusted, verify.WithNoObserverTimestamps())
	if err != nil {
		return Statement{}, err
	}
	_, verr := ver.Verify(sb, verify.NewPolicy(verify.WithoutArtifactUnsafe(), verify.WithKey()))
	st, err := parseStatement(env.GetPayload())
	if err != nil && (verr == nil || signedBy(sv, env)) {
		// sigstore-go refuses a signed payload that is no in-toto statement
		// without saying why; the signature is checked again only to name it.
		return Statement{}, fault.Deniedf("envelope signed by key %s: %w", v.KeyID(), err)
	}
	if verr != nil {
		if hint := b.GetVerificationMaterial().GetPublicKey().GetHint(); hint != "" && !v.hintedBy(hint) {
			return Statement{}, fault.Deniedf("envelope is signed by key %s, not by key %s: %s", hexKeyID(hint), v.KeyID(), differentKey)
		}
		return Statement{}, fault.Deniedf("envelope signature does not verify with key %s: %w", v.KeyID(), errBadSignature)
	}
	return st, nil
}

// differentKey ends the refusal of an attestation that names another key.
const differentKey = "its signature is from a different key than the one given"

// hexKeyID shows a key hint as Slipway's key IDs are shown (hex), when it
// is the base64 sha256 cosign and sigstore-go write; else as it is.
func hexKeyID(hint string) string {
	if b, err := base64.StdEncoding.DecodeString(hint); err == nil && len(b) == sha256.Size {
		return hex.EncodeToString(b)
	}
	return hint
}

// hintedBy reports whether a key hint (a DSSE keyid, a bundle's public-key
// hint) names v's key: as Slipway writes it (hex sha256 of the PKIX DER),
// or as sigstore-go and cosign do (its base64).
func (v *Verifier) hintedBy(hint string) bool {
	if hint == v.keyID {
		return true
	}
	sum, err := hex.DecodeString(v.keyID)
	return err == nil && (hint == base64.StdEncoding.EncodeToString(sum) || hint == base64.RawURLEncoding.EncodeToString(sum))
}
