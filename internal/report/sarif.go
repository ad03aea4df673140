package report

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

const toolURI = "https://github.com/slipwayhq/slipway"

// sarifReporter writes SARIF 2.1.0 for code scanning (GitHub) and SARIF
// viewers. Rules are the distinct package.rule pairs. Levels: a failure is
// "error", a warning "warning", and a waived finding "note" with an
// accepted external suppression (the exception lives in a policy, not in
// the model), so viewers hide it by default yet keep the record. Expired
// exceptions are tool execution notifications at level "warning".
type sarifReporter struct{}

func (sarifReporter) Report(w io.Writer, v *gate.Verdict) error {
	run := newRun("slipway-gate/" + v.Model.Name + "/")
	modelLoc := artifactLocation(modelLocation(v.Model))
	addRules(run, sortFindings(v.Result.Findings))
	addResults(run, v.Result, "", func(f policy.Finding) []*sarif.Location {
		if l := f.Location; l != nil && l.File != "" && l.Workspace {
			return []*sarif.Location{policyLocation(l)}
		}
		return []*sarif.Location{modelLoc}
	}, nil)
	inv := run.AddInvocation(true)
	inv.ToolExecutionNotifications = notifications(v.Result.Expired, v.Time)
	if !v.Time.IsZero() {
		inv.WithEndTimeUTC(v.Time.UTC())
	}
	run.Properties = sarif.Properties{
		"decision": string(decision(v)),
		"model":    modelLocation(v.Model),
	}
	return writeSARIF(w, run)
}

// ReportFiles locates each result in its input file, as conftest does,
// and relates it to the rule's definition when that is known.
func (sarifReporter) ReportFiles(w io.Writer, results []FileResult) error {
	run := newRun("slipway-policy-eval/")
	var expired []policy.Waiver
	var all []policy.Finding
	for _, fr := range results {
		all = append(all, fr.Result.Findings...)
	}
	addRules(run, sortFindings(all))
	for _, fr := range results {
		file := artifactLocation(fr.File)
		addResults(run, fr.Result, fr.File, func(policy.Finding) []*sarif.Location { return []*sarif.Location{file} },
			func(f policy.Finding) []*sarif.Location {
				if l := f.Location; l != nil && l.File != "" && l.Workspace {
					return []*sarif.Location{policyLocation(l)}
				}
				return nil
			})
		expired = append(expired, fr.Result.Expired...)
	}
	run.AddInvocation(true).ToolExecutionNotifications = notifications(expired, time.Time{})
	return writeSARIF(w, run)
}

func newRun(category string) *sarif.Run {
	run := sarif.NewRunWithInformationURI("slipway", toolURI)
	run.AutomationDetails = sarif.NewRunAutomationDetails().WithID(category)
	return run
}

