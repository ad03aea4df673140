package announce

import (
	"bytes"
	"context"
	"io"
	"strconv"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/report"
)

// DefaultDriftReport is where the drift markdown report goes in CI when no
// --report markdown=FILE names a file.
const DefaultDriftReport = "slipway-drift.md"

// DriftOptions say where Drift reports a drift result.
type DriftOptions struct {
	Getenv func(string) string
	// Stderr receives the CI system's workflow commands and the warnings.
	Stderr io.Writer
	// MarkdownReport is the markdown report already written, if any;
	// else one is written to DefaultDriftReport.
	MarkdownReport string
}

// Drift publishes a drift result as Verdict publishes a gate's: outputs
// (drift, share, report; model-drift with --prediction), and the markdown report as the step summary or
// the one merge-request note of this reference (report.DriftMarker).
// Locally it does nothing. Each side channel that fails is a warning on
// o.Stderr; none changes the result or the exit code.
func Drift(ctx context.Context, res *drift.Result, o DriftOptions) {
	platform := ci.Detect(o.Getenv)
	if platform == ci.Local {
		return
	}
	warn := warner(o.Stderr)
	var buf bytes.Buffer
	if err := report.DriftMarkdown(&buf, res); err != nil {
		warn("rendering the drift report", err)
		return
	}
	reportPath := markdownFile(o.MarkdownReport, DefaultDriftReport, buf.Bytes(), warn)
	pub := ci.New(platform, ci.WithWriter(o.Stderr), ci.WithGetenv(o.Getenv))
	outputs := map[string]string{
		"drift": strconv.FormatBool(res.DatasetDrift), "share": strconv.FormatFloat(res.ShareDrifted, 'g', -1, 64),
		"report": reportPath,
	}
	if res.Model != nil {
		outputs["model-drift"] = strconv.FormatBool(res.Model.Drifted)
	}
	if err := pub.SetOutputs(outputs); err != nil {
		warn("setting the outputs", err)
	}
	name := report.DriftName(res)
	if err := pub.Summary(ctx, name, report.DriftMarker(name), buf.String()); err != nil {
		warn("publishing the drift report", err)
	}
}
