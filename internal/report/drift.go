package report

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
)

// HTML is the drift report's self-contained HTML format.
const HTML = "html"

// DriftFormats are the formats of `slipway drift --report`.
func DriftFormats() []string { return []string{JSON, Markdown, HTML} }

// WriteDrift renders a drift result in one of DriftFormats.
func WriteDrift(w io.Writer, format string, res *drift.Result) error {
	switch format {
	case JSON:
		return writeJSON(w, res)
	case Markdown:
		return DriftMarkdown(w, res)
	case HTML:
		return DriftHTML(w, res)
	}
	return fault.Usagef("unknown drift report format %q (want one of %s)", format, strings.Join(DriftFormats(), ", "))
}

// DriftName is what a drift report is about: the reference model without
// its digest and tag (so each version updates the same merge-request
// note), or the reference file's name.
func DriftName(res *drift.Result) string {
	if res.ReferenceFile == "" {
		return filepath.Base(res.Reference)
	}
	name, _, _ := strings.Cut(res.Reference, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return name
}

// DriftMarker is the hidden first line of a drift markdown report, as
// Marker is the gate's: the GitLab adapter finds its note by it.
func DriftMarker(name string) string {
	name = strings.NewReplacer("<", "_", ">", "_", "\r", "_", "\n", "_").Replace(name)
	return "<!-- slipway-drift:" + name + " -->"
}

// bySeverity are a result's features, the drifted first, then by PSI
// descending, the skipped last; ties by name.
func bySeverity(res *drift.Result) []string {
	names := slices.Clone(res.Columns)
	rank := func(f *drift.Feature) int {
		switch {
		case f.Drifted:
			return 0
		case f.Test != "":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(names, func(a, b string) int {
		fa, fb := res.Features[a], res.Features[b]
		return cmp.Or(cmp.Compare(rank(fa), rank(fb)), cmp.Compare(fb.PSI, fa.PSI), strings.Compare(a, b))
	})
	return names
}

// driftVerdict is the one line that says whether the data set drifted.
func driftVerdict(res *drift.Result) (icon, title, counts string) {
	icon, title = "✅", "No dataset drift"
	if res.DatasetDrift {
		icon, title = "❌", "Dataset drift"
	}
	counts = fmt.Sprintf("%d of %s drifted (%.0f%%; the data set drifts at %.0f%%)",
		res.Drifted, english.Plural(res.Tested, "feature", ""), 100*res.ShareDrifted, 100*res.Thresholds.Share)
	return icon, title, counts
}

// DriftMarkdown writes the drift report people read in their pull or merge
// request and in the step summary.
func DriftMarkdown(w io.Writer, res *drift.Result) error {
	var b strings.Builder
	name := DriftName(res)
	icon, title, counts := driftVerdict(res)
	b.WriteString(DriftMarker(name) + "\n")
	fmt.Fprintf(&b, "### %s %s: %s\n\n", icon, title, cell(name))
	fmt.Fprintf(&b, "%s.\n\n", strings.ToUpper(counts[:1])+counts[1:])
	ref := code(res.Reference)
	if res.ReferenceFile != "" {
		ref += " (" + code(res.ReferenceFile) + ")"
	}
	fmt.Fprintf(&b, "Reference %s: %s · current %s: %s\n\n", ref, english.Plural(res.ReferenceRows, "row", ""),
		codes(res.Current), english.Plural(res.CurrentRows, "row", ""))
	b.WriteString("| Feature | Kind | Test | Statistic | p-value | PSI | JS | Missing (ref / cur) | Drifted |\n")
	b.WriteString("|:---|:---|:---|---:|---:|---:|---:|---:|:---|\n")
	for _, n := range bySeverity(res) {
		f := res.Features[n]
		missing := fmt.Sprintf("%d / %d", f.ReferenceMissing, f.CurrentMissing)
		if f.Test == "" {
			fmt.Fprintf(&b, "| %s | %s | – | – | – | – | – | %s | skipped: %s |\n", code(n), f.Kind, missing, cell(f.Skipped))
			continue
		}
		drifted := "no"
		if f.Drifted {
			drifted = "❌ " + cell(strings.Join(f.Reasons, "; "))
		}
		test := f.Test
		if f.Approximate {
			test += " ≈"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", code(n), f.Kind, test,
			g4(f.Statistic), strconv.FormatFloat(f.PValue, 'g', 3, 64), g4(f.PSI), g4(f.JS), missing, drifted)
	}
	var notes []string
	for _, n := range bySeverity(res) {
		if u := res.Features[n].UnseenCategories; len(u) > 0 {
			notes = append(notes, fmt.Sprintf("- %s: categories the reference never has: %s", code(n), codes(u)))
		}
	}
	if approx := res.ApproximateFeatures(); len(approx) > 0 {
		notes = append(notes, fmt.Sprintf("- ≈ Approximate (more than %d values on a side: quantile sketch, each value within %g%%, KS p-value asymptotic): %s",
			res.ExactLimit, 100*res.SketchAccuracy, codes(approx)))
	}
	if len(res.OnlyInReference) > 0 {
		notes = append(notes, "- Only in the reference (not compared): "+codes(res.OnlyInReference))
	}
	if len(res.OnlyInCurrent) > 0 {
		notes = append(notes, "- Only in the current data (not compared): "+codes(res.OnlyInCurrent))
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	if res.Model != nil {
		modelMarkdown(&b, res.Model)
	}
	th := res.Thresholds
	fmt.Fprintf(&b, "\n<sub>slipway drift · a feature drifts at PSI ≥ %g or p-value < %g/%d (Bonferroni)</sub>\n", th.PSI, th.Alpha, max(res.Tested, 1))
	return write(w, b.String())
}

// codes is each string as a code span, comma-separated.
func codes(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return strings.Join(out, ", ")
}

func g4(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