// addRules registers the distinct rules of fs in sorted order, before any
// result, so rule indexes are stable.
func addRules(run *sarif.Run, fs []policy.Finding) {
	first := map[string]policy.Finding{}
	var ids []string
	for _, f := range fs {
		if _, ok := first[ruleID(f)]; !ok {
			first[ruleID(f)] = f
			ids = append(ids, ruleID(f))
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		addRule(run, first[id])
	}
}

// addResults adds r's findings, failures first; their rules are already
// registered. file tells the same finding in two eval inputs apart.
func addResults(run *sarif.Run, r policy.Result, file string, locate, related func(policy.Finding) []*sarif.Location) {
	s := split(r)
	all := slices.Concat(s.failures, s.warnings, s.waived)
	for _, f := range all {
		level := map[policy.Kind]string{policy.Failure: "error", policy.Warning: "warning"}[f.Kind]
		if f.Waived != nil {
			level = "note"
		}
		fp := findingFingerprint(f)
		if file != "" {
			fp = fingerprint(file, fp)
		}
		res := run.CreateResultForRule(ruleID(f)).
			WithRuleIndex(ruleIndex(run, ruleID(f))).
			WithLevel(level).
			WithMessage(sarif.NewTextMessage(f.Message)).
			WithLocations(locate(f)).
			WithPartialFingerPrints(map[string]any{"slipwayFinding/v1": fp})
		if related != nil {
			if rel := related(f); rel != nil {
				res.WithRelatedLocations(rel)
			}
		}
		props := sarif.Properties{"package": f.Package, "rule": f.Rule}
		if len(f.Metadata) > 0 {
			props["metadata"] = f.Metadata
		}
		res.Properties = props
		if f.Waived != nil {
			// Every field is set: go-sarif writes absent ones as null, which
			// the 2.1.0 schema rejects.
			res.AddSuppression(sarif.NewSuppression("external").
				WithStatus("accepted").
				WithJustifcation(waiverNote(f.Waived)).
				WithGuid(guidOf(fp)).
				WithLocation(locate(f)[0]))
		}
	}
}

func addRule(run *sarif.Run, f policy.Finding) {
	level, effect := "error", "fails the gate"
	if f.Kind == policy.Warning {
		level, effect = "warning", "warns"
	}
	short := fmt.Sprintf("Policy rule %s", ruleID(f))
	for _, key := range []string{"title", "description"} {
		if s, ok := f.Metadata[key].(string); ok && s != "" {
			short = s
			break
		}
	}
	help := fmt.Sprintf("Rego rule data.%s %s when it produces a message.", ruleID(f), effect)
	if l := f.Location; l != nil && l.File != "" && l.Workspace {
		help += " Defined at " + locationString(l) + "."
	}
	help += fmt.Sprintf(" To accept a finding, add an exception rule in package %s that names %q;"+
		" an expiry date makes the waiver temporary.", f.Package, exceptionName(f.Rule))
	run.AddRule(ruleID(f)).
		WithName(f.Rule).
		WithShortDescription(sarif.NewMultiformatMessageString(short)).
		WithTextHelp(help).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level)).
		WithProperties(sarif.Properties{"tags": []string{"slipway", "policy", f.Package}})
}

// exceptionName is the name an exception rule uses for rule: conftest's
// convention drops the deny_/violation_/warn_ prefix, and a bare deny is "".
func exceptionName(rule string) string {
	for _, prefix := range []string{"deny", "violation", "warn"} {
		if rule == prefix {
			return ""
		}
		if name, ok := strings.CutPrefix(rule, prefix+"_"); ok {
			return name
		}
	}
	return rule
}

func ruleIndex(run *sarif.Run, id string) int {
	return slices.IndexFunc(run.Tool.Driver.Rules, func(r *sarif.ReportingDescriptor) bool { return r.ID == id })
}

func artifactLocation(uri string) *sarif.Location {
	return sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(filepath.ToSlash(uri))))
}

func policyLocation(l *policy.Location) *sarif.Location {
	loc := artifactLocation(l.File)
	if l.Row > 0 {
		region := sarif.NewRegion().WithStartLine(l.Row)
		if l.Col > 0 {
			region.WithStartColumn(l.Col)
		}
		loc.PhysicalLocation.WithRegion(region)
	}
	return loc
}

func notifications(expired []policy.Waiver, at time.Time) []*sarif.Notification {
	var out []*sarif.Notification
	for _, e := range split(policy.Result{Expired: expired}).expired {
		n := sarif.NewNotification().WithLevel("warning").WithTextMessage(expiredNote(e) + " (" + e.Package + ")")
		if !at.IsZero() {
			t := at.UTC()
			n.WithTimeUTC(&t)
		}
		out = append(out, n)
	}
	return out
}

// guidOf shapes a fingerprint as the RFC 4122 (version 5 style) GUID the
// schema asks for, so a suppression's guid is stable across runs.
func guidOf(fp string) string {
	b := []byte(fp[:32])
	b[12] = '5'
	b[16] = "89ab"[strings.IndexByte("0123456789abcdef", b[16])%4]
	return fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32])
}

func writeSARIF(w io.Writer, run *sarif.Run) error {
	doc, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	doc.AddRun(run)
	var b strings.Builder
	if err := doc.PrettyWrite(&b); err != nil {
		return err
	}
	b.WriteString("\n")
	return write(w, b.String())
}
