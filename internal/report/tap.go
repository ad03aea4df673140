package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/slipwayhq/slipway/internal/gate"
)

// tapReporter writes TAP version 13 the way conftest does: failures, then
// "# warnings" (not ok), "# exceptions" (ok), "# successes" (ok). Unlike
// conftest, several files share one plan, which is what TAP consumers expect.
type tapReporter struct{}

func (t tapReporter) Report(w io.Writer, v *gate.Verdict) error {
	return t.ReportFiles(w, []FileResult{{File: modelLabel(v.Model), Result: v.Result}})
}

func (tapReporter) ReportFiles(w io.Writer, results []FileResult) error {
	var body strings.Builder
	n := 0
	point := func(ok bool, file, pkg, msg string) {
		n++
		status := "ok"
		if !ok {
			status = "not ok"
		}
		desc := []string{file, pkg, msg}
		if pkg == "" {
			desc = []string{file, msg}
		}
		fmt.Fprintf(&body, "%s %d - %s\n", status, n, tapEscape(strings.Join(desc, " - ")))
	}
	for _, fr := range results {
		s := split(fr.Result)
		for _, f := range s.failures {
			point(false, fr.File, f.Package, f.Message)
		}
		if len(s.warnings) > 0 {
			body.WriteString("# warnings\n")
			for _, f := range s.warnings {
				point(false, fr.File, f.Package, f.Message)
			}
		}
		if len(s.waived) > 0 {
			body.WriteString("# exceptions\n")
			for _, f := range s.waived {
				point(true, fr.File, f.Package, f.Message)
			}
		}
		if ok := passed(fr.Result); ok > 0 {
			body.WriteString("# successes\n")
			for range ok {
				point(true, fr.File, "", "SUCCESS")
			}
		}
		for _, e := range s.expired {
			fmt.Fprintf(&body, "# expired: %s - %s - %s\n", fr.File, e.Package, oneLine(expiredNote(e)))
		}
	}
	return write(w, fmt.Sprintf("TAP version 13\n1..%d\n%s", n, body.String()))
}

// tapEscape keeps a description on one line and stops a "#" in a message
// from reading as a TAP directive.
func tapEscape(s string) string {
	return strings.ReplaceAll(oneLine(s), "#", `\#`)
}
