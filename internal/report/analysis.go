package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/slipwayhq/slipway/internal/analysis"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

// AnalysisFormats are the formats of a canary analysis report: analyze's
// --output and --report, promote's --analysis-report.
func AnalysisFormats() []string { return []string{Text, JSON, Markdown, JUnit} }

// WriteAnalysis renders a canary analysis in one of AnalysisFormats: per
// measurement its query, condition and limits, and per run the values the
// query returned and the decision.
func WriteAnalysis(w io.Writer, format string, res *analysis.Result, opts ...Option) error {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	switch format {
	case Text:
		return write(w, AnalysisText(res, o.color))
	case JSON:
		return writeJSON(w, res)
	case Markdown:
		return write(w, analysisMarkdown(res))
	case JUnit:
		return analysisJUnit(w, res)
	}
	return fault.Usagef("unknown analysis report format %q (want one of %s)", format, strings.Join(AnalysisFormats(), ", "))
}

var phaseColors = map[analysis.Phase]string{
	analysis.Successful: green, analysis.Failed: red, analysis.Inconclusive: yellow, analysis.Error: loud, analysis.Running: dim,
}

// AnalysisText is the terminal report: a block per measurement with a row
// per run, then the analysis' phase and why.
func AnalysisText(res *analysis.Result, color bool) string {
	p := palette(color)
	var b strings.Builder
	for i, m := range res.Measurements {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s  %s\n", p.paint(bold, "measurement "+untrusted.Text(m.Name)), p.paint(phaseColors[m.Phase], string(m.Phase)), limits(m))
		fmt.Fprintf(&b, "  query      %s\n", untrusted.Text(oneLine(m.Query)))
		fmt.Fprintf(&b, "  condition  %s\n", untrusted.Text(m.Condition))
		t := table{indent: "  ", right: []bool{true}}
		t.add([]string{dim, dim, dim, dim, dim}, "RUN", "TIME", "PHASE", "VALUES", "DECISION")
		for j, r := range m.Runs {
			t.add([]string{"", "", phaseColors[r.Phase]}, strconv.Itoa(j+1), r.Time.UTC().Format("15:04:05Z"),
				string(r.Phase), untrusted.Text(Samples(r.Values)), untrusted.Text(r.Message))
		}
		if len(m.Runs) == 0 {
			t.add(nil, "-", "-", "-", "-", "not run: the analysis ended first")
		}
		t.render(&b, p)
	}
	fmt.Fprintf(&b, "\n%s %s\n", p.paint(bold+";"+phaseColors[res.Phase], "analysis "+string(res.Phase)+":"), untrusted.Text(res.Summary()))
	return b.String()
}

// limits is a measurement's counts against its limits.
func limits(m analysis.Measurement) string {
	return fmt.Sprintf("runs %d/%d · failed %d/%d · inconclusive %d/%d · errors in a row %d/%d",
		m.Successful+m.Failed+m.Inconclusive, m.Count, m.Failed, m.FailureLimit, m.Inconclusive, m.InconclusiveLimit,
		m.ConsecutiveErrors, m.ConsecutiveErrorLimit)
}

// Samples are a run's values: 0.01, or {code="500"}=0.2 {code="503"}=0.1
// when the series have labels; "-" for none.
func Samples(ss []analysis.Sample) string {
	if len(ss) == 0 {
		return "-"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		v := strconv.FormatFloat(s.Value, 'g', 4, 64)
		if s.Series != "" && s.Series != "{}" {
			v = s.Series + "=" + v
		}
		parts[i] = v
	}
	return strings.Join(parts, " ")
}

var analysisHeadings = map[analysis.Phase]string{
	analysis.Successful: "✅ Canary analysis successful", analysis.Failed: "❌ Canary analysis failed",
	analysis.Inconclusive: "⚠️ Canary analysis inconclusive", analysis.Error: "❌ Canary analysis error",
}

