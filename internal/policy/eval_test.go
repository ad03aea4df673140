package policy

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvalRuleConventions(t *testing.T) {
	input := map[string]any{"metrics": map[string]any{"accuracy": 0.8, "f1": 0.7}, "card": map[string]any{}}
	for _, tc := range []struct {
		name   string
		policy string
		want   []brief
	}{
		{
			name: "string set",
			policy: `package main
deny contains msg if {
	input.metrics.accuracy < 0.9
	msg := sprintf("accuracy %v is below 0.9", [input.metrics.accuracy])
}`,
			want: []brief{{Failure, "main", "deny", "accuracy 0.8 is below 0.9", false}},
		},
		{
			name:   "violation and warn",
			policy: "package main\nviolation contains \"v\" if true\nwarn contains \"w\" if true\n",
			want:   []brief{{Failure, "main", "violation", "v", false}, {Warning, "main", "warn", "w", false}},
		},
		{
			name: "prefixed names, helpers ignored",
			policy: `package main
deny_low_accuracy contains "low accuracy" if input.metrics.accuracy < 0.9
warn_no_card_license contains "no licence" if not input.card.license
denied_helper := "not a rule"
warning contains "not a rule either" if true
deny_fn(x) := x
`,
			want: []brief{{Failure, "main", "deny_low_accuracy", "low accuracy", false}, {Warning, "main", "warn_no_card_license", "no licence", false}},
		},
		{
			name:   "boolean rule true is a finding named after the rule",
			policy: "package main\ndeny_low_f1 if input.metrics.f1 < 0.8\nwarn_high_f1 if input.metrics.f1 > 0.8\n",
			want:   []brief{{Failure, "main", "deny_low_f1", "deny_low_f1", false}},
		},
		{
			name:   "default false and complete string",
			policy: "package main\ndefault deny := false\nwarn := \"one message\"\n",
			want:   []brief{{Warning, "main", "warn", "one message", false}},
		},
		{
			name:   "nothing fires",
			policy: "package main\ndeny contains \"x\" if input.nope\nwarn if false\n",
			want:   []brief{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, map[string]string{"main.rego": tc.policy})
			res, err := e.Eval(context.Background(), input)
			require.NoError(t, err)
			assert.Equal(t, tc.want, briefs(res.Findings), "findings")
			assert.Equal(t, []string{"main"}, res.Packages)
		})
	}
}

func TestEvalObjectResultsAndLocation(t *testing.T) {
	e := mustCompile(t, map[string]string{"p/metrics.rego": `package slipway.metrics

deny contains {"msg": "accuracy too low", "metric": "accuracy", "threshold": 0.9} if true

deny contains "plain" if true
`})
	res, err := e.Eval(context.Background(), map[string]any{})
	require.NoError(t, err)
	require.Len(t, res.Findings, 2)
	// OPA returns a set's members sorted: strings before objects.
	assert.Equal(t, "plain", res.Findings[0].Message)
	got := res.Findings[1]
	assert.Equal(t, "accuracy too low", got.Message)
	assert.Equal(t, map[string]any{"metric": "accuracy", "threshold": json.Number("0.9")}, got.Metadata)
	require.NotNil(t, got.Location)
	assert.Contains(t, got.Location.File, "metrics.rego")
	assert.Equal(t, 3, got.Location.Row, "row of the first deny definition")
	assert.Equal(t, 2, res.Rules, "two deny definitions count as two rules, as in conftest")
	assert.Equal(t, Fail, res.Decision())
}

