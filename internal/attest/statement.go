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
	return validateInToto(payload)
}

// parseStatement decodes a payload and checks it with in-toto's own types;
// Predicate stays the raw JSON that was signed.
//
// The payload Slipway signs is written by encoding/json from Statement,
// not by protojson from in-toto's generated type: protojson's output is
// deliberately unstable (it varies whitespace from build to build), while a
// payload must be the same bytes for the same statement so that signing the
// same verdict twice gives the same envelope. in-toto's type is the judge of
// what a statement may say: every payload, written or read, goes through
// validateInToto.
func parseStatement(payload []byte) (Statement, error) {
	var wire struct {
		Statement
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &wire); err != nil {
		return Statement{}, fmt.Errorf("payload is not an in-toto statement: %w", err)
	}
	st := wire.Statement
	st.Predicate = wire.Predicate
	if wire.Predicate == nil {
		st.Predicate = nil
	}
	if st.Type != StatementType {
		return Statement{}, fmt.Errorf("payload has _type %q, want %q", st.Type, StatementType)
	}
	if _, err := validateInToto(payload); err != nil {
		return Statement{}, fmt.Errorf("%s: %w", describe(st), err)
	}
	return st, nil
}

// validateInToto parses payload as in-toto's Statement and validates it.
// Fields in-toto does not define are ignored, as the specification asks of
// consumers; a predicate may be absent (in-toto Statement v1 makes it
// optional, though the Go type's Validate demands one).
func validateInToto(payload []byte) (*ita.Statement, error) {
	var st ita.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("not an in-toto statement: %w", err)
	}
	if err := st.Validate(); err != nil && !errors.Is(err, ita.ErrPredicateRequired) {
		return nil, fmt.Errorf("invalid in-toto statement: %w", err)
	}
	return &st, nil
}

// describe names a statement in errors: its predicate type and subjects.
func describe(st Statement) string {
	what := cmp.Or(st.PredicateType, "statement with no predicate type")
	if ds := subjectDigests(st); ds != "" {
		return what + " about " + ds
	}
	return what + " with no subject digest"
}
