package policy

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const cardPolicy = `package slipway.card

deny contains "the model card has no licence" if not input.card.license

warn contains msg if {
	some field in data.slipway.config.card.recommended
	not input.card[field]
	msg := sprintf("the model card has no %s", [field])
}
`

func TestTest(t *testing.T) {
	for _, tc := range []struct {
		name         string
		tests        string
		wantOutcomes map[string]TestOutcome
		wantPassed   bool
		wantMessage  map[string]string // test name → part of its message
	}{
		{
			name: "passing",
			tests: `package slipway.card_test

import data.slipway.card

test_no_licence_denied if {
	count(card.deny) == 1 with input as {"card": {}}
}

test_licence_passes if {
	count(card.deny) == 0 with input as {"card": {"license": "mit"}}
}
`,
			wantOutcomes: map[string]TestOutcome{"test_no_licence_denied": TestPass, "test_licence_passes": TestPass},
			wantPassed:   true,
		},
		{
			name: "failing, erroring and skipped",
			tests: `package slipway.card_test

import data.slipway.card

test_wrong_expectation if {
	print("deny is", card.deny) with input as {"card": {}}
	count(card.deny) == 2 with input as {"card": {}}
}

test_undefined if {
	x := to_number("not a number")
	x == 1
}

conflicting := 1 if true

conflicting := 2 if true

test_error if conflicting == 1

todo_test_later if false
`,
			wantOutcomes: map[string]TestOutcome{"test_wrong_expectation": TestFail, "test_undefined": TestFail, "test_error": TestError, "todo_test_later": TestSkip},
			wantMessage: map[string]string{
				"test_wrong_expectation": "card_test.rego:7: count(card.deny) == 2",
				"test_error":             "conflicting values",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"card.rego":      cardPolicy,
				"card_test.rego": tc.tests,
				"data.yaml":      "slipway:\n  config:\n    card:\n      recommended: [limitations]\n",
			})
			report, err := Test(context.Background(), Sources{Paths: []string{dir}}, TestOptions{})
			require.NoError(t, err, "a failing test is not an error")
			got := map[string]TestOutcome{}
			for _, r := range report.Tests {
				got[r.Name] = r.Outcome
				assert.Equal(t, "slipway.card_test", r.Package)
				require.NotNil(t, r.Location)
				assert.Equal(t, filepath.Join(dir, "card_test.rego"), r.Location.File)
				if want, ok := tc.wantMessage[r.Name]; ok {
					assert.Contains(t, r.Message, want, "message of %s", r.Name)
				}
			}
			assert.Equal(t, tc.wantOutcomes, got)
			assert.Equal(t, tc.wantPassed, report.Passed())

			require.Len(t, report.Coverage.Files, 1, "coverage of the policy only, not of its tests")
			fc := report.Coverage.Files[0]
			assert.Equal(t, filepath.Join(dir, "card.rego"), fc.File)
			assert.Positive(t, fc.CoveredLines)
			assert.Greater(t, fc.NotCoveredLines, 0, "the warn rule is never tested")
			assert.InDelta(t, fc.Percent, report.Coverage.Percent, 0.001)
			assert.Less(t, report.Coverage.Percent, 100.0)
		})
	}
}

func TestTestPrintOutputAndFilter(t *testing.T) {
	fsys := fstest.MapFS{
		"p/card.rego":      {Data: []byte(cardPolicy)},
		"p/card_test.rego": {Data: []byte("package slipway.card_test\n\ntest_a if {\n\tprint(\"hello from a\")\n}\n\ntest_b if false\n")},
	}
	report, err := Test(context.Background(), Sources{FS: []FSSource{FromFS(fsys, "p")}}, TestOptions{Run: "test_a"})
	require.NoError(t, err)
	require.Len(t, report.Tests, 1)
	assert.Equal(t, TestPass, report.Tests[0].Outcome)
	assert.Equal(t, "hello from a\n", report.Tests[0].Output)
	assert.Equal(t, 1, report.Count(TestPass))
}

func TestTestCompileError(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"card.rego":      cardPolicy,
		"card_test.rego": "package slipway.card_test\n\ntest_x if {\n\tnosuch(1)\n}\n",
	})
	_, err := Test(context.Background(), Sources{Paths: []string{dir}}, TestOptions{})
	requireUsage(t, err, filepath.Join(dir, "card_test.rego")+":4:", "undefined function nosuch")
}
