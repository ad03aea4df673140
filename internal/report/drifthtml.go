package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway/internal/drift"
)

//go:embed drift.html.tmpl
var driftTemplateText string

// driftTemplate escapes every name and category: they come from the data's
// header and cells, which anyone who supplies data controls.
var driftTemplate = template.Must(template.New("drift").Parse(driftTemplateText))

// Chart geometry, in SVG user units.
const (
	chartWidth  = 520.0
	chartHeight = 150.0 // the bars' area
	chartLabels = 36.0  // two rows of labels below it
	chartLeft   = 10.0
	// maxCategories is how many categories a chart draws; the rest share
	// one bar, so a column of IDs still draws a readable chart.
	maxCategories = 30
)

type htmlReport struct {
	Name, Icon, Title, Counts  string
	Reference, Current         string
	ReferenceRows, CurrentRows int
	Features                   []htmlFeature
	OnlyInReference            []string
	OnlyInCurrent              []string
	PSI, Alpha                 string
	Tested                     int
	Model                      *htmlModel
	Approximate                string
}

// htmlModel is the model section: verdict, predictions, metrics.
type htmlModel struct {
	Verdict, Task, Target string
	Rows                  int
	Baseline              string
	Metrics               []modelRow
	Notes                 []string
}

type htmlFeature struct {
	Name, Kind, Test, Method         string
	Statistic, PValue, PSI, JS, DoF  string
	Wasserstein, WassersteinNorm     string
	ReferenceCount, CurrentCount     int
	ReferenceMissing, CurrentMissing int
	Drifted                          bool
	Reasons, Unseen                  []string
	Skipped                          string
	Chart                            *svgChart
}

type svgChart struct {
	Width, Height, Base string
	Bars                []svgBar
	Labels              []svgLabel
}

type svgBar struct {
	X, W, RefY, RefH, CurY, CurH string
	Title                        string
}

type svgLabel struct {
	X, Y, Text string
}

// DriftHTML writes the drift report as one self-contained HTML file: no
// script, no external asset; per feature, sorted by severity, its
// statistics beside the reference's and the current data's histograms
// overlaid as inline SVG (numeric: the deciles PSI uses; categorical: the
// categories), in proportions so sides of different sizes compare.
func DriftHTML(w io.Writer, res *drift.Result) error {
	icon, title, counts := driftVerdict(res)
	r := htmlReport{
		Name: DriftName(res), Icon: icon, Title: title, Counts: counts,
		Reference: res.Reference, Current: strings.Join(res.Current, ", "),
		ReferenceRows: res.ReferenceRows, CurrentRows: res.CurrentRows,
		OnlyInReference: res.OnlyInReference, OnlyInCurrent: res.OnlyInCurrent,
		PSI: g4(res.Thresholds.PSI), Alpha: g4(res.Thresholds.Alpha), Tested: max(res.Tested, 1),
	}
	if res.ReferenceFile != "" {
		r.Reference += " (" + res.ReferenceFile + ")"
	}
	if m := res.Model; m != nil {
		r.Model = &htmlModel{Verdict: modelVerdict(m), Task: m.Task, Target: m.Target, Rows: m.Rows,
			Baseline: m.Baseline, Metrics: modelRows(m), Notes: m.Notes}
		r.Features = append(r.Features, htmlFeatureOf("prediction "+m.Prediction+" (reference: "+m.PredictionReference+")", m.PredictionDrift))
	}
	for _, n := range bySeverity(res) {
		r.Features = append(r.Features, htmlFeatureOf(n, res.Features[n]))
	}
	if approx := res.ApproximateFeatures(); len(approx) > 0 {
		r.Approximate = fmt.Sprintf("≈ approximate (more than %d values on a side: quantile sketch, each value within %g%%, KS p-value asymptotic): %s",
			res.ExactLimit, 100*res.SketchAccuracy, strings.Join(approx, ", "))
	}
	return driftTemplate.Execute(w, r)
}

func htmlFeatureOf(name string, f *drift.Feature) htmlFeature {
	h := htmlFeature{
		Name: name, Kind: f.Kind, Test: f.Test, Method: f.Method + map[bool]string{true: ", approximate"}[f.Approximate],
		Statistic: g4(f.Statistic), PValue: strconv.FormatFloat(f.PValue, 'g', 3, 64), PSI: g4(f.PSI), JS: g4(f.JS),
		ReferenceCount: f.ReferenceCount, CurrentCount: f.CurrentCount,
		ReferenceMissing: f.ReferenceMissing, CurrentMissing: f.CurrentMissing,
		Drifted: f.Drifted, Reasons: f.Reasons, Unseen: f.UnseenCategories, Skipped: f.Skipped,
	}
	if f.DoF > 0 {
		h.DoF = strconv.Itoa(f.DoF)
	}
	if f.Wasserstein != nil {
		h.Wasserstein = g4(*f.Wasserstein)
	}
	if f.WassersteinNorm != nil {
		h.WassersteinNorm = g4(*f.WassersteinNorm)
	}
	if d := f.Distribution; d != nil && len(d.Reference) > 0 {
		h.Chart = chartOf(d)
	}
	return h
}

