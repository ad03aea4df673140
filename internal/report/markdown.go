package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
)

// markdownReporter writes what people read in their pull or merge request
// (and the GitHub step summary): GitHub- and GitLab-flavoured markdown.
type markdownReporter struct{}

// Marker is the hidden first line of a model's markdown report. The GitLab
// adapter finds its merge-request note by it and updates that note in place.
func Marker(modelName string) string {
	// "<" and ">" could end the comment early; newlines would split it.
	name := strings.NewReplacer("<", "_", ">", "_", "\r", "_", "\n", "_").Replace(modelName)
	return "<!-- slipway-gate:" + name + " -->"
}

var headings = map[policy.Decision]string{
	policy.Pass: "✅ Gate passed",
	policy.Warn: "⚠️ Gate passed with warnings",
	policy.Fail: "❌ Gate failed",
}

func (markdownReporter) Report(w io.Writer, v *gate.Verdict) error {
	var b strings.Builder
	s := split(v.Result)
	b.WriteString(Marker(v.Model.Name) + "\n")
	fmt.Fprintf(&b, "### %s: %s\n\n", headings[decision(v)], cell(modelLabel(v.Model)))
	fmt.Fprintf(&b, "%s.\n\n", mdCounts(countOf(s, v.Result.Rules)))
	mdModels(&b, v)
	mdFindings(&b, s)
	mdExceptions(&b, s)
	mdMetrics(&b, v)
	for _, n := range v.Notes {
		fmt.Fprintf(&b, "\n> [!NOTE]\n> %s\n", cell(n))
	}
	mdDetails(&b, v)
	return write(w, b.String())
}

// mdCounts puts what needs attention in bold.
func mdCounts(c counts) string {
	if c.failures+c.warnings+c.waived+c.expired == 0 {
		return "No failures or warnings from " + english.Plural(c.rules, "rule", "")
	}
	parts := []string{english.Plural(c.failures, "failure", ""), english.Plural(c.warnings, "warning", ""), fmt.Sprintf("%d waived", c.waived)}
	if c.failures > 0 {
		parts[0] = "**" + parts[0] + "**"
	}
	if c.expired > 0 {
		parts = append(parts, "**"+english.Plural(c.expired, "expired exception", "")+"**")
	}
	return strings.Join(parts, ", ") + " from " + english.Plural(c.rules, "rule", "")
}

func mdModels(b *strings.Builder, v *gate.Verdict) {
	b.WriteString("| | Model | Digest |\n|---|---|---|\n")
	fmt.Fprintf(b, "| Candidate | %s | %s |\n", cell(modelLabel(v.Model)), code(oci.ShortDigest(v.Model.Digest)))
	if v.Baseline != nil {
		fmt.Fprintf(b, "| Baseline | %s | %s |\n", cell(modelLabel(*v.Baseline)), code(oci.ShortDigest(v.Baseline.Digest)))
	} else {
		b.WriteString("| Baseline | _none_ | |\n")
	}
}

func mdFindings(b *strings.Builder, s sections) {
	if len(s.failures)+len(s.warnings) == 0 {
		return
	}
	b.WriteString("\n#### Failures and warnings\n\n| | Rule | Message |\n|---|---|---|\n")
	for _, f := range s.failures {
		fmt.Fprintf(b, "| ❌ failure | %s | %s |\n", code(ruleID(f)), cell(f.Message))
	}
	for _, f := range s.warnings {
		fmt.Fprintf(b, "| ⚠️ warning | %s | %s |\n", code(ruleID(f)), cell(f.Message))
	}
}

