package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/report"
)

// failedAnalysis is an analysis whose error rate failed on its second run
// after a tolerated query error, and whose latency measurement succeeded.
func failedAnalysis() *analysis.Result {
	at := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	return &analysis.Result{
		Phase: analysis.Failed, Prometheus: "http://prometheus:9090",
		Vars:    analysis.Vars{Model: "iris", Environment: "canary", Version: "1.1.0", Digest: "sha256:" + string(bytes.Repeat([]byte("a"), 64))},
		Started: at, Finished: at.Add(2 * time.Minute),
		Measurements: []analysis.Measurement{
			{Name: "error-rate", Query: `sum(rate(errors{version="1.1.0"}[5m]))`, Condition: "result[0] < 0.05",
				Phase: analysis.Failed, Count: 3, ConsecutiveErrorLimit: 4, Successful: 1, Failed: 1, Errors: 1, Runs: []analysis.Attempt{
					{Time: at, Phase: analysis.Successful, Values: []analysis.Sample{{Series: "{}", Value: 0.01}}, Message: "result[0] < 0.05 holds"},
					{Time: at.Add(time.Minute), Phase: analysis.Error, Message: "querying Prometheus at http://prometheus:9090: 503"},
					{Time: at.Add(2 * time.Minute), Phase: analysis.Failed, Values: []analysis.Sample{{Series: `{code="500"}`, Value: 0.25}}, Message: "result[0] < 0.05 does not hold"},
				}},
			{Name: "p99\x1b[2J", Query: "histogram_quantile(0.99, x)", Condition: "result <= 0.5", Phase: analysis.Successful, Count: 1,
				ConsecutiveErrorLimit: 4, Successful: 1, Runs: []analysis.Attempt{
					{Time: at, Phase: analysis.Successful, Values: []analysis.Sample{{Value: 0.2}}, Message: "result <= 0.5 holds"},
				}},
		},
	}
}

func render(t *testing.T, format string, res *analysis.Result) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.WriteAnalysis(&b, format, res))
	return b.String()
}

func TestAnalysisText(t *testing.T) {
	out := render(t, report.Text, failedAnalysis())
	for _, want := range []string{
		"measurement error-rate Failed  runs 2/3 · failed 1/0 · inconclusive 0/0 · errors in a row 0/4",
		`query      sum(rate(errors{version="1.1.0"}[5m]))`,
		"1  06:00:00Z  Successful  0.01",
		"2  06:01:00Z  Error",
		`3  06:02:00Z  Failed      {code="500"}=0.25  result[0] < 0.05 does not hold`,
		"analysis Failed: error-rate failed after 2 of 3 runs",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "\x1b", "a name from the file cannot act on the terminal")
}

func TestAnalysisMarkdown(t *testing.T) {
	out := render(t, report.Markdown, failedAnalysis())
	for _, want := range []string{
		"### ❌ Canary analysis failed: iris 1.1.0",
		"| `error-rate` | Failed | 2/3 | 1/0 | 0/0 | 0/4 | `result[0] < 0.05` |",
		"```promql\nsum(rate(errors{version=\"1.1.0\"}[5m]))\n```",
		"| 3 | 06:02:00Z | Failed | `{code=\"500\"}=0.25` | result[0] &lt; 0.05 does not hold |",
		"environment `canary` · digest `sha256:aaaaaaaaaaaa`",
	} {
		assert.Contains(t, out, want)
	}
}

func TestAnalysisJUnit(t *testing.T) {
	out := render(t, report.JUnit, failedAnalysis())
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, 4, doc.Tests, "a testcase per run")
	assert.Equal(t, 1, doc.Failures, "the run that failed the measurement")
	assert.Equal(t, 1, doc.Skipped, "the query error the limit tolerated")
	assert.Equal(t, 0, doc.Errors)
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "error-rate", doc.Suites[0].Name)
	assert.Contains(t, out, `values: {code="500"}=0.25`)
}

func TestAnalysisJSONAndUnknownFormat(t *testing.T) {
	var back analysis.Result
	require.NoError(t, json.Unmarshal([]byte(render(t, report.JSON, failedAnalysis())), &back))
	assert.Equal(t, 0.25, back.Measurements[0].Runs[2].Values[0].Value)
	err := report.WriteAnalysis(&bytes.Buffer{}, "sarif", failedAnalysis())
	assert.Equal(t, fault.Usage, fault.KindOf(err))
}
