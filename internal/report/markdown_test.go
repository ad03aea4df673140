package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/gate"
)

func renderMarkdown(t *testing.T, v *gate.Verdict) string {
	t.Helper()
	r, _ := New(Markdown)
	var buf bytes.Buffer
	require.NoError(t, r.Report(&buf, v))
	return buf.String()
}

func TestMarkdownMarkerFirst(t *testing.T) {
	for _, v := range verdicts {
		md := renderMarkdown(t, v.verdict())
		first, _, _ := strings.Cut(md, "\n")
		assert.Equal(t, Marker(v.verdict().Model.Name), first, "%s: first line", v.name)
	}
}

func TestMarker(t *testing.T) {
	tests := []struct{ name, want string }{
		{"iris-classifier", "<!-- slipway-gate:iris-classifier -->"},
		{"acme/iris", "<!-- slipway-gate:acme/iris -->"},
		{"evil-->name", "<!-- slipway-gate:evil--_name -->"},
		{"two\nlines", "<!-- slipway-gate:two_lines -->"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Marker(tt.name), "Marker(%q)", tt.name)
	}
}

func TestMarkdownHeadings(t *testing.T) {
	tests := []struct {
		verdict *gate.Verdict
		want    string
	}{
		{passVerdict(), "### ✅ Gate passed: iris-classifier 1.0.1\n"},
		{failVerdict(), "### ❌ Gate failed: iris-classifier 1.1.0\n"},
		{warnVerdict(), "### ⚠️ Gate passed with warnings: fraud-detector 0.3.0\n"},
	}
	for _, tt := range tests {
		assert.Contains(t, renderMarkdown(t, tt.verdict), tt.want)
	}
}

// xyChartBlock matches a mermaid xychart-beta block as the grammar has it:
// a quoted title, a band x-axis, a numeric y range, then bar and line data.
var xyChartBlock = regexp.MustCompile("(?m)^```mermaid\n" +
	`xychart-beta\n` +
	`  title "[^"\n]*"\n` +
	`  x-axis \[("[^"\n]*")(, "[^"\n]*")*\]\n` +
	`  y-axis "value" 0 --> 1\n` +
	`  bar \[(-?\d+\.\d+)(, -?\d+\.\d+)*\]\n` +
	`(  line \[(-?\d+\.\d+)(, -?\d+\.\d+)*\]\n)?` +
	"```\n")

func TestMarkdownChart(t *testing.T) {
	md := renderMarkdown(t, failVerdict())
	block := xyChartBlock.FindString(md)
	require.NotEmpty(t, block, "no valid-looking xychart block in:\n%s", md)
	assert.Contains(t, block, `x-axis ["accuracy", "f1_macro", "recall.setosa"]`, "latency_ms and train_rows are off the 0..1 axis")
	assert.Contains(t, block, "bar [0.9100, 0.9050, 1.0000]")
	assert.Contains(t, block, "line [0.9667, 0.9600, 1.0000]")

	assert.NotContains(t, renderMarkdown(t, warnVerdict()), "```mermaid", "no metrics, no chart")
}

func TestChartRows(t *testing.T) {
	row := func(name string, c float64, b *float64) gate.MetricRow {
		return gate.MetricRow{Name: name, Candidate: c, Baseline: b}
	}
	var many []gate.MetricRow
	for i := range 20 {
		many = append(many, row(string(rune('a'+i)), 0.5, f64(0.4)))
	}
	tests := []struct {
		name         string
		rows         []gate.MetricRow
		want         []string
		withBaseline bool
	}{
		{"none", nil, nil, false},
		{"out of range only", []gate.MetricRow{row("latency_ms", 45, f64(40))}, nil, false},
		{"no baseline: bars only", []gate.MetricRow{row("acc", 0.9, nil), row("f1", 0.8, nil)}, []string{"acc", "f1"}, false},
		{"baseline for some: only the pairs", []gate.MetricRow{row("acc", 0.9, f64(0.8)), row("new", 0.7, nil)}, []string{"acc"}, true},
		{"baseline out of range", []gate.MetricRow{row("loss", 0.3, f64(1.7)), row("acc", 0.9, f64(0.8))}, []string{"acc"}, true},
		{"capped", many, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, withBaseline := chartRows(tt.rows)
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
			}
			assert.Equal(t, tt.want, names)
			assert.Equal(t, tt.withBaseline, withBaseline)
		})
	}
}

func TestMermaidLabels(t *testing.T) {
	rows := []gate.MetricRow{
		{Name: `bar`, Candidate: 0.5},
		{Name: `say "hi"`, Candidate: 0.5},
		{Name: "f1[macro], weighted", Candidate: 0.5},
	}
	chart := xyChart(`model "x"`, rows)
	assert.Contains(t, chart, `title "model 'x': candidate"`)
	assert.Contains(t, chart, `x-axis ["bar", "say 'hi'", "f1[macro], weighted"]`)
	assert.NotContains(t, chart, "line [", "no baseline, no line")
}

func TestMarkdownTableCells(t *testing.T) {
	md := renderMarkdown(t, failVerdict())
	assert.Contains(t, md, `model card lacks intended_use \| limitations<br>add them to README.md front matter`, "pipe and newline escaped")
	assert.Contains(t, md, "&lt;apache-2.0, mit&gt;", "angle brackets escaped")
	// Every row of a table has as many cells as its header.
	header := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = -1
			continue
		}
		cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1
		if header < 0 {
			header = cells
		}
		assert.Equal(t, header, cells, "ragged table row: %q", line)
	}
}

func TestMarkdownMetricTable(t *testing.T) {
	md := renderMarkdown(t, failVerdict())
	for _, want := range []string{
		"| accuracy | 0.9100 | 0.9667 | -0.0567 | ≥ 0.9500 ❌ |",
		"| latency_ms | 48.0000 | 12.5000 | +35.5000 | ≤ 50.0000 ✅ |",
		"| train_rows | 120.0000 | – | – | – |",
	} {
		assert.Contains(t, md, want)
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"slipway.metrics.deny_x", "`slipway.metrics.deny_x`"},
		{"a`b", "``a`b``"},
		{"`start", "`` `start ``"},
		{"a|b\nc", "`a\\|b c`"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, code(tt.in), "code(%q)", tt.in)
	}
}
