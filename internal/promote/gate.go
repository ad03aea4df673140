package promote

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dustin/go-humanize/english"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// evidence is where a gate attestation for an artifact may be: attached to
// the artifact itself, or, for an image, to the model it was built from.
type evidence struct {
	store   oci.Store
	subject v1.Hash
	what    string // for messages: "sha256:… (the image)"
}

// Attestation is one gate attestation found for the artifact, as the
// environment policy sees it (input.attestations).
type Attestation struct {
	Subject     string          `json:"subject"`
	Attestation string          `json:"attestation"`
	Verified    bool            `json:"verified"`
	KeyID       string          `json:"keyId,omitempty"`
	Decision    policy.Decision `json:"decision,omitempty"`
	Time        string          `json:"time,omitempty"`
	// Error says why it does not count (unsigned, tampered, another key…).
	Error string `json:"error,omitempty"`

	verdict *gate.Verdict
}

// gateCheck finds the gate verdicts for the artifact and decides whether
// the newest one that counts passes. With a verifier only attestations it
// verifies count; without one, any that decodes counts and is marked
// unverified. "Newest" is by the verdict's own time, inside the signed
// statement, never by the manifest's unsigned created annotation: a
// replayed old pass must not outrank a newer failure.
func gateCheck(ctx context.Context, sources []evidence, verifier *attest.Verifier) (*GateSummary, *gate.Verdict, []Attestation, string, error) {
	var all []Attestation
	var checked []attest.Checked
	for _, src := range sources {
		found, err := attest.Find(ctx, src.store, src.subject, attest.PredicateGate)
		if err != nil {
			return nil, nil, nil, "", err
		}
		for _, f := range found {
			c, a := judge(f, src.subject, verifier)
			all, checked = append(all, a), append(checked, c)
		}
	}
	best := attest.Newest(checked)
	if best < 0 {
		return nil, nil, all, noGateReason(sources, all, verifier), nil
	}
	b := all[best]
	v := b.verdict
	sum := &GateSummary{
		Decision: v.Decision, Time: v.Time, Subject: b.Subject, Attestation: b.Attestation,
		KeyID: b.KeyID, Verified: b.Verified,
		Failures: len(v.Result.Failures()), Warnings: len(v.Result.Warnings()),
	}
	if v.Decision == policy.Fail {
		return sum, v, all, fmt.Sprintf("the newest gate verdict for %s (%s, attestation %s) is fail, with %s",
			b.Subject, stamp(v.Time), oci.ShortDigest(b.Attestation), english.Plural(sum.Failures, "failure", "")), nil
	}
	return sum, v, all, "", nil
}

// judge verifies one attestation (or, with no verifier, only decodes it)
// with attest.Check, and reads its gate verdict. The Checked it returns
// counts only when the Attestation has a verdict.
func judge(f attest.Found, subject v1.Hash, verifier *attest.Verifier) (attest.Checked, Attestation) {
	a := Attestation{Subject: subject.String(), Attestation: f.Descriptor.Digest.String()}
	var c attest.Checked
	if verifier != nil {
		c = attest.Check(f, subject, attest.PredicateGate, verifier)
	} else {
		c = attest.Check(f, subject, attest.PredicateGate)
	}
	if c.Err != nil {
		// The attestation is named beside the error already.
		a.Error = strings.TrimPrefix(c.Err.Error(), "attestation "+a.Attestation+": ")
		return c, a
	}
	a.Verified, a.KeyID = c.KeyID != "", c.KeyID
	var v gate.Verdict
	if err := c.Statement.DecodePredicate(&v); err != nil || v.Decision == "" || v.Time.IsZero() {
		a.Error, a.Verified, a.KeyID = "the predicate is not a gate verdict with a decision and a time", false, ""
		c.Err = errors.New(a.Error)
		return c, a
	}
	a.Decision, a.Time, a.verdict = v.Decision, v.Time.UTC().Format("2006-01-02T15:04:05Z07:00"), &v
	return c, a
}

func noGateReason(sources []evidence, all []Attestation, verifier *attest.Verifier) string {
	var whats []string
	for _, s := range sources {
		whats = append(whats, s.what)
	}
	if len(all) == 0 {
		return fmt.Sprintf("no gate attestation is attached to %s: run slipway gate on it first", strings.Join(whats, " or "))
	}
	var why []string
	for _, a := range all {
		why = append(why, fmt.Sprintf("%s: %s", oci.ShortDigest(a.Attestation), a.Error))
	}
	key := "any key"
	if verifier != nil {
		key = verifier.Name()
	}
	return fmt.Sprintf("none of the %d gate attestations of %s counts with %s (%s)", len(all), strings.Join(whats, " or "), key, strings.Join(why, "; "))
}
