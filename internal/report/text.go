package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// textReporter is the readable table for a terminal.
type textReporter struct{ color bool }

var verdictWords = map[policy.Decision]struct{ word, code string }{
	policy.Pass: {"PASS", green},
	policy.Warn: {"WARN", yellow},
	policy.Fail: {"FAIL", red},
}

func (t textReporter) Report(w io.Writer, v *gate.Verdict) error {
	p := palette(t.color)
	var b strings.Builder
	d := verdictWords[decision(v)]
	fmt.Fprintf(&b, "%s %s %s\n", p.paint(bold+";"+d.code, d.word), p.paint(bold, modelLabel(v.Model)), oci.ShortDigest(v.Model.Digest))
	if v.Baseline != nil {
		fmt.Fprintf(&b, "     baseline %s %s\n", modelLabel(*v.Baseline), oci.ShortDigest(v.Baseline.Digest))
	} else {
		b.WriteString("     no baseline\n")
	}

	s := split(v.Result)
	width := 0
	for _, f := range slices.Concat(s.failures, s.warnings, s.waived) {
		width = max(width, utf8.RuneCountInString(ruleID(f)))
	}
	findingSection(&b, p, width, "Failures", red, s.failures, nil)
	findingSection(&b, p, width, "Warnings", yellow, s.warnings, nil)
	findingSection(&b, p, width, "Waived", cyan, s.waived, func(f policy.Finding) string { return waiverNote(f.Waived) })
	if len(s.expired) > 0 {
		b.WriteString("\n" + p.paint(loud, "Expired exceptions") + "\n")
		for _, e := range s.expired {
			fmt.Fprintf(&b, "  %s\n", p.paint(loud, expiredNote(e)))
			if e.Reason != "" {
				fmt.Fprintf(&b, "    %s\n", p.paint(dim, e.Package+": "+e.Reason))
			}
		}
	}
	metricSection(&b, p, v.Metrics)
	for _, n := range v.Notes {
		fmt.Fprintf(&b, "\n%s %s\n", p.paint(bold+";"+yellow, "Note:"), n)
	}
	fmt.Fprintf(&b, "\n%s\n", p.paint(d.code, countOf(s, v.Result.Rules).String()))
	return write(w, b.String())
}

// findingSection lists findings with rule ids padded to width, and
// continuation lines (and the note) under the message column.
func findingSection(b *strings.Builder, p palette, width int, title, code string, fs []policy.Finding, note func(policy.Finding) string) {
	if len(fs) == 0 {
		return
	}
	b.WriteString("\n" + p.paint(bold+";"+code, title) + "\n")
	hang := strings.Repeat(" ", width+4)
	for _, f := range fs {
		id := ruleID(f)
		lines := strings.Split(strings.ReplaceAll(f.Message, "\r\n", "\n"), "\n")
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(id))
		fmt.Fprintf(b, "  %s%s  %s\n", p.paint(code, id), pad, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "%s%s\n", hang, l)
		}
		if note != nil {
			fmt.Fprintf(b, "%s%s\n", hang, p.paint(dim, note(f)))
		}
	}
}

func metricSection(b *strings.Builder, p palette, rows []gate.MetricRow) {
	if len(rows) == 0 {
		return
	}
	b.WriteString("\n" + p.paint(bold, "Metrics") + "\n")
	t := table{indent: "  ", right: []bool{false, true, true, true, false}}
	t.add([]string{dim, dim, dim, dim, dim}, "metric", "candidate", "baseline", "delta", "threshold")
	for _, r := range rows {
		threshold, code := "", ""
		if r.Threshold != nil {
			threshold, code = r.Threshold.Op+" "+value(r.Threshold.Value)+" ✓", green
			if !met(r) {
				threshold, code = r.Threshold.Op+" "+value(r.Threshold.Value)+" ✗", red
			}
		}
		t.add([]string{"", "", "", "", code}, r.Name, value(r.Candidate), baselineValue(r), delta(r), threshold)
	}
	t.render(b, p)
}