func TestEvalNamespaces(t *testing.T) {
	files := map[string]string{
		"a.rego":      "package slipway.metrics\ndeny contains \"metrics\" if true\n",
		"b.rego":      "package slipway.card\nwarn contains \"card\" if true\n",
		"c.rego":      "package other\ndeny contains \"other\" if true\n",
		"helper.rego": "package slipway.lib\nlimit := 3\n",
	}
	for _, tc := range []struct {
		name         string
		namespaces   []string
		wantMsgs     []string
		wantPackages []string
	}{
		{name: "all packages with rules by default", wantMsgs: []string{"other", "card", "metrics"}, wantPackages: []string{"other", "slipway.card", "slipway.metrics"}},
		{name: "exact", namespaces: []string{"slipway.metrics"}, wantMsgs: []string{"metrics"}, wantPackages: []string{"slipway.metrics"}},
		{name: "prefix selects the packages below", namespaces: []string{"slipway"}, wantMsgs: []string{"card", "metrics"}, wantPackages: []string{"slipway.card", "slipway.metrics"}},
		{name: "data. prefix and several", namespaces: []string{"data.other", "slipway.card"}, wantMsgs: []string{"other", "card"}, wantPackages: []string{"other", "slipway.card"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, files, WithNamespaces(tc.namespaces...))
			res, err := e.Eval(context.Background(), nil)
			require.NoError(t, err)
			var msgs []string
			for _, f := range res.Findings {
				msgs = append(msgs, f.Message)
			}
			assert.Equal(t, tc.wantMsgs, msgs)
			assert.Equal(t, tc.wantPackages, res.Packages)
		})
	}
	t.Run("a namespace without rules is a usage error", func(t *testing.T) {
		_, err := compileFiles(t, files, WithNamespaces("slipway.lib"))
		requireUsage(t, err, "namespace slipway.lib has no deny, violation or warn rules", "slipway.metrics")
	})
}

func TestEvalBadRuleValues(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		wants        []string
	}{
		{
			name:   "a number in a set",
			policy: "package slipway.x\n\ndeny contains 3 if true\n",
			wants:  []string{"x.rego:3: rule deny in package slipway.x returned 3; want a string or an object with a string msg"},
		},
		{
			name:   "a complete number",
			policy: "package slipway.x\nwarn_size := 3\n",
			wants:  []string{"x.rego:2: rule warn_size in package slipway.x returned 3"},
		},
		{
			name:   "an object without msg",
			policy: "package slipway.x\ndeny contains {\"message\": \"typo\"} if true\n",
			wants:  []string{"rule deny in package slipway.x returned an object without msg", `"message":"typo"`},
		},
		{
			name:   "conflicting complete values",
			policy: "package slipway.x\ndeny := \"a\" if true\ndeny := \"b\" if true\n",
			wants:  []string{"x.rego:", "eval_conflict_error"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, map[string]string{"x.rego": tc.policy})
			_, err := e.Eval(context.Background(), map[string]any{})
			requireUsage(t, err, tc.wants...)
		})
	}
}

func TestEvalStrictBuiltinErrors(t *testing.T) {
	policy := map[string]string{"x.rego": "package main\ndeny contains \"low\" if to_number(input.accuracy) < 0.9\n"}
	input := map[string]any{"accuracy": "high"}

	res, err := mustCompile(t, policy).Eval(context.Background(), input)
	require.NoError(t, err)
	assert.Empty(t, res.Findings, "without strict errors the rule is silently undefined")

	_, err = mustCompile(t, policy, WithStrictBuiltinErrors()).Eval(context.Background(), input)
	requireUsage(t, err, "x.rego:2:", "to_number")
}

func TestEvalInputKinds(t *testing.T) {
	e := mustCompile(t, map[string]string{"x.rego": "package main\ndeny contains input.name if input.n > 1\n"})
	type in struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	for _, tc := range []struct {
		name  string
		input any
	}{
		{"map", map[string]any{"name": "m", "n": 2}},
		{"struct through JSON", in{Name: "m", N: 2}},
		{"json.Number", map[string]any{"name": "m", "n": json.Number("2")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Eval(context.Background(), tc.input)
			require.NoError(t, err)
			assert.Equal(t, []brief{{Failure, "main", "deny", "m", false}}, briefs(res.Findings))
		})
	}
}