func mdExceptions(b *strings.Builder, s sections) {
	if len(s.waived)+len(s.expired) == 0 {
		return
	}
	b.WriteString("\n#### Exceptions\n\n")
	for _, e := range s.expired {
		when := "expired"
		if !e.Expires.IsZero() {
			when += " on " + e.Expires.Format(dateLayout)
		}
		fmt.Fprintf(b, "> ⏰ **Exception for %s in %s %s**: it no longer waives anything.", code(waiverRules(e)), code(e.Package), when)
		if e.Reason != "" {
			fmt.Fprintf(b, " Its reason was: %s.", cell(strings.TrimSuffix(e.Reason, ".")))
		}
		b.WriteString("\n>\n")
	}
	if len(s.expired) > 0 {
		b.WriteString("> Renew the exception with a new date, or fix what it waived.\n\n")
	}
	if len(s.waived) > 0 {
		b.WriteString("| Waived rule | Message | Reason | Expires |\n|---|---|---|---|\n")
		for _, f := range s.waived {
			expires := "never"
			if !f.Waived.Expires.IsZero() {
				expires = f.Waived.Expires.Format(dateLayout)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", code(ruleID(f)), cell(f.Message), cell(f.Waived.Reason), expires)
		}
	}
}

func mdMetrics(b *strings.Builder, v *gate.Verdict) {
	if len(v.Metrics) == 0 {
		return
	}
	b.WriteString("\n#### Metrics\n\n| Metric | Candidate | Baseline | Δ | Threshold |\n|:---|---:|---:|---:|:---|\n")
	for _, r := range v.Metrics {
		threshold := ""
		if t := r.Threshold; t != nil {
			mark := "✅"
			if !met(r) {
				mark = "❌"
			}
			threshold = fmt.Sprintf("%s %s %s", mdOp(t.Op), value(t.Value), mark)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", cell(r.Name), value(r.Candidate), orDash(baselineValue(r)), orDash(delta(r)), orDash(threshold))
	}
	if chart := xyChart(v.Model.Name, v.Metrics); chart != "" {
		b.WriteString("\n" + chart)
		if _, withBaseline := chartRows(v.Metrics); withBaseline {
			b.WriteString("\n<sub>Bars: candidate · line: baseline</sub>\n")
		}
	}
}

func mdDetails(b *strings.Builder, v *gate.Verdict) {
	b.WriteString("\n<details>\n<summary>Policies and inputs</summary>\n\n")
	fmt.Fprintf(b, "- Model: %s\n", code(modelLocation(v.Model)))
	if v.Baseline != nil {
		fmt.Fprintf(b, "- Baseline: %s\n", code(modelLocation(*v.Baseline)))
	}
	digests := func(title string, files []gate.DigestedFile) {
		if len(files) == 0 {
			return
		}
		fmt.Fprintf(b, "\n| %s | Digest |\n|---|---|\n", title)
		for _, f := range files {
			fmt.Fprintf(b, "| %s | %s |\n", code(f.Name), code(f.Digest))
		}
	}
	digests("Policy", v.Policies)
	digests("Input", v.Inputs)
	b.WriteString("\n</details>\n")
	if line := mdProvenance(v); line != "" {
		b.WriteString("\n<sub>" + line + "</sub>\n")
	}
}

// mdProvenance says when and where the gate ran, from the verdict alone.
func mdProvenance(v *gate.Verdict) string {
	parts := []string{"slipway gate"}
	if !v.Time.IsZero() {
		parts = append(parts, v.Time.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if c := v.CI.Commit; c != "" {
		parts = append(parts, "commit "+c[:min(len(c), 12)])
	}
	if u := v.CI.RunURL; u != "" {
		parts = append(parts, "[CI run]("+u+")")
	}
	return strings.Join(parts, " · ")
}

var ops = map[string]string{">=": "≥", "<=": "≤"}

func mdOp(op string) string {
	if s, ok := ops[op]; ok {
		return s
	}
	return cell(op)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// cell makes text safe inside a markdown table cell: a "|" would end the
// cell, a newline the row, and "<…>" would read as an HTML tag and vanish.
var cellEscaper = strings.NewReplacer("|", `\|`, "\r\n", "<br>", "\n", "<br>", "\r", "<br>", "<", "&lt;", ">", "&gt;")

func cell(s string) string { return cellEscaper.Replace(strings.TrimSpace(s)) }

// code is s as a code span that holds whatever s contains: the fence is
// longer than any run of backticks inside (CommonMark), a newline becomes a
// space, and "|" is escaped, which GFM tables require even in code spans.
func code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "|", `\|`).Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