// analysisMarkdown is the report for a pull or merge request and a step
// summary: a summary table, then each measurement's query and runs.
func analysisMarkdown(res *analysis.Result) string {
	var b strings.Builder
	title := strings.TrimSpace(res.Vars.Model + " " + res.Vars.Version)
	fmt.Fprintf(&b, "### %s", analysisHeadings[res.Phase])
	if title != "" {
		fmt.Fprintf(&b, ": %s", cell(title))
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "%s.\n\n", cell(res.Summary()))
	var where []string
	if res.Vars.Environment != "" {
		where = append(where, "environment "+code(res.Vars.Environment))
	}
	if res.Vars.Digest != "" {
		where = append(where, "digest "+code(oci.ShortDigest(res.Vars.Digest)))
	}
	where = append(where, "Prometheus "+code(res.Prometheus))
	fmt.Fprintf(&b, "%s · %s to %s\n\n", strings.Join(where, " · "), res.Started.UTC().Format("2006-01-02 15:04:05Z"), res.Finished.UTC().Format("15:04:05Z"))
	b.WriteString("| Measurement | Phase | Runs | Failed | Inconclusive | Errors in a row | Condition |\n|:---|:---|---:|---:|---:|---:|:---|\n")
	for _, m := range res.Measurements {
		fmt.Fprintf(&b, "| %s | %s | %d/%d | %d/%d | %d/%d | %d/%d | %s |\n", code(m.Name), m.Phase,
			m.Successful+m.Failed+m.Inconclusive, m.Count, m.Failed, m.FailureLimit, m.Inconclusive, m.InconclusiveLimit,
			m.ConsecutiveErrors, m.ConsecutiveErrorLimit, code(m.Condition))
	}
	for _, m := range res.Measurements {
		fmt.Fprintf(&b, "\n<details><summary>%s: %s</summary>\n\n", cell(m.Name), m.Phase)
		fmt.Fprintf(&b, "```promql\n%s\n```\n\n", strings.ReplaceAll(m.Query, "```", "` ` `"))
		b.WriteString("| # | Time | Phase | Values | Decision |\n|---:|:---|:---|:---|:---|\n")
		for i, r := range m.Runs {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", i+1, r.Time.UTC().Format("15:04:05Z"), r.Phase, code(Samples(r.Values)), cell(r.Message))
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// analysisJUnit is one testsuite per measurement and one testcase per run.
// A run that decided against the analysis is a <failure> (an <error> for
// query errors); one the limits tolerated is <skipped> with why, so that
// a successful analysis keeps Jenkins and GitLab green.
func analysisJUnit(w io.Writer, res *analysis.Result) error {
	suites := junit.Testsuites{Name: "slipway analyze"}
	for _, m := range res.Measurements {
		suite := junit.Testsuite{Name: xmlSafe(m.Name), Time: "0.000", ID: len(suites.Suites)}
		setTimestamp(&suite, res.Started)
		for i, r := range m.Runs {
			tc := junit.Testcase{Name: fmt.Sprintf("run %d", i+1), Classname: xmlSafe(m.Name), Time: "0.000",
				SystemOut: &junit.Output{Data: xmlSafe("query: " + m.Query + "\nvalues: " + Samples(r.Values) + "\n" + r.Message)}}
			msg := xmlSafe(string(r.Phase) + ": " + firstLine(r.Message))
			switch {
			case r.Phase == analysis.Successful:
			case r.Phase == m.Phase && r.Phase == analysis.Error:
				tc.Error = &junit.Result{Message: msg, Type: string(r.Phase), Data: xmlSafe(r.Message)}
			case r.Phase == m.Phase:
				tc.Failure = &junit.Result{Message: msg, Type: string(r.Phase), Data: xmlSafe(r.Message)}
			default:
				tc.Skipped = &junit.Result{Message: xmlSafe(strings.ToLower(string(r.Phase)) + ", tolerated: " + firstLine(r.Message))}
			}
			suite.AddTestcase(tc)
		}
		if len(m.Runs) == 0 {
			suite.AddTestcase(junit.Testcase{Name: "not run", Classname: xmlSafe(m.Name), Time: "0.000",
				Skipped: &junit.Result{Message: "the analysis ended before this measurement ran"}})
		}
		suites.AddSuite(suite)
	}
	return writeJUnit(w, &suites)
}
