package attest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/slipwayhq/slipway/internal/fault"
)

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// Envelope is a DSSE v1 envelope in its JSON form: go-securesystemslib's
// type, the one sigstore-go's bundle.Envelope wraps. Signing and verifying
// it is sigstore-go's (sigstore.go).
type Envelope = dsse.Envelope

// Signature is one DSSE signature: base64 of the raw signature bytes, and
// the hint of which key made it.
type Signature = dsse.Signature

// PAE is DSSE's pre-authentication encoding, the bytes that are signed:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
func PAE(payloadType string, payload []byte) []byte {
	return (&sign.DSSEData{Data: payload, PayloadType: payloadType}).PreAuthEncoding()
}

// Unsigned wraps stmt in an envelope with no signatures: a record of what
// was decided that proves nothing about who decided it.
func Unsigned(stmt Statement) (*Envelope, error) {
	payload, err := encodeStatement(stmt)
	if err != nil {
		return nil, err
	}
	return &Envelope{
		PayloadType: PayloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []Signature{},
	}, nil
}

// encodeStatement returns the payload of stmt, checked as it will be read.
func encodeStatement(stmt Statement) ([]byte, error) {
	payload, err := json.Marshal(stmt)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s statement: %w", stmt.PredicateType, err)
	}
	if _, err := parseStatement(payload); err != nil {
		return nil, fault.Usagef("invalid %s statement: %w", stmt.PredicateType, err)
	}
	return payload, nil
}

// Sign wraps stmt in a bare DSSE envelope signed by signer over
// PAE(type, payload), its signature's keyid set to the signer's key ID.
// A keyless signer cannot make one (it needs a bundle for the certificate).
func Sign(stmt Statement, signer *Signer) (*Envelope, error) {
	if signer.Keyless() {
		return nil, fault.Usagef("a keyless signature is kept in a Sigstore bundle: use --attestation-format bundle")
	}
	b, err := SignBundle(context.Background(), stmt, signer)
	if err != nil {
		return nil, err
	}
	env := envelopeOf(b.GetDsseEnvelope())
	for i := range env.Signatures {
		env.Signatures[i].KeyID = signer.KeyID()
	}
	return env, nil
}

// SignBundle signs stmt into a Sigstore bundle v0.3 holding its DSSE
// envelope: what cosign v3 writes and verifies.
func SignBundle(ctx context.Context, stmt Statement, signer *Signer) (*Bundle, error) {
	payload, err := encodeStatement(stmt)
	if err != nil {
		return nil, err
	}
	return signBundle(ctx, payload, signer)
}

// Verify checks that env holds an in-toto statement signed by verifier's
// key, and returns the statement. Signatures with verifier's key ID, or no
// key ID (DSSE makes it a hint), are tried; one that verifies suffices.
// Anything else is a fault.Denied error saying why.
func Verify(env *Envelope, verifier *Verifier) (Statement, error) {
	if env == nil {
		return Statement{}, fault.Deniedf("no attestation envelope")
	}
	if env.PayloadType != PayloadType {
		return Statement{}, fault.Deniedf("envelope payloadType is %q, want %q", env.PayloadType, PayloadType)
	}
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return Statement{}, fault.Deniedf("envelope payload is not base64: %w", err)
	}
	if len(env.Signatures) == 0 {
		return Statement{}, fault.Deniedf("envelope is unsigned: it records a verdict but cannot prove who made it")
	}
	// Each candidate (a signature that claims verifier's key or no key) is
	// verified on its own by sigstore-go. Signatures are decoded from every
	// base64 alphabet, as the DSSE spec asks of verifiers, and one
	// undecodable signature must not hide a good one.
	if verifier.keyless != nil {
		return Statement{}, fault.Deniedf("a bare DSSE envelope carries no certificate, so it cannot be verified keyless: verify it with --key")
	}
	var others []string
	tried := false
	for _, s := range env.Signatures {
		if s.KeyID != "" && !verifier.hintedBy(s.KeyID) {
			others = append(others, s.KeyID)
			continue
		}
		tried = true
		sig, err := decodeB64(s.Sig)
		if err != nil {
			continue
		}
		if st, err := verifyBundle(keyBundle(env.PayloadType, payload, sig, verifier.KeyID()), verifier); err == nil {
			return st, nil
		} else if !errors.Is(err, errBadSignature) {
			return Statement{}, err
		}
	}
	if !tried {
		return Statement{}, fault.Deniedf("envelope is signed by key %s, not by key %s: %s", strings.Join(others, ", "), verifier.KeyID(), differentKey)
	}
	return Statement{}, fault.Deniedf("envelope signature does not verify with key %s: it was signed by another key (the envelope names none), or altered after signing", verifier.KeyID())
}

// VerifyFor is Verify, and then checks that the statement is of
// predicateType and about digest: a valid signature on a statement about
// another artifact, or of another kind, proves nothing about this one.
func VerifyFor(env *Envelope, verifier *Verifier, digest v1.Hash, predicateType string) (Statement, error) {
	st, err := Verify(env, verifier)
	if err != nil {
		return Statement{}, err
	}
	if st.PredicateType != predicateType {
		return Statement{}, fault.Deniedf("attestation has predicate type %s, want %s", st.PredicateType, predicateType)
	}
	if !st.About(digest) {
		return Statement{}, fault.Deniedf("attestation is about %s, not %s", subjectDigests(st), digest)
	}
	return st, nil
}

func subjectDigests(st Statement) string {
	var ds []string
	for _, s := range st.Subject {
		for alg, hex := range s.Digest {
			ds = append(ds, alg+":"+hex)
		}
	}
	slices.Sort(ds)
	return strings.Join(ds, ", ")
}

// decodeB64 accepts standard and URL-safe base64, with or without padding,
// as the DSSE spec asks of verifiers.
func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%d characters that no base64 alphabet decodes", len(s))
}

// Decode returns the statement an envelope carries WITHOUT checking any
// signature: for reading what an unsigned attestation records (a baseline's
// metrics), never for deciding whether to trust it.
func Decode(env *Envelope) (Statement, error) {
	if env == nil || env.PayloadType != PayloadType {
		return Statement{}, fault.Usagef("not an in-toto envelope")
	}
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return Statement{}, fault.Usagef("envelope payload is not base64: %w", err)
	}
	return parseStatement(payload)
}
