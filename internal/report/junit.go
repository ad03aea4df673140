package report

import (
	"encoding/xml"
	"io"
	"strings"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

// junitReporter writes JUnit XML for GitHub test-report actions, GitLab's
// test report widget and Jenkins' junit step: one testsuite per policy
// package, one testcase per finding, one passing testcase per package with
// nothing to report.
//
// A warning is a testcase with <skipped message="warning: …">. It must not
// be a <failure>: Jenkins marks the build unstable and GitLab lists it as a
// failed test for a gate that passed. A passed testcase hides it: GitLab
// shows no details for passed tests. <skipped> keeps the gate green in all
// three, counts warnings apart from passes, and GitLab and Jenkins both
// show the skipped message.
//
// A waived finding passes, with the waiver in its system-out (Jenkins shows
// it). A failure's body says which expired exception used to waive it.
type junitReporter struct{}

func (junitReporter) Report(w io.Writer, v *gate.Verdict) error {
	s := split(v.Result)
	suites := junit.Testsuites{Name: "slipway gate " + modelLabel(v.Model)}
	for _, pkg := range packages(v.Result) {
		suite := junit.Testsuite{Name: pkg, Package: pkg, Time: "0.000", ID: len(suites.Suites)}
		setTimestamp(&suite, v.Time)
		addCases(&suite, pkg, s, func(f policy.Finding) bool { return f.Package == pkg })
		setExpired(&suite, s.expired, func(e policy.Waiver) bool { return e.Package == pkg })
		suites.AddSuite(suite)
	}
	return writeJUnit(w, &suites)
}

// ReportFiles writes one testsuite per input file, as conftest's test names
// would group them.
func (junitReporter) ReportFiles(w io.Writer, results []FileResult) error {
	suites := junit.Testsuites{Name: "slipway policy eval"}
	for _, fr := range results {
		suite := junit.Testsuite{Name: fr.File, File: fr.File, Time: "0.000", ID: len(suites.Suites)}
		s := split(fr.Result)
		addCases(&suite, "", s, func(policy.Finding) bool { return true })
		setExpired(&suite, s.expired, func(policy.Waiver) bool { return true })
		suites.AddSuite(suite)
	}
	return writeJUnit(w, &suites)
}

// addCases adds a testcase per finding that keep selects; classname is the
// finding's package. With none, it adds one passing testcase named after
// the suite, so every package shows up as passed.
func addCases(suite *junit.Testsuite, pkg string, s sections, keep func(policy.Finding) bool) {
	for _, f := range s.failures {
		if keep(f) {
			body := []string{f.Message, "", "rule: " + ruleID(f)}
			if l := f.Location; l != nil {
				body = append(body, "defined at: "+locationString(l))
			}
			for _, e := range expiredFor(f, s.expired) {
				body = append(body, expiredNote(e))
			}
			suite.AddTestcase(testcase(f, func(tc *junit.Testcase) {
				tc.Failure = &junit.Result{Message: xmlSafe(firstLine(f.Message)), Type: f.Rule, Data: xmlSafe(strings.Join(body, "\n"))}
			}))
		}
	}
	for _, f := range s.warnings {
		if keep(f) {
			suite.AddTestcase(testcase(f, func(tc *junit.Testcase) {
				tc.Skipped = &junit.Result{Message: xmlSafe("warning: " + firstLine(f.Message)), Data: xmlSafe(f.Message)}
			}))
		}
	}
	for _, f := range s.waived {
		if keep(f) {
			suite.AddTestcase(testcase(f, func(tc *junit.Testcase) {
				tc.Name += " (waived)"
				tc.SystemOut = &junit.Output{Data: xmlSafe(f.Message + "\n" + waiverNote(f.Waived))}
			}))
		}
	}
	if suite.Tests == 0 {
		name := "no failures or warnings"
		classname := pkg
		if classname == "" {
			classname = suite.Name
		}
		suite.AddTestcase(junit.Testcase{Name: name, Classname: classname, Time: "0.000"})
	}
}

// setExpired puts the expired exceptions in the suite's system-out, where
// Jenkins shows them; the failures they no longer waive say so too.
func setExpired(suite *junit.Testsuite, expired []policy.Waiver, keep func(policy.Waiver) bool) {
	var notes []string
	for _, e := range expired {
		if keep(e) {
			notes = append(notes, expiredNote(e))
		}
	}
	if len(notes) > 0 {
		suite.SystemOut = &junit.Output{Data: xmlSafe(strings.Join(notes, "\n"))}
	}
}

func testcase(f policy.Finding, set func(*junit.Testcase)) junit.Testcase {
	tc := junit.Testcase{
		Name:      xmlSafe(f.Rule + ": " + firstLine(f.Message)),
		Classname: xmlSafe(f.Package),
		Time:      "0.000",
	}
	set(&tc)
	return tc
}

func setTimestamp(s *junit.Testsuite, t time.Time) {
	if !t.IsZero() {
		s.SetTimestamp(t.UTC())
	}
}

func locationString(l *policy.Location) string {
	var b strings.Builder
	b.WriteString(l.File)
	if l.Row > 0 {
		b.WriteString(":" + itoa(l.Row))
		if l.Col > 0 {
			b.WriteString(":" + itoa(l.Col))
		}
	}
	return b.String()
}

func writeJUnit(w io.Writer, suites *junit.Testsuites) error {
	var b strings.Builder
	b.WriteString(xml.Header)
	if err := suites.WriteXML(&b); err != nil {
		return err
	}
	return write(w, b.String())
}

// xmlSafe replaces the characters XML 1.0 cannot carry at all (most C0
// controls): encoding/xml escapes attributes but copies CDATA as it is.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
