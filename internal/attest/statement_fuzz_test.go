package attest

import (
	"encoding/json"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// FuzzParseStatement feeds parseStatement arbitrary payloads. It must never
// panic, and what it accepts must be what in-toto's own Statement accepts:
// a v1 statement with a predicate type and subjects that have digests.
func FuzzParseStatement(f *testing.F) {
	good, _ := json.Marshal(gateStatement())
	f.Add(good)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"abcd"}}],"predicateType":"p"}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"custom":"z"}}],"predicateType":"p","predicate":null}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		st, err := parseStatement(payload)
		if err != nil {
			return
		}
		if st.Type != StatementType || st.PredicateType == "" || len(st.Subject) == 0 {
			t.Fatalf("parseStatement accepted %q as %+v", payload, st)
		}
		for _, s := range st.Subject {
			if len(s.Digest) == 0 {
				t.Fatalf("parseStatement accepted a subject with no digest: %q", payload)
			}
		}
		var its ita.Statement
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &its); err != nil {
			t.Fatalf("parseStatement accepted %q, which in-toto cannot read: %v", payload, err)
		}
		if its.GetPredicateType() != st.PredicateType || len(its.GetSubject()) != len(st.Subject) {
			t.Fatalf("parseStatement read %q as %+v, in-toto as %v", payload, st, &its)
		}
	})
}
