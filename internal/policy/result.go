package policy

import "time"

// Decision is the outcome of a gate.
type Decision string

// The decisions, from best to worst.
const (
	Pass Decision = "pass"
	Warn Decision = "warn"
	Fail Decision = "fail"
)

// Kind says what a finding does to the decision.
type Kind string

// Finding kinds: deny/violation rules fail, warn rules warn.
const (
	Failure Kind = "failure"
	Warning Kind = "warning"
)

// Finding is one message produced by one rule.
type Finding struct {
	Kind Kind `json:"kind"`
	// Package is the Rego package without the "data." prefix, e.g. "slipway.metrics".
	Package string `json:"package"`
	// Rule is the rule's name as written: "deny", "violation_low_accuracy", "warn_card".
	Rule string `json:"rule"`
	// Message is the rule's string, or the msg key of the object it returned.
	Message string `json:"msg"`
	// Metadata holds the other keys of an object result.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Location is where the rule is defined, when known.
	Location *Location `json:"location,omitempty"`
	// Waived is set when an exception rule waived the finding: it then does
	// not count towards the decision, and reports show it as waived.
	Waived *Waiver `json:"waived,omitempty"`
}

// Location is a place in a policy file.
type Location struct {
	File string `json:"file"`
	Row  int    `json:"row"`
	Col  int    `json:"col,omitempty"`
	// Workspace is set when File is a file the user gave by path (not the
	// library built into the binary, nor a bundle or an OCI reference):
	// only then can a CI annotation point at it.
	Workspace bool `json:"-"`
}

// Waiver is an exception rule's entry. Expires is empty for one that never
// expires; an expired waiver waives nothing and is reported as expired.
type Waiver struct {
	Package string    `json:"package"`
	Rules   []string  `json:"rules"`
	Reason  string    `json:"reason,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	Expired bool      `json:"expired,omitempty"`
}

// Result is what evaluating every loaded policy against one input gave.
type Result struct {
	Findings []Finding `json:"findings"`
	// Expired lists exceptions past their expiry date: they waived nothing.
	Expired []Waiver `json:"expired,omitempty"`
	// Rules counts the deny/violation/warn rules evaluated (for "N passed" lines).
	Rules int `json:"rules"`
	// Packages are the packages evaluated.
	Packages []string `json:"packages"`
}

// Failures are the findings that fail the gate (not waived).
func (r Result) Failures() []Finding { return r.active(Failure) }

// Warnings are the warnings not waived.
func (r Result) Warnings() []Finding { return r.active(Warning) }

// Waived are the findings an exception waived.
func (r Result) Waived() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Waived != nil {
			out = append(out, f)
		}
	}
	return out
}

func (r Result) active(k Kind) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Kind == k && f.Waived == nil {
			out = append(out, f)
		}
	}
	return out
}

// Decision is Fail with any active failure, else Warn with any active
// warning, else Pass.
func (r Result) Decision() Decision {
	switch {
	case len(r.Failures()) > 0:
		return Fail
	case len(r.Warnings()) > 0:
		return Warn
	}
	return Pass
}
