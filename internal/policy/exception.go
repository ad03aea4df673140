package policy

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
)

// waiverRule is a parsed exception entry and the moment it stops working.
type waiverRule struct {
	Waiver
	deadline time.Time // zero: never
}

// parseExceptions reads a package's exception value. conftest's form is a
// set of rule-name lists (exception contains rules if { rules := ["foo"] });
// a bare string is taken as a one-name list. Ours is an object:
//
//	exception contains {"rules": ["foo"], "expires": "2026-12-31", "reason": "…"} if { … }
//
// expires is a date (the waiver works through that day, UTC) or an RFC 3339
// time. conftest itself ignores the object form, so a policy using it only
// ever gets stricter under conftest.
func parseExceptions(p *pkgRules, v any) ([]waiverRule, error) {
	entries, ok := v.([]any)
	if !ok {
		if _, isObj := v.(map[string]any); !isObj {
			return nil, badException(p, v, "want a set of rule-name lists or of objects with rules")
		}
		entries = []any{v}
	}
	out := make([]waiverRule, 0, len(entries))
	for _, e := range entries {
		w, err := parseException(p, e)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func parseException(p *pkgRules, v any) (waiverRule, error) {
	w := waiverRule{Waiver: Waiver{Package: p.name}}
	var err error
	switch v := v.(type) {
	case string:
		w.Rules = []string{v}
	case []any:
		if w.Rules, err = ruleNames(p, v); err != nil {
			return w, err
		}
	case map[string]any:
		var ok bool
		for _, k := range sortedKeys(v) {
			switch k {
			case "rules":
				list, ok := v[k].([]any)
				if s, isStr := v[k].(string); isStr {
					list, ok = []any{s}, true
				}
				if !ok {
					return w, badException(p, v, "rules must be a list of rule names")
				}
				if w.Rules, err = ruleNames(p, list); err != nil {
					return w, err
				}
			case "reason":
				if w.Reason, ok = v[k].(string); !ok {
					return w, badException(p, v, "reason must be a string")
				}
			case "expires":
				s, _ := v[k].(string)
				if w.Expires, w.deadline, err = parseExpiry(s); err != nil {
					return w, badException(p, v, `expires must be a date ("2026-12-31") or an RFC 3339 time`)
				}
			default:
				return w, badException(p, v, "unknown key "+k+" (want rules, expires, reason)")
			}
		}
		if len(w.Rules) == 0 {
			return w, badException(p, v, "rules is missing or empty")
		}
	default:
		return w, badException(p, v, "want a list of rule names or an object with rules")
	}
	return w, nil
}

func ruleNames(p *pkgRules, list []any) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, isStr := e.(string)
		if !isStr {
			return nil, badException(p, list, "rule names must be strings")
		}
		out = append(out, s)
	}
	return out, nil
}

// parseExpiry reads a date or an RFC 3339 time. For a date the deadline is
// the start of the next day, UTC: "expires: 2026-12-31" works on the 31st.
func parseExpiry(s string) (expires, deadline time.Time, err error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, t.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, t, err
}

func badException(p *pkgRules, v any, why string) error {
	return fault.Usagef("%sexception in package %s is %s: %s", at(p.exception.loc), p.name, describe(v), why)
}

// applyWaivers marks each finding that a live waiver names, and returns
// the waivers past their deadline (which waive nothing).
func applyWaivers(findings []Finding, waivers []waiverRule, now time.Time) (expired []Waiver) {
	var live []waiverRule
	for _, w := range waivers {
		if !w.deadline.IsZero() && !now.Before(w.deadline) {
			e := w.Waiver
			e.Expired = true
			expired = append(expired, e)
			continue
		}
		live = append(live, w)
	}
	for i := range findings {
		f := &findings[i]
		for _, w := range live {
			if waives(w.Rules, f.Rule) {
				waiver := w.Waiver
				f.Waived = &waiver
				break
			}
		}
	}
	return expired
}

// waives reports whether names waive rule: conftest matches the name with
// its violation_/deny_/warn_ prefix removed (deny_foo is waived by "foo");
// the whole name is accepted too.
func waives(names []string, rule string) bool {
	short := strings.TrimPrefix(rule, "violation_")
	short = strings.TrimPrefix(short, "deny_")
	short = strings.TrimPrefix(short, "warn_")
	return slices.Contains(names, short) || slices.Contains(names, rule)
}

// sortedKeys is for stable messages.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
