package report

import (
	"io"
	"slices"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

// gitlabReporter writes a GitLab Code Quality report: a JSON array of
// issues, shown in the merge request widget and the pipeline's Code
// Quality tab. GitLab tells new issues from old ones by fingerprint.
type gitlabReporter struct{}

type codeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// GitLab's severities, worst first.
var codeQualitySeverities = []string{"blocker", "critical", "major", "minor", "info"}

// Severities: a failure blocks the gate (blocker), a warning is minor, a
// waived finding is info, and an expired exception is major: it is why
// something that passed yesterday fails today. A rule may set its own
// with a "severity" metadata key naming one of GitLab's severities.
func (gitlabReporter) Report(w io.Writer, v *gate.Verdict) error {
	s := split(v.Result)
	issues := []codeQualityIssue{}
	seen := map[string]bool{}
	add := func(f policy.Finding, severity, description string) {
		fp := findingFingerprint(f)
		if seen[fp] {
			return
		}
		seen[fp] = true
		if sev, ok := f.Metadata["severity"].(string); ok && f.Waived == nil && slices.Contains(codeQualitySeverities, sev) {
			severity = sev
		}
		issues = append(issues, codeQualityIssue{
			Description: description,
			CheckName:   ruleID(f),
			Fingerprint: fp,
			Severity:    severity,
			Location:    findingLocation(f, v.Model),
		})
	}
	for _, f := range s.failures {
		add(f, "blocker", f.Message)
	}
	for _, f := range s.warnings {
		add(f, "minor", f.Message)
	}
	for _, f := range s.waived {
		add(f, "info", f.Message+" ("+waiverNote(f.Waived)+")")
	}
	for _, e := range s.expired {
		issues = append(issues, codeQualityIssue{
			Description: expiredNote(e),
			CheckName:   e.Package + ".exception",
			Fingerprint: fingerprint("expired", e.Package, waiverRules(e), e.Expires.Format(dateLayout)),
			Severity:    "major",
			Location:    codeQualityLocation{Path: modelLocation(v.Model), Lines: codeQualityLines{Begin: 1}},
		})
	}
	return writeJSON(w, issues)
}

// findingLocation is the rule's definition when known, else the model.
// GitLab requires a path and a line, so line 1 stands in for "the model".
func findingLocation(f policy.Finding, m gate.ModelRef) codeQualityLocation {
	if l := f.Location; l != nil && l.File != "" && l.Workspace {
		return codeQualityLocation{Path: l.File, Lines: codeQualityLines{Begin: max(l.Row, 1)}}
	}
	return codeQualityLocation{Path: modelLocation(m), Lines: codeQualityLines{Begin: 1}}
}
