package announce

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
func Verdict(ctx context.Context, v *gate.Verdict, o VerdictOptions) error {
	platform := ci.Detect(o.Getenv)
	if platform == ci.Local {
		return nil
	}
	md, err := report.New(report.Markdown)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := md.Report(&buf, v); err != nil {
		return err
	}
	reportPath := o.MarkdownReport
	if reportPath == "" {
		reportPath = DefaultVerdictReport
		if err := WriteFile(reportPath, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
			return fmt.Errorf("writing %s: %w", reportPath, err)
		}
	}
	pub := ci.New(platform, ci.WithWriter(o.Stderr), ci.WithGetenv(o.Getenv))
	if err := pub.SetOutputs(map[string]string{
		"decision": string(v.Decision), "report": reportPath, "attestation": o.Attestation,
		"digest": v.Model.Digest,
	}); err != nil {
		return err
	}
	if o.Annotate {
		if err := pub.Annotate(Annotations(v.Result.Findings)); err != nil {
			return err
		}
	}
	return pub.Summary(ctx, v.Model.Name, report.Marker(v.Model.Name), buf.String())
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

// WriteFile writes a report atomically, creating its folder.
func WriteFile(path string, write func(io.Writer) error) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, 0o644, write)
}

// Outputs sets outputs for later steps or jobs (build's image and digest);
// locally it does nothing.
func Outputs(getenv func(string) string, stderr io.Writer, outputs map[string]string) error {
	platform := ci.Detect(getenv)
	if platform == ci.Local {
		return nil
	}
	return ci.New(platform, ci.WithWriter(stderr), ci.WithGetenv(getenv)).SetOutputs(outputs)
}
