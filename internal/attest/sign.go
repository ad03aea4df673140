package attest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
)

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// Envelope is a DSSE v1 envelope. Its fields and JSON are those of
// go-securesystemslib's dsse.Envelope, which this package cannot import:
// that package pulls in golang.org/x/crypto/ssh, which go.sum lacks.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"` // base64 of the serialized statement
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature: base64 of the raw signature bytes, and
// the hint of which key made it.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// PAE is DSSE's pre-authentication encoding, the bytes that are signed:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, 32+len(payloadType)+len(payload))
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	return append(b, payload...)
}

// Unsigned wraps stmt in an envelope with no signatures: a record of what
// was decided that proves nothing about who decided it.
func Unsigned(stmt Statement) (*Envelope, error) {
	payload, err := json.Marshal(stmt)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s statement: %w", stmt.PredicateType, err)
	}
	if _, err := parseStatement(payload); err != nil {
		return nil, fault.Usagef("invalid %s statement: %v", stmt.PredicateType, err)
	}
	return &Envelope{
		PayloadType: PayloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []Signature{},
	}, nil
}

// Sign wraps stmt in an envelope signed by signer over PAE(type, payload).
func Sign(stmt Statement, signer *Signer) (*Envelope, error) {
	env, err := Unsigned(stmt)
	if err != nil {
		return nil, err
	}
	payload, _ := base64.StdEncoding.DecodeString(env.Payload)
	sig, err := signer.sign(PAE(env.PayloadType, payload))
	if err != nil {
		return nil, fmt.Errorf("signing with key %s: %w", signer.KeyID(), err)
	}
	env.Signatures = append(env.Signatures, Signature{KeyID: signer.KeyID(), Sig: base64.StdEncoding.EncodeToString(sig)})
	return env, nil
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
		return Statement{}, fault.Deniedf("envelope payload is not base64: %v", err)
	}
	if len(env.Signatures) == 0 {
		return Statement{}, fault.Deniedf("envelope is unsigned: it records a verdict but cannot prove who made it")
	}
	pae := PAE(env.PayloadType, payload)
	var others []string
	tried := false
	for _, s := range env.Signatures {
		if s.KeyID != "" && s.KeyID != verifier.KeyID() {
			others = append(others, s.KeyID)
			continue
		}
		tried = true
		sig, err := decodeB64(s.Sig)
		if err == nil && verifier.verify(pae, sig) {
			st, err := parseStatement(payload)
			if err != nil {
				return Statement{}, fault.Deniedf("envelope signed by key %s: %v", verifier.KeyID(), err)
			}
			return st, nil
		}
	}
	if tried {
		return Statement{}, fault.Deniedf("envelope signature does not verify with key %s: the envelope was altered after signing, or signed by another key", verifier.KeyID())
	}
	return Statement{}, fault.Deniedf("envelope is signed by key %s, not by key %s", strings.Join(others, ", "), verifier.KeyID())
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
		return Statement{}, fault.Usagef("envelope payload is not base64: %v", err)
	}
	return parseStatement(payload)
}
