package announce

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/slipwayhq/slipway/internal/atomicfile"
	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/report"
)

// DefaultVerdictReport is where the markdown report goes in CI when no
// --report markdown=FILE names a file.
const DefaultVerdictReport = "slipway-gate.md"

// VerdictOptions say where Verdict reports a gate's result.
type VerdictOptions struct {
	Getenv func(string) string
	// Stderr receives the CI system's workflow commands.
	Stderr io.Writer
	// MarkdownReport is the markdown report already written, if any;
	// else one is written to DefaultVerdictReport.
	MarkdownReport string
	// Attestation is the pinned reference of the stored attestation.
	Attestation string
	// Annotate is false when the verdict was printed as GitHub workflow
	// commands already (--output github).
	Annotate bool
}

// Verdict turns a gate verdict into the CI system's idiom: outputs
// (decision, report, attestation, digest), annotations on the policies'
// lines, and the markdown report as the step summary or the one
// merge-request note of this model. Locally it does nothing.
//
// These are side channels: each that fails (a refused merge-request note,
// an unset GITHUB_STEP_SUMMARY, an unwritable file) is a warning on
// o.Stderr, and the others are still tried. They never change the verdict
// or the exit code, so Verdict returns nothing.
func Verdict(ctx context.Context, v *gate.Verdict, o VerdictOptions) {
	platform := ci.Detect(o.Getenv)
	if platform == ci.Local {
		return
	}
	warn := warner(o.Stderr)
	var buf bytes.Buffer
	md, err := report.New(report.Markdown)
	if err == nil {
		err = md.Report(&buf, v)
	}
	if err != nil {
		warn("rendering the markdown report", err)
		return
	}
	reportPath := markdownFile(o.MarkdownReport, DefaultVerdictReport, buf.Bytes(), warn)
	pub := ci.New(platform, ci.WithWriter(o.Stderr), ci.WithGetenv(o.Getenv))
	if err := pub.SetOutputs(map[string]string{
		"decision": string(v.Decision), "report": reportPath, "attestation": o.Attestation,
		"digest": v.Model.Digest,
	}); err != nil {
		warn("setting the outputs", err)
	}
	if o.Annotate {
		if err := pub.Annotate(Annotations(v.Result.Findings)); err != nil {
			warn("annotating the findings", err)
		}
	}
	if err := pub.Summary(ctx, v.Model.Name, report.Marker(v.Model.Name), buf.String()); err != nil {
		warn("publishing the report", err)
	}
}

// markdownFile is where the markdown report is for later steps: the one
// the user asked for (given), else fallback, written now with md; "" when
// that write fails (a warning).
func markdownFile(given, fallback string, md []byte, warn func(string, error)) string {
	if given != "" {
		return given
	}
	if err := atomicfile.WriteReport(fallback, func(w io.Writer) error { _, err := w.Write(md); return err }); err != nil {
		warn("writing "+fallback, err)
		return ""
	}
	return fallback
}

// warner reports a side channel that failed, as a warning on w.
func warner(w io.Writer) func(what string, err error) {
	return func(what string, err error) {
		fmt.Fprintf(w, "slipway: warning: %s: %v (this does not change the result or the exit code)\n", what, err)
	}
}

// Annotations turns policy findings into CI annotations on the policies'
// files and lines; waived findings become notices so the waiver stays
// visible.
func Annotations(findings []policy.Finding) []ci.Annotation {
	out := make([]ci.Annotation, 0, len(findings))
	for _, f := range findings {
		a := ci.Annotation{Level: ci.LevelWarning, Title: f.Rule, Message: f.Message}
		if f.Package != "" {
			a.Title = f.Package + "." + f.Rule
		}
		switch {
		case f.Waived != nil:
			a.Level, a.Message = ci.LevelNotice, "waived: "+f.Message
		case f.Kind == policy.Failure:
			a.Level = ci.LevelError
		}
		if l := f.Location; l != nil && l.File != "" {
			a.File, a.Line, a.Col = l.File, l.Row, l.Col
		}
		out = append(out, a)
	}
	return out
}

// Outputs sets outputs for later steps or jobs (build's image and digest);
// locally it does nothing. A failure is a warning on stderr, never the
// command's: what was built stays built.
func Outputs(getenv func(string) string, stderr io.Writer, outputs map[string]string) {
	platform := ci.Detect(getenv)
	if platform == ci.Local {
		return
	}
	if err := ci.New(platform, ci.WithWriter(stderr), ci.WithGetenv(getenv)).SetOutputs(outputs); err != nil {
		warner(stderr)("setting the outputs", err)
	}
}
