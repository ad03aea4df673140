package policy

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rules fire for every input; the exceptions in each case waive some.
const exceptionRules = `package main
deny_pickle contains "model.pkl is a pickle" if true
violation_size contains "too big" if true
warn_card contains "card lacks limitations" if true
deny contains "plain deny" if true
`

func TestEvalExceptions(t *testing.T) {
	for _, tc := range []struct {
		name        string
		exception   string
		now         string
		wantWaived  []string // rules whose findings are waived
		wantExpired []Waiver
	}{
		{
			name:       "conftest list form strips the prefix",
			exception:  `exception contains rules if { rules := ["pickle", "card"] }`,
			wantWaived: []string{"deny_pickle", "warn_card"},
		},
		{
			name:       "the whole name and plain deny",
			exception:  `exception contains ["violation_size", "deny"] if true`,
			wantWaived: []string{"violation_size", "deny"},
		},
		{
			name:       "a bare string",
			exception:  `exception contains "size" if true`,
			wantWaived: []string{"violation_size"},
		},
		{
			name:       "object form before its date",
			exception:  `exception contains {"rules": ["pickle"], "expires": "2026-12-31", "reason": "legacy model, ticket ML-12"} if true`,
			now:        "2026-12-31T23:59:59Z",
			wantWaived: []string{"deny_pickle"},
		},
		{
			name:      "object form the day after its date",
			exception: `exception contains {"rules": ["pickle"], "expires": "2026-12-31", "reason": "legacy"} if true`,
			now:       "2027-01-01T00:00:00Z",
			wantExpired: []Waiver{{Package: "main", Rules: []string{"pickle"}, Reason: "legacy",
				Expires: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), Expired: true}},
		},
		{
			name:       "RFC 3339 expiry not yet reached",
			exception:  `exception contains {"rules": "size", "expires": "2026-06-01T12:00:00+02:00"} if true`,
			now:        "2026-06-01T09:59:59Z",
			wantWaived: []string{"violation_size"},
		},
		{
			name:      "RFC 3339 expiry reached",
			exception: `exception contains {"rules": ["size"], "expires": "2026-06-01T12:00:00+02:00"} if true`,
			now:       "2026-06-01T10:00:00Z",
			wantExpired: []Waiver{{Package: "main", Rules: []string{"size"},
				Expires: time.Date(2026, 6, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600)), Expired: true}},
		},
		{
			name:       "an expired waiver and a live one for the same rule",
			exception:  "exception contains {\"rules\": [\"card\"], \"expires\": \"2020-01-01\"} if true\nexception contains [\"card\"] if true",
			wantWaived: []string{"warn_card"},
			wantExpired: []Waiver{{Package: "main", Rules: []string{"card"},
				Expires: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Expired: true}},
		},
		{
			name:      "an exception whose condition fails waives nothing",
			exception: `exception contains ["pickle"] if input.legacy`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now == "" {
				now = "2026-01-01T00:00:00Z"
			}
			e := mustCompile(t, map[string]string{"main.rego": exceptionRules + tc.exception + "\n"}, WithClock(fixedClock(t, now)))
			res, err := e.Eval(context.Background(), map[string]any{})
			require.NoError(t, err)
			require.Len(t, res.Findings, 4, "waived findings stay in Findings")
			var waived []string
			for _, f := range res.Findings {
				if f.Waived != nil {
					waived = append(waived, f.Rule)
					assert.Equal(t, "main", f.Waived.Package)
				}
			}
			assert.ElementsMatch(t, tc.wantWaived, waived, "waived rules")
			assert.Equal(t, len(tc.wantWaived), len(res.Waived()))
			require.Equal(t, len(tc.wantExpired), len(res.Expired), "expired: %+v", res.Expired)
			for i, w := range tc.wantExpired {
				assert.True(t, w.Expires.Equal(res.Expired[i].Expires), "expires %v, want %v", res.Expired[i].Expires, w.Expires)
				res.Expired[i].Expires = w.Expires
				assert.Equal(t, w, res.Expired[i])
			}
		})
	}
}

func TestEvalExceptionIsPerPackage(t *testing.T) {
	e := mustCompile(t, map[string]string{
		"a.rego": "package a\ndeny_x contains \"a\" if true\nexception contains [\"x\"] if true\n",
		"b.rego": "package b\ndeny_x contains \"b\" if true\n",
	})
	res, err := e.Eval(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, []brief{{Failure, "a", "deny_x", "a", true}, {Failure, "b", "deny_x", "b", false}}, briefs(res.Findings))
	assert.Equal(t, Fail, res.Decision(), "b's deny is not waived")
}

func TestEvalBadExceptions(t *testing.T) {
	for _, tc := range []struct {
		name, exception string
		wants           []string
	}{
		{"bad date", `exception contains {"rules": ["x"], "expires": "31/12/2026"} if true`, []string{"main.rego:3: exception in package main", "expires must be a date"}},
		{"unknown key", `exception contains {"rules": ["x"], "expire": "2026-12-31"} if true`, []string{"unknown key expire"}},
		{"no rules", `exception contains {"reason": "why"} if true`, []string{"rules is missing or empty"}},
		{"a number", `exception contains 3 if true`, []string{"want a list of rule names"}},
		{"numbers in the list", `exception contains [1] if true`, []string{"rule names must be strings"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, map[string]string{"main.rego": "package main\ndeny_x contains \"x\" if true\n" + tc.exception + "\n"})
			_, err := e.Eval(context.Background(), nil)
			requireUsage(t, err, tc.wants...)
		})
	}
}
