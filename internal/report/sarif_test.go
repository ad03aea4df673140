package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSARIFStructure checks what SARIF 2.1.0 and GitHub code scanning
// require of every document we write, for each verdict and the eval mode.
func TestSARIFStructure(t *testing.T) {
	docs := map[string][]byte{}
	for _, v := range verdicts {
		r, _ := New(SARIF)
		var buf bytes.Buffer
		require.NoError(t, r.Report(&buf, v.verdict()))
		docs[v.name] = buf.Bytes()
	}
	r, _ := NewEval(SARIF)
	var buf bytes.Buffer
	require.NoError(t, r.ReportFiles(&buf, evalResults()))
	docs["eval"] = buf.Bytes()

	for name, doc := range docs {
		t.Run(name, func(t *testing.T) { checkSARIF(t, doc) })
	}
}

func checkSARIF(t *testing.T, doc []byte) {
	var raw any
	require.NoError(t, json.Unmarshal(doc, &raw), "SARIF is not JSON")
	noNulls(t, "$", raw)

	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string         `json:"id"`
						ShortDescription map[string]any `json:"shortDescription"`
						Help             struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string         `json:"ruleId"`
				RuleIndex *int           `json:"ruleIndex"`
				Level     string         `json:"level"`
				Message   map[string]any `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Suppressions []struct {
					Kind   string `json:"kind"`
					Status string `json:"status"`
					GUID   string `json:"guid"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(doc, &log))
	assert.Equal(t, "2.1.0", log.Version)
	assert.Regexp(t, `^https://.*sarif-schema-2\.1\.0\.json$`, log.Schema)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "slipway", run.Tool.Driver.Name)
	require.NotNil(t, run.Tool.Driver.Rules, "tool.driver.rules must be an array")

	var ids []string
	for _, rule := range run.Tool.Driver.Rules {
		assert.NotEmpty(t, rule.ID)
		assert.NotEmpty(t, rule.ShortDescription["text"], "rule %s shortDescription", rule.ID)
		assert.NotEmpty(t, rule.Help.Text, "rule %s help", rule.ID)
		ids = append(ids, rule.ID)
	}
	assert.True(t, slices.IsSorted(ids), "rules not sorted: %v", ids)
	assert.Len(t, slices.Compact(slices.Clone(ids)), len(ids), "duplicate rules: %v", ids)

	for i, res := range run.Results {
		where := fmt.Sprintf("results[%d] (%s)", i, res.RuleID)
		require.NotNil(t, res.RuleIndex, where)
		require.Less(t, *res.RuleIndex, len(ids), where)
		assert.Equal(t, res.RuleID, ids[*res.RuleIndex], "%s: ruleIndex points elsewhere", where)
		assert.Contains(t, []string{"error", "warning", "note"}, res.Level, where)
		assert.NotEmpty(t, res.Message["text"], where)
		require.NotEmpty(t, res.Locations, "%s: GitHub needs a location", where)
		assert.NotEmpty(t, res.Locations[0].PhysicalLocation.ArtifactLocation.URI, where)
		if r := res.Locations[0].PhysicalLocation.Region; r != nil {
			assert.Positive(t, r.StartLine, where)
		}
		if len(res.Suppressions) > 0 {
			assert.Equal(t, "note", res.Level, "%s: waived results are notes", where)
			s := res.Suppressions[0]
			assert.Contains(t, []string{"inSource", "external"}, s.Kind, where)
			assert.Equal(t, "accepted", s.Status, where)
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, s.GUID, where)
		}
	}
}

// noNulls fails on any JSON null: the 2.1.0 schema has no nullable
// properties, and go-sarif writes unset non-omitempty pointers as null.
func noNulls(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case nil:
		t.Errorf("%s is null", path)
	case map[string]any:
		for k, e := range v {
			noNulls(t, path+"."+k, e)
		}
	case []any:
		for i, e := range v {
			noNulls(t, fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}

func TestSARIFLevels(t *testing.T) {
	r, _ := New(SARIF)
	var buf bytes.Buffer
	require.NoError(t, r.Report(&buf, failVerdict()))
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
	got := map[string]string{}
	for _, r := range log.Runs[0].Results {
		got[r.RuleID] = r.Level
	}
	assert.Equal(t, map[string]string{
		"slipway.formats.deny_unsafe_format": "error",
		"slipway.metrics.deny_min_accuracy":  "error",
		"slipway.regression.deny_regression": "error",
		"slipway.card.warn_card_fields":      "warning",
		"slipway.metrics.warn_latency":       "warning",
		"slipway.license.deny_license":       "note",
	}, got)
}

func TestGUIDOf(t *testing.T) {
	for _, parts := range [][]string{{"a"}, {"b", "c"}, {"slipway.formats", "deny", "x"}} {
		g := guidOf(fingerprint(parts...))
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, g)
		assert.Equal(t, g, guidOf(fingerprint(parts...)), "guidOf is not stable")
	}
}