// bin is one bar: its label and both sides' counts.
type bin struct {
	label    string
	ref, cur int
}

// binsOf labels a distribution's bins: numeric bins by their edges
// (the outer ones end at the data's min and max), categories by name.
func binsOf(d *drift.Distribution) []bin {
	out := make([]bin, len(d.Reference))
	for i := range out {
		out[i] = bin{ref: d.Reference[i], cur: d.Current[i]}
		switch {
		case d.Categories != nil:
			out[i].label = d.Categories[i]
		default:
			lo, hi := "−∞", "+∞"
			if d.Min != nil {
				lo = g3(*d.Min)
			}
			if d.Max != nil {
				hi = g3(*d.Max)
			}
			if i > 0 {
				lo = g3(d.Edges[i-1])
			}
			if i < len(d.Edges) {
				hi = g3(d.Edges[i])
			}
			end := ")"
			if i == len(d.Edges) {
				end = "]" // the last bin holds the maximum
			}
			out[i].label = "[" + lo + ", " + hi + end
		}
	}
	if d.Categories != nil && len(out) > maxCategories {
		out = topCategories(out)
	}
	return out
}

// topCategories keeps the maxCategories−1 categories largest on either
// side, in their order, and adds up the others in one last bar.
func topCategories(bins []bin) []bin {
	var refTotal, curTotal int
	for _, b := range bins {
		refTotal += b.ref
		curTotal += b.cur
	}
	share := func(b bin) float64 {
		return max(float64(b.ref)/float64(max(refTotal, 1)), float64(b.cur)/float64(max(curTotal, 1)))
	}
	order := make([]int, len(bins))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		sa, sb := share(bins[a]), share(bins[b])
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	keep := map[int]bool{}
	for _, i := range order[:maxCategories-1] {
		keep[i] = true
	}
	var out []bin
	rest := bin{}
	for i, b := range bins {
		if keep[i] {
			out = append(out, b)
			continue
		}
		rest.ref += b.ref
		rest.cur += b.cur
	}
	rest.label = fmt.Sprintf("(%d others)", len(bins)-len(out))
	return append(out, rest)
}

// chartOf draws the two histograms in proportions, overlaid: the
// reference and the current bar of a bin share its slot.
func chartOf(d *drift.Distribution) *svgChart {
	bins := binsOf(d)
	var refTotal, curTotal int
	for _, b := range bins {
		refTotal += b.ref
		curTotal += b.cur
	}
	refP := func(b bin) float64 { return float64(b.ref) / float64(max(refTotal, 1)) }
	curP := func(b bin) float64 { return float64(b.cur) / float64(max(curTotal, 1)) }
	top := 0.0
	for _, b := range bins {
		top = max(top, refP(b), curP(b))
	}
	if top == 0 {
		top = 1
	}
	slot := (chartWidth - 2*chartLeft) / float64(len(bins))
	c := &svgChart{Width: f1(chartWidth), Height: f1(chartHeight + chartLabels), Base: f1(chartHeight)}
	for i, b := range bins {
		x := chartLeft + float64(i)*slot
		rh, ch := chartHeight*refP(b)/top, chartHeight*curP(b)/top
		c.Bars = append(c.Bars, svgBar{
			X: f1(x + 0.1*slot), W: f1(0.8 * slot),
			RefY: f1(chartHeight - rh), RefH: f1(rh), CurY: f1(chartHeight - ch), CurH: f1(ch),
			Title: fmt.Sprintf("%s: reference %d (%.1f%%), current %d (%.1f%%)", b.label, b.ref, 100*refP(b), b.cur, 100*curP(b)),
		})
		label := b.label
		if d.Categories == nil {
			// A numeric bin is labelled by its lower edge, at its left.
			label, _, _ = strings.Cut(strings.TrimPrefix(label, "["), ",")
		} else if r := []rune(label); len(r) > 12 {
			label = string(r[:11]) + "…"
		}
		y := chartHeight + 14
		if i%2 == 1 {
			y += 14
		}
		lx := x + slot/2
		if d.Categories == nil {
			lx = x
		}
		c.Labels = append(c.Labels, svgLabel{X: f1(lx), Y: f1(y), Text: label})
	}
	return c
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func g3(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
