package attest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// StatementType is the _type of an in-toto Statement v1.
const StatementType = "https://in-toto.io/Statement/v1"

// statementTypeV01 is in-toto Statement v0.1's _type, read too: cosign
// writes it, and its subject, predicateType and predicate are v1's.
const statementTypeV01 = "https://in-toto.io/Statement/v0.1"

// PredicateGate is the predicate type of `slipway gate` verdicts. Its
// predicate is the gate's Verdict (internal/gate): the decision, every rule
// result, the metrics compared, and the digests of the policies and inputs
// used. Version 1; a change that breaks readers gets a new URI.
const PredicateGate = "https://slipway.dev/attestations/gate/v1"

// Statement is an in-toto Statement v1: a predicate about the artifacts
// its subjects name by digest.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	// Predicate is marshalled as JSON when signing. In a statement that came
	// out of an envelope it is the json.RawMessage that was signed; read it
	// with DecodePredicate.
	Predicate any `json:"predicate,omitempty"`
}

// Subject is an in-toto ResourceDescriptor naming one artifact by digest.
type Subject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// NewStatement makes a statement that predicate, of predicateType, holds for
// the artifact with digest subjectDigest.
func NewStatement(subjectName string, subjectDigest v1.Hash, predicateType string, predicate any) Statement {
	return Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: subjectName, Digest: map[string]string{subjectDigest.Algorithm: subjectDigest.Hex}}},
		PredicateType: predicateType,
		Predicate:     predicate,
	}
}

// About reports whether one of the statement's subjects has digest h.
func (s Statement) About(h v1.Hash) bool {
	for _, sub := range s.Subject {
		if h.Hex != "" && sub.Digest[h.Algorithm] == h.Hex {
			return true
		}
	}
	return false
}

// DecodePredicate unmarshals the predicate into v.
func (s Statement) DecodePredicate(v any) error {
	raw, ok := s.Predicate.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(s.Predicate); err != nil {
			return err
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decoding %s predicate: %w", s.PredicateType, err)
	}
	return nil
}

// InToto returns the statement as in-toto's own type
// (github.com/in-toto/attestation/go/v1), validated, for libraries that
// take one (sigstore-go's verifier, in-toto's predicate parsers).
func (s Statement) InToto() (*ita.Statement, error) {
	payload, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s statement: %w", s.PredicateType, err)
	}
	its, _, err := parseInToto(payload)
	return its, err
}

// parseStatement decodes a payload with in-toto's own Statement type and
// validates it; Predicate stays the raw JSON that was signed.
//
// The payload Slipway signs is written by encoding/json from Statement,
// not by protojson from in-toto's generated type: protojson's output is
// deliberately unstable (it varies whitespace from build to build), while a
// payload must be the same bytes for the same statement so that signing the
// same verdict twice gives the same envelope. Reading, in-toto's type is the
// only judge of what a statement says: encoding/json matches keys without
// regard to case and takes the last of duplicate keys, so decoding the same
// bytes with it too could read another predicate type than in-toto's tools
// (and cosign, and sigstore-go) read.
func parseStatement(payload []byte) (Statement, error) {
	_, st, err := parseInToto(payload)
	return st, err
}

// inTotoJSON reads in-toto's JSON form; fields in-toto does not define are
// ignored, as its specification asks of consumers.
var inTotoJSON = protojson.UnmarshalOptions{DiscardUnknown: true}

func parseInToto(payload []byte) (*ita.Statement, Statement, error) {
	var its ita.Statement
	if err := inTotoJSON.Unmarshal(payload, &its); err != nil {
		return nil, Statement{}, fmt.Errorf("payload is not an in-toto statement: %w", err)
	}
	st := Statement{Type: its.GetType(), PredicateType: its.GetPredicateType()}
	for _, sub := range its.GetSubject() {
		st.Subject = append(st.Subject, Subject{Name: sub.GetName(), Digest: sub.GetDigest()})
	}
	// cosign (v2 and v3) writes Statement v0.1, whose fields are v1's.
	if st.Type != StatementType && st.Type != statementTypeV01 {
		return nil, Statement{}, fmt.Errorf("payload has _type %q, want %q", st.Type, StatementType)
	}
	// A predicate may be absent: in-toto Statement v1 makes it optional,
	// though the Go type's Validate demands one.
	if err := its.Validate(); err != nil && !errors.Is(err, ita.ErrPredicateRequired) {
		return nil, Statement{}, fmt.Errorf("%s: invalid in-toto statement: %w", describe(st), err)
	}
	// protojson also takes proto field names (predicate_type); in-toto's
	// JSON form, which other readers expect, has only the JSON names.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return nil, Statement{}, fmt.Errorf("payload is not an in-toto statement: %w", err)
	}
	for _, k := range []string{"_type", "subject", "predicateType"} {
		if _, ok := fields[k]; !ok {
			return nil, Statement{}, fmt.Errorf("%s: statement has no %q field", describe(st), k)
		}
	}
	if raw := fields["predicate"]; raw != nil && string(raw) != "null" {
		st.Predicate = raw
	}
	return &its, st, nil
}

// describe names a statement in errors: its predicate type and subjects.
func describe(st Statement) string {
	what := cmp.Or(st.PredicateType, "statement with no predicate type")
	if ds := subjectDigests(st); ds != "" {
		return what + " about " + ds
	}
	return what + " with no subject digest"
}
