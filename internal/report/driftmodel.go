package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/drift"
)

// modelRow is one model metric as the reports show it.
type modelRow struct {
	Name, Current, Baseline, Delta string
	Degraded                       bool
}

// modelRows lists the model's metrics, sorted, each with its baseline
// when there is one.
func modelRows(m *drift.Model) []modelRow {
	changes := map[string]drift.MetricChange{}
	for _, c := range m.Changes {
		changes[c.Name] = c
	}
	var rows []modelRow
	for _, name := range slices.Sorted(maps.Keys(m.Metrics)) {
		r := modelRow{Name: name, Current: g4(m.Metrics[name]), Baseline: "–", Delta: "–"}
		if c, ok := changes[name]; ok {
			r.Baseline, r.Delta, r.Degraded = g4(c.Baseline), fmt.Sprintf("%+.4g", c.Delta), c.Degraded
		}
		rows = append(rows, r)
	}
	return rows
}

// modelVerdict is the one line that says whether the model drifted.
func modelVerdict(m *drift.Model) string {
	if m.Drifted {
		return "❌ Model drift: " + strings.Join(m.Reasons, "; ")
	}
	return "✅ No model drift"
}

// modelMarkdown writes the model section of the markdown report.
func modelMarkdown(b *strings.Builder, m *drift.Model) {
	fmt.Fprintf(b, "\n#### %s\n\n", modelVerdict(m))
	p := m.PredictionDrift
	fmt.Fprintf(b, "Task: %s · predictions %s against the reference's %s: ", m.Task, code(m.Prediction), code(m.PredictionReference))
	if p.Test == "" {
		fmt.Fprintf(b, "skipped: %s\n", cell(p.Skipped))
	} else {
		fmt.Fprintf(b, "%s %s, p-value %s, PSI %s, JS %s\n", p.Test, g4(p.Statistic), g3(p.PValue), g4(p.PSI), g4(p.JS))
	}
	if rows := modelRows(m); len(rows) > 0 {
		fmt.Fprintf(b, "\nPerformance on %s (target %s)", english.Plural(m.Rows, "current row", ""), code(m.Target))
		if m.Baseline != "" {
			fmt.Fprintf(b, ", baseline %s", code(m.Baseline))
		}
		b.WriteString(":\n\n| Metric | Current | Baseline | Δ | Degraded |\n|:---|---:|---:|---:|:---|\n")
		for _, r := range rows {
			deg := "no"
			if r.Degraded {
				deg = "❌ yes"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.Name, r.Current, r.Baseline, r.Delta, deg)
		}
	}
	for _, n := range m.Notes {
		fmt.Fprintf(b, "\n- %s", cell(n))
	}
	if len(m.Notes) > 0 {
		b.WriteString("\n")
	}
}
