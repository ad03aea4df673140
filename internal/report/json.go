package report

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

// jsonReporter prints the Verdict as one indented document. Field order is
// the struct's, map keys are sorted by encoding/json, and findings and
// expired exceptions are sorted here, so equal verdicts print equal bytes.
type jsonReporter struct{}

func (jsonReporter) Report(w io.Writer, v *gate.Verdict) error {
	sorted := *v
	sorted.Result = sortedResult(v.Result)
	sorted.Metrics = orEmpty(v.Metrics)
	sorted.Policies = orEmpty(v.Policies)
	sorted.Inputs = orEmpty(v.Inputs)
	return writeJSON(w, &sorted)
}

// ReportFiles prints [{"file": …, "result": …}, …].
func (jsonReporter) ReportFiles(w io.Writer, results []FileResult) error {
	sorted := make([]FileResult, len(results))
	for i, fr := range results {
		fr.Result = sortedResult(fr.Result)
		sorted[i] = fr
	}
	return writeJSON(w, sorted)
}

// sortedResult is a copy of r with findings and expired exceptions in
// report order, and [] rather than null for no findings or packages; the
// caller's slices are left alone.
func sortedResult(r policy.Result) policy.Result {
	r.Findings = orEmpty(sortFindings(r.Findings))
	r.Packages = orEmpty(r.Packages)
	if len(r.Expired) > 0 {
		r.Expired = split(r).expired
	}
	return r
}

// orEmpty keeps a list a list in JSON: [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// writeJSON indents with two spaces and leaves <, > and & as they are:
// the document is read by people and by jq, never embedded in HTML.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
