package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

// sections is a Result split the way every report shows it, each part
// sorted so that output never depends on evaluation order.
type sections struct {
	failures, warnings, waived []policy.Finding
	expired                    []policy.Waiver
}

func split(r policy.Result) sections {
	s := sections{
		failures: sortFindings(r.Failures()),
		warnings: sortFindings(r.Warnings()),
		waived:   sortFindings(r.Waived()),
		expired:  slices.Clone(r.Expired),
	}
	slices.SortFunc(s.expired, func(a, b policy.Waiver) int {
		return cmp.Or(cmp.Compare(a.Package, b.Package),
			slices.Compare(a.Rules, b.Rules), a.Expires.Compare(b.Expires))
	})
	return s
}

func sortFindings(fs []policy.Finding) []policy.Finding {
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(a, b policy.Finding) int {
		return cmp.Or(cmp.Compare(a.Package, b.Package),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
	return fs
}

// decision is the verdict's decision, falling back to what the result
// implies for a verdict built by hand.
func decision(v *gate.Verdict) policy.Decision {
	if v.Decision != "" {
		return v.Decision
	}
	return v.Result.Decision()
}

// ruleID names a rule the way people write it in Rego: package.rule.
func ruleID(f policy.Finding) string {
	if f.Package == "" {
		return f.Rule
	}
	return f.Package + "." + f.Rule
}

// fingerprint is stable across runs for the same rule saying the same
// thing, so CI systems can tell new findings from old ones.
func fingerprint(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

func findingFingerprint(f policy.Finding) string {
	return fingerprint(f.Package, f.Rule, f.Message)
}

// firstLine is a message cut to its first line, for places that take one.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimRight(s, "\r")
}

// oneLine joins a multi-line message with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

const dateLayout = "2006-01-02"

// waiverNote says why a finding does not count: "waived until 2026-12-31
// by an exception in slipway.license: approved by legal".
func waiverNote(w *policy.Waiver) string {
	out := "waived"
	if w.Expires.IsZero() {
		out += " (no expiry)"
	} else {
		out += " until " + w.Expires.Format(dateLayout)
	}
	out += " by an exception"
	if w.Package != "" {
		out += " in " + w.Package
	}
	if w.Reason != "" {
		out += ": " + w.Reason
	}
	return out
}

// expiredNote is the loud line for an exception past its date.
func expiredNote(w policy.Waiver) string {
	when := "expired"
	if !w.Expires.IsZero() {
		when = "expired on " + w.Expires.Format(dateLayout)
	}
	return fmt.Sprintf("exception for %s %s: it no longer waives anything", waiverRules(w), when)
}

func waiverRules(w policy.Waiver) string {
	if len(w.Rules) == 0 {
		return "every rule in " + w.Package
	}
	return strings.Join(w.Rules, ", ")
}

// expiredFor lists the expired exceptions that would have waived f, so a
// failure can say "this used to be waived".
func expiredFor(f policy.Finding, expired []policy.Waiver) []policy.Waiver {
	var out []policy.Waiver
	for _, w := range expired {
		if w.Package != "" && w.Package != f.Package {
			continue
		}
		if len(w.Rules) == 0 || slices.ContainsFunc(w.Rules, func(r string) bool { return waives(r, f.Rule) }) {
			out = append(out, w)
		}
	}
	return out
}

// waives reports whether an exception naming name covers rule. conftest's
// convention: exception names omit the deny_/violation_/warn_ prefix.
func waives(name, rule string) bool {
	if name == rule {
		return true
	}
	for _, prefix := range []string{"deny", "violation", "warn"} {
		if (name == "" && rule == prefix) || rule == prefix+"_"+name {
			return true
		}
	}
	return false
}

// counts is the one-line tally every human format ends with.
type counts struct {
	rules, failures, warnings, waived, expired int
}

func countOf(s sections, rules int) counts {
	return counts{rules, len(s.failures), len(s.warnings), len(s.waived), len(s.expired)}
}

// String reads "12 rules, 1 failure, 2 warnings, 1 waived".
func (c counts) String() string {
	out := fmt.Sprintf("%s, %s, %s, %d waived",
		english.Plural(c.rules, "rule", ""), english.Plural(c.failures, "failure", ""), english.Plural(c.warnings, "warning", ""), c.waived)
	if c.expired > 0 {
		out += ", " + english.Plural(c.expired, "expired exception", "")
	}
	return out
}

// passed is conftest's "passed": the rules evaluated less the messages
// produced, so "N tests" (passed plus messages) equals the rules evaluated
// whenever no rule produces more than one message, as in conftest.
func passed(r policy.Result) int {
	return max(0, r.Rules-len(r.Findings))
}

// packages are the packages a result touches, sorted: the evaluated ones
// and any a finding or an exception names.
func packages(r policy.Result) []string {
	set := map[string]bool{}
	for _, p := range r.Packages {
		set[p] = true
	}
	for _, f := range r.Findings {
		set[f.Package] = true
	}
	for _, w := range r.Expired {
		set[w.Package] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
