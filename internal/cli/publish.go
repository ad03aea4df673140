package cli

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
	"github.com/slipwayhq/slipway/internal/report"
)

// publishVerdict turns the verdict into the CI system's idiom: outputs
// (decision, report, attestation), annotations, and the markdown report as
// the step summary or the one merge-request note of this model.
func publishVerdict(ctx context.Context, v *gate.Verdict, reports []reportFile, attestation, output string, streams IO) error {
	platform := ci.Detect(os.Getenv)
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
	reportPath := ""
	for _, r := range reports {
		if r.format == report.Markdown {
			reportPath = r.path
		}
	}
	if reportPath == "" {
		reportPath = "slipway-gate.md"
		if err := writeFileWith(reportPath, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
			return fmt.Errorf("writing %s: %w", reportPath, err)
		}
	}
	pub := ci.New(platform, ci.WithWriter(streams.Stderr))
	if err := pub.SetOutputs(map[string]string{
		"decision": string(v.Decision), "report": reportPath, "attestation": attestation,
		"digest": v.Model.Digest,
	}); err != nil {
		return err
	}
	if output != report.GitHub { // --output github prints the annotations itself
		if err := pub.Annotate(v.Result.Findings); err != nil {
			return err
		}
	}
	return pub.Summary(ctx, v.Model.Name, report.Marker(v.Model.Name), buf.String())
}

// writeFileWith writes a report atomically, creating its folder.
func writeFileWith(path string, write func(io.Writer) error) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, 0o644, write)
}
