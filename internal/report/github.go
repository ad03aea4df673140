package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

// githubReporter prints GitHub workflow commands, which the runner turns
// into annotations on the run and, with a file and line, on the diff. The
// step summary is the markdown report, written by the CI adapter.
type githubReporter struct{}

func (githubReporter) Report(w io.Writer, v *gate.Verdict) error {
	var b strings.Builder
	s := split(v.Result)
	for _, f := range s.failures {
		annotate(&b, "error", policyProps(f, ruleID(f)), f.Message)
	}
	for _, f := range s.warnings {
		annotate(&b, "warning", policyProps(f, ruleID(f)), f.Message)
	}
	for _, f := range s.waived {
		annotate(&b, "notice", policyProps(f, ruleID(f)+" (waived)"), f.Message+"\n"+waiverNote(f.Waived))
	}
	for _, e := range s.expired {
		annotate(&b, "warning", [][2]string{{"title", e.Package + ": expired exception"}}, expiredNote(e))
	}
	for _, n := range v.Notes {
		annotate(&b, "notice", [][2]string{{"title", "slipway gate"}}, n)
	}
	// Escaped too: a model name is not ours, and a newline in it could
	// start a workflow command of its own.
	d := verdictWords[decision(v)]
	fmt.Fprintf(&b, "slipway gate: %s %s: %s\n", d.word, escapeData(modelLabel(v.Model)), countOf(s, v.Result.Rules))
	return write(w, b.String())
}

// ReportFiles groups each file's annotations, as conftest does, and points
// them at the input file: that is what the user changes to fix them.
func (githubReporter) ReportFiles(w io.Writer, results []FileResult) error {
	var b strings.Builder
	var total evalCounts
	for _, fr := range results {
		s := split(fr.Result)
		fmt.Fprintf(&b, "::group::%s\n", escapeData("slipway policy eval: "+fr.File))
		props := func(f policy.Finding, suffix string) [][2]string {
			return [][2]string{{"file", fr.File}, {"title", ruleID(f) + suffix}}
		}
		for _, f := range s.failures {
			annotate(&b, "error", props(f, ""), f.Message)
		}
		for _, f := range s.warnings {
			annotate(&b, "warning", props(f, ""), f.Message)
		}
		for _, f := range s.waived {
			annotate(&b, "notice", props(f, " (waived)"), f.Message+"\n"+waiverNote(f.Waived))
		}
		for _, e := range s.expired {
			annotate(&b, "warning", [][2]string{{"file", fr.File}, {"title", e.Package + ": expired exception"}}, expiredNote(e))
		}
		b.WriteString("::endgroup::\n")
		total.add(fr.Result, s)
	}
	fmt.Fprintf(&b, "%s\n", total)
	return write(w, b.String())
}

// policyProps locates an annotation at the rule's definition when known.
func policyProps(f policy.Finding, title string) [][2]string {
	var props [][2]string
	if l := f.Location; l != nil && l.File != "" && l.Workspace {
		props = append(props, [2]string{"file", l.File})
		if l.Row > 0 {
			props = append(props, [2]string{"line", strconv.Itoa(l.Row)})
		}
		if l.Col > 0 {
			props = append(props, [2]string{"col", strconv.Itoa(l.Col)})
		}
	}
	return append(props, [2]string{"title", title})
}

// annotate writes "::level k=v,k=v::message".
func annotate(b *strings.Builder, level string, props [][2]string, msg string) {
	b.WriteString("::" + level)
	for i, kv := range props {
		sep := ","
		if i == 0 {
			sep = " "
		}
		b.WriteString(sep + kv[0] + "=" + escapeProperty(kv[1]))
	}
	b.WriteString("::" + escapeData(msg) + "\n")
}

// The runner's escaping (actions/toolkit core/src/command.ts): data escapes
// %, CR and LF; property values also escape ":" and ",", which would
// otherwise end the value.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
