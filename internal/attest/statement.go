package attest

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
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

// parseStatement decodes and checks a signed payload; Predicate stays raw.
func parseStatement(payload []byte) (Statement, error) {
	var wire struct {
		Statement
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &wire); err != nil {
		return Statement{}, fmt.Errorf("payload is not an in-toto statement: %v", err)
	}
	st := wire.Statement
	st.Predicate = wire.Predicate
	if wire.Predicate == nil {
		st.Predicate = nil
	}
	switch {
	case st.Type != StatementType:
		return Statement{}, fmt.Errorf("payload has _type %q, want %q", st.Type, StatementType)
	case len(st.Subject) == 0:
		return Statement{}, fmt.Errorf("statement has no subject")
	case st.PredicateType == "":
		return Statement{}, fmt.Errorf("statement has no predicateType")
	}
	for i, sub := range st.Subject {
		if len(sub.Digest) == 0 {
			return Statement{}, fmt.Errorf("statement subject %d has no digest", i)
		}
	}
	return st, nil
}
