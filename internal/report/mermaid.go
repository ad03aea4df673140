package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/slipwayhq/slipway/internal/gate"
)

// maxChartMetrics keeps the chart's x-axis legible.
const maxChartMetrics = 12

// chartRows picks the metrics that share a 0..1 axis (accuracy, F1, AUC…);
// a latency in milliseconds would flatten them all. When the baseline has
// any of them, only those are charted, so the bars and the line pair up.
func chartRows(rows []gate.MetricRow) (picked []gate.MetricRow, withBaseline bool) {
	unit := func(x float64) bool { return x >= 0 && x <= 1 && !math.IsNaN(x) }
	for _, r := range rows {
		if unit(r.Candidate) && (r.Baseline == nil || unit(*r.Baseline)) {
			picked = append(picked, r)
			withBaseline = withBaseline || r.Baseline != nil
		}
	}
	if withBaseline {
		var paired []gate.MetricRow
		for _, r := range picked {
			if r.Baseline != nil {
				paired = append(paired, r)
			}
		}
		picked = paired
	}
	return picked[:min(len(picked), maxChartMetrics)], withBaseline
}

// xyChart renders a mermaid xychart-beta block (GitHub and GitLab render
// it): candidate as bars, baseline as a line. It is "" when no metric fits.
func xyChart(model string, rows []gate.MetricRow) string {
	rows, withBaseline := chartRows(rows)
	if len(rows) == 0 {
		return ""
	}
	labels := make([]string, len(rows))
	cand := make([]string, len(rows))
	base := make([]string, len(rows))
	for i, r := range rows {
		labels[i] = mermaidString(r.Name)
		cand[i] = value(r.Candidate)
		if r.Baseline != nil {
			base[i] = value(*r.Baseline)
		}
	}
	title := model + ": candidate"
	if withBaseline {
		title += " vs baseline"
	}
	var b strings.Builder
	b.WriteString("```mermaid\nxychart-beta\n")
	fmt.Fprintf(&b, "  title %s\n", mermaidString(title))
	fmt.Fprintf(&b, "  x-axis [%s]\n", strings.Join(labels, ", "))
	b.WriteString("  y-axis \"value\" 0 --> 1\n")
	fmt.Fprintf(&b, "  bar [%s]\n", strings.Join(cand, ", "))
	if withBaseline {
		fmt.Fprintf(&b, "  line [%s]\n", strings.Join(base, ", "))
	}
	b.WriteString("```\n")
	return b.String()
}

// mermaidString quotes every label. Unquoted, the xychart lexer matches
// keywords by prefix (a metric "bar_acc", "line_f1" or "title_score" starts
// a new statement), and older lexers, which hosts may still ship, read the
// digit in "f1_macro" as a number. A quoted string ends at the next '"'
// and has no escape, so quotes become apostrophes.
func mermaidString(s string) string {
	s = strings.NewReplacer(`"`, "'", "\n", " ", "\r", " ", "`", "'").Replace(s)
	return `"` + s + `"`
}
