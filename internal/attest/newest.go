package attest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Checked is one attestation found by Find, judged: whether it counts, and
// when its signer says it was made.
type Checked struct {
	Found
	// Statement is the statement the envelope carries: verified when KeyID
	// is set, only decoded when Check had no verifier. Empty when Err is set.
	Statement Statement
	// Time is the predicate's "time", inside the statement: a signed time
	// when KeyID is set. It, never the manifest's created annotation, orders
	// attestations (Newest).
	Time time.Time
	// KeyID is the key that verified the envelope; "" when unverified.
	KeyID string
	// Err says why the attestation does not count: unreadable, unsigned,
	// signed by another key, about another artifact, with no time...
	Err error
}

// Counts reports whether the attestation may be used.
func (c Checked) Counts() bool { return c.Err == nil }

// Check judges one attestation of predicateType about subject. With
// verifiers, it counts only when one of them verifies its signature; with
// none, it is only decoded (for callers that say loudly that nothing is
// verified). Either way the statement must be of predicateType and about
// subject, and a gate verdict must carry its time.
func Check(f Found, subject v1.Hash, predicateType string, verifiers ...*Verifier) Checked {
	c := Checked{Found: f}
	if f.Err != nil {
		c.Err = f.Err
		return c
	}
	st, keyID, err := open(f, verifiers)
	if err == nil && st.PredicateType != predicateType {
		err = fault.Deniedf("attestation has predicate type %s, want %s", st.PredicateType, predicateType)
	}
	if err == nil && !st.About(subject) {
		err = fault.Deniedf("attestation is about %s, not %s", subjectDigests(st), subject)
	}
	if err == nil {
		c.Time, err = signedTime(st)
	}
	if err != nil {
		c.Err = fmt.Errorf("attestation %s: %w", f.Descriptor.Digest, err)
		return c
	}
	c.Statement, c.KeyID = st, keyID
	return c
}

// open verifies env with the first of verifiers that accepts it, or only
// decodes it when there are none.
func open(f Found, verifiers []*Verifier) (Statement, string, error) {
	if len(verifiers) == 0 {
		st, err := Decode(f.Envelope)
		return st, "", err
	}
	var errs []string
	for _, v := range verifiers {
		var st Statement
		var err error
		if f.Bundle != nil {
			st, err = verifyBundle(f.Bundle, v)
		} else {
			st, err = Verify(f.Envelope, v)
		}
		if err == nil {
			return st, v.KeyID(), nil
		}
		errs = append(errs, err.Error())
	}
	if len(errs) == 1 {
		return Statement{}, "", fault.Deniedf("%s", errs[0])
	}
	return Statement{}, "", fault.Deniedf("no key verifies it: %s", strings.Join(errs, "; "))
}

// signedTime is the predicate's "time". A gate verdict must have one: it is
// what orders verdicts. Other predicates may lack it (zero).
func signedTime(st Statement) (time.Time, error) {
	if st.Predicate == nil {
		if st.PredicateType == PredicateGate {
			return time.Time{}, errors.New("the gate verdict is malformed: it has no predicate")
		}
		return time.Time{}, nil
	}
	var p struct {
		Time *time.Time `json:"time"`
	}
	if err := st.DecodePredicate(&p); err != nil {
		if st.PredicateType == PredicateGate {
			return time.Time{}, fmt.Errorf("the gate verdict is malformed: %w", err)
		}
		return time.Time{}, nil
	}
	if p.Time == nil || p.Time.IsZero() {
		if st.PredicateType == PredicateGate {
			return time.Time{}, errors.New("the gate verdict is malformed: it has no time")
		}
		return time.Time{}, nil
	}
	return *p.Time, nil
}

// Newest is the index in cs of the newest attestation that counts, by the
// time inside its statement, never by the manifest's unsigned created
// annotation: a replayed old verdict, re-attached as "created" later, must
// not outrank a newer one. Ties go to the smaller attestation digest, so the
// choice is the same on every run. -1 when none counts.
//
// Newest is the one ordering of attest verify, the gate's baseline and
// promote.
func Newest(cs []Checked) int {
	best := -1
	for i, c := range cs {
		if !c.Counts() {
			continue
		}
		if best < 0 || c.Time.After(cs[best].Time) ||
			(c.Time.Equal(cs[best].Time) && c.Descriptor.Digest.String() < cs[best].Descriptor.Digest.String()) {
			best = i
		}
	}
	return best
}

// Reasons lists why each attestation in cs that does not count was
// ignored, one message each.
func Reasons(cs []Checked) []string {
	var out []string
	for _, c := range cs {
		if c.Err != nil {
			out = append(out, c.Err.Error())
		}
	}
	return out
}
