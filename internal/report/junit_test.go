package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

// junitDoc is the subset of JUnit XML that GitLab, Jenkins and the GitHub
// test-report actions read, parsed independently of go-junit-report.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, b []byte) junitDoc {
	t.Helper()
	require.True(t, bytes.HasPrefix(b, []byte(xml.Header)), "JUnit starts without an XML declaration")
	var doc junitDoc
	require.NoError(t, xml.Unmarshal(b, &doc), "JUnit does not parse:\n%s", b)
	return doc
}

func renderJUnit(t *testing.T, v *gate.Verdict) junitDoc {
	t.Helper()
	r, _ := New(JUnit)
	var buf bytes.Buffer
	require.NoError(t, r.Report(&buf, v))
	return parseJUnit(t, buf.Bytes())
}

func TestJUnitCounts(t *testing.T) {
	tests := []struct {
		name                      string
		verdict                   *gate.Verdict
		suites, tests, fail, skip int
	}{
		// 5 packages, each with a passing testcase.
		{"pass", passVerdict(), 5, 5, 0, 0},
		// 3 failures, 2 warnings (skipped), 1 waived (passed).
		{"fail", failVerdict(), 5, 6, 3, 2},
		// 1 warning in slipway.card, a pass for slipway.formats.
		{"warn", warnVerdict(), 2, 2, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderJUnit(t, tt.verdict)
			assert.Len(t, doc.Suites, tt.suites, "testsuites")
			assert.Equal(t, tt.tests, doc.Tests, "tests")
			assert.Equal(t, tt.fail, doc.Failures, "failures")
			assert.Equal(t, tt.skip, doc.Skipped, "skipped")
			var cases, failures, skipped int
			for _, s := range doc.Suites {
				cases += len(s.Cases)
				assert.Equal(t, len(s.Cases), s.Tests, "suite %s tests attribute", s.Name)
				for _, c := range s.Cases {
					assert.Equal(t, s.Name, c.Classname, "classname is the package")
					if c.Failure != nil {
						failures++
					}
					if c.Skipped != nil {
						skipped++
						assert.True(t, strings.HasPrefix(c.Skipped.Message, "warning: "), "skipped message %q", c.Skipped.Message)
					}
				}
			}
			assert.Equal(t, tt.tests, cases, "testcases")
			assert.Equal(t, tt.fail, failures, "failure elements")
			assert.Equal(t, tt.skip, skipped, "skipped elements")
		})
	}
}

// TestJUnitHostileText: markup and control characters in a message must
// still give a document that parses, with the text intact.
func TestJUnitHostileText(t *testing.T) {
	msg := "bad <xml> & \"quotes\" ]]> end\x00\x1b[31m"
	v := &gate.Verdict{
		Decision: policy.Fail,
		Model:    gate.ModelRef{Name: "m"},
		Result: policy.Result{Rules: 1, Packages: []string{"p"}, Findings: []policy.Finding{
			{Kind: policy.Failure, Package: "p", Rule: "deny", Message: msg},
		}},
	}
	doc := renderJUnit(t, v)
	require.Len(t, doc.Suites, 1)
	require.Len(t, doc.Suites[0].Cases, 1)
	f := doc.Suites[0].Cases[0].Failure
	require.NotNil(t, f)
	assert.Equal(t, "bad <xml> & \"quotes\" ]]> end\uFFFD\uFFFD[31m", f.Message)
	assert.Contains(t, f.Body, "bad <xml> & \"quotes\" ]]> end")
}

func TestJUnitEvalParses(t *testing.T) {
	r, _ := NewEval(JUnit)
	var buf bytes.Buffer
	require.NoError(t, r.ReportFiles(&buf, evalResults()))
	doc := parseJUnit(t, buf.Bytes())
	assert.Len(t, doc.Suites, 3, "one testsuite per file")
	assert.Equal(t, 1, doc.Failures)
	assert.Equal(t, 1, doc.Skipped)
}
