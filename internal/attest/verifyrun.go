package attest

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// VerifyRequest is one `slipway attest verify`.
type VerifyRequest struct {
	// Client opens the store of Reference.
	Client oci.Client
	// Reference names the artifact by tag or digest.
	Reference string
	// Key is the public key (PEM; a private key file works too; a cosign
	// encrypted key file; a KMS URI) the attestation must be signed with.
	Key string
	// Identity, instead of Key, is who must have signed it keyless, with
	// a certificate chaining to TrustedRoot ("" is the public-good instance).
	Identity    Identity
	TrustedRoot string
	// PredicateType is the kind of attestation looked for; "" is PredicateGate.
	PredicateType string
	// Getenv reads COSIGN_PASSWORD (for a cosign encrypted key) and a KMS
	// provider's settings; nil reads nothing.
	Getenv func(string) string
}

// VerifyResult is the attestation that verified.
type VerifyResult struct {
	// Reference is the artifact, pinned by digest.
	Reference string `json:"reference"`
	// Attestation is the digest of the attestation manifest.
	Attestation string `json:"attestation"`
	// KeyID is the hex sha256 of the verifying public key; for keyless
	// verification, the identity and issuer required.
	KeyID string `json:"keyid"`
	// Keyless is set when the attestation verified keyless.
	Keyless bool `json:"keyless,omitempty"`
	// PredicateType is the statement's predicate type.
	PredicateType string `json:"predicateType"`
	// Predicate is the signed predicate, as signed.
	Predicate json.RawMessage `json:"predicate"`
	// Gate summarises a gate verdict's predicate; nil for other types.
	Gate *GateSummary `json:"gate,omitempty"`
}

// GateSummary is what a gate verdict decided, and when.
type GateSummary struct {
	// Decision is pass, warn or fail.
	Decision string `json:"decision"`
	// Time is when the gate decided.
	Time time.Time `json:"time"`
}

// VerifyAttestation finds the newest attestation of req.PredicateType about
// the digest req.Reference names that req.Key signed. None verifying is a
// fault.Denied error that says why each candidate failed; a verified gate
// predicate that does not decode is one too, naming the attestation.
func VerifyAttestation(ctx context.Context, req VerifyRequest) (*VerifyResult, error) {
	trust := Trust{Key: req.Key, Identity: req.Identity, TrustedRoot: req.TrustedRoot}
	if !trust.Set() {
		return nil, fault.Usagef("--key is required: the public key (PEM) the attestation must be signed with; " +
			"or, keyless, --certificate-identity and --certificate-oidc-issuer")
	}
	verifier, err := OpenTrust(ctx, trust, req.Getenv)
	if err != nil {
		return nil, err
	}
	ref, err := req.Client.ParseTagged(req.Reference, "")
	if err != nil {
		return nil, err
	}
	store := req.Client.For(ref).Open(ref)
	desc, err := store.Resolve(ctx, ref.Identifier())
	if err != nil {
		return nil, fault.Wrap(fault.Usage, err)
	}
	predicateType := req.PredicateType
	if predicateType == "" {
		predicateType = PredicateGate
	}
	stmt, found, err := FindVerified(ctx, store, desc.Digest, predicateType, verifier)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{
		Reference:     ref.WithDigest(desc.Digest.String()).String(),
		Attestation:   found.Descriptor.Digest.String(),
		KeyID:         verifier.KeyID(),
		Keyless:       trust.Keyless(),
		PredicateType: stmt.PredicateType,
	}
	if res.Predicate, err = rawPredicate(stmt); err != nil {
		return nil, fault.Deniedf("attestation %s: encoding its predicate: %w", found.Descriptor.Digest, err)
	}
	if stmt.PredicateType == PredicateGate {
		if res.Gate, err = gateSummary(stmt); err != nil {
			return nil, fault.Deniedf("attestation %s verifies, but its predicate is malformed: %w", found.Descriptor.Digest, err)
		}
	}
	return res, nil
}

// rawPredicate is the predicate as signed; nil when there is none.
func rawPredicate(st Statement) (json.RawMessage, error) {
	switch p := st.Predicate.(type) {
	case json.RawMessage:
		return p, nil
	case nil:
		return nil, nil
	default:
		return json.Marshal(p)
	}
}

// gateSummary decodes the decision and time of a gate verdict predicate.
func gateSummary(st Statement) (*GateSummary, error) {
	if st.Predicate == nil {
		return nil, errors.New("there is no predicate")
	}
	var g GateSummary
	if err := st.DecodePredicate(&g); err != nil {
		return nil, err
	}
	if g.Decision == "" {
		return nil, errors.New("the verdict has no decision")
	}
	return &g, nil
}

// KeygenRequest is one `slipway attest keygen`.
type KeygenRequest struct {
	// Kind is ed25519 (the default when "") or ecdsa-p256.
	Kind string
	// Private and Public are the files to write; neither may exist.
	Private, Public string
}

// KeygenResult names the key pair written.
type KeygenResult struct {
	// KeyID is the hex sha256 of the public key.
	KeyID string `json:"keyid"`
	// Private is the private key's file (PEM PKCS#8, mode 0600).
	Private string `json:"private"`
	// Public is the public key's file (PEM PKIX).
	Public string `json:"public"`
	// Kind is ed25519 or ecdsa-p256.
	Kind string `json:"kind"`
}

// Keygen writes a new signing key pair.
func Keygen(_ context.Context, req KeygenRequest) (*KeygenResult, error) {
	kind := KeyKind(req.Kind)
	switch kind {
	case "":
		kind = Ed25519
	case Ed25519, ECDSAP256:
	default:
		return nil, fault.Usagef("--kind %q: want ed25519 or ecdsa-p256", req.Kind)
	}
	s, err := GenerateKey(kind, req.Private, req.Public)
	if err != nil {
		return nil, err
	}
	return &KeygenResult{KeyID: s.KeyID(), Private: req.Private, Public: req.Public, Kind: string(kind)}, nil
}
