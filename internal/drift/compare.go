package drift

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// Compare computes every shared column's statistics and the decision.
// Columns only one side has are listed, not compared. A column numeric on
// one side and categorical on the other is compared as categorical.
func Compare(ref, cur *Table, th Thresholds) *Result {
	res := &Result{
		Current: cur.Sources, ReferenceRows: ref.Rows, CurrentRows: cur.Rows,
		Features: map[string]*Feature{}, Thresholds: th, Columns: []string{},
	}
	for _, rc := range ref.Columns {
		cc := cur.Column(rc.Name)
		if cc == nil {
			res.OnlyInReference = append(res.OnlyInReference, rc.Name)
			continue
		}
		if rc.IsNumeric != cc.IsNumeric {
			rc.toCategorical()
			cc.toCategorical()
		}
		res.Columns = append(res.Columns, rc.Name)
	}
	features := make([]*Feature, len(res.Columns))
	parallel(len(res.Columns), func(i int) {
		name := res.Columns[i]
		features[i] = compareColumn(ref.Column(name), cur.Column(name))
	})
	for i, name := range res.Columns {
		res.Features[name] = features[i]
	}
	for _, cc := range cur.Columns {
		if ref.Column(cc.Name) == nil {
			res.OnlyInCurrent = append(res.OnlyInCurrent, cc.Name)
		}
	}
	decide(res)
	return res
}

// parallel runs do(0…n−1) on as many goroutines as there are CPUs.
func parallel(n int, do func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				do(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func compareColumn(rc, cc *Column) *Feature {
	f := &Feature{
		Kind: rc.kind(), ReferenceCount: rc.Count(), CurrentCount: cc.Count(),
		ReferenceMissing: rc.Missing, CurrentMissing: cc.Missing,
	}
	if f.ReferenceCount == 0 || f.CurrentCount == 0 {
		f.Skipped = "no values on one side (all missing)"
		return f
	}
	switch {
	case rc.IsNumeric && (rc.sketch != nil || cc.sketch != nil):
		numericApprox(f, rc.sketchOf(), cc.sketchOf())
	case rc.IsNumeric:
		numeric(f, rc.Numeric, cc.Numeric)
	default:
		categorical(f, rc.Categories, cc.Categories)
	}
	return f
}

func numeric(f *Feature, ref, cur []float64) {
	x, y := slices.Clone(ref), slices.Clone(cur)
	slices.Sort(x)
	slices.Sort(y)
	ks := ks2SampSorted(x, y)
	f.Test, f.Method, f.Statistic, f.PValue = "ks", ks.Method, ks.Statistic, ks.PValue
	p := ks.PValue
	f.KSPValue = &p
	w := wassersteinSorted(x, y)
	f.Wasserstein = &w
	if sd := Std(x); sd > 0 {
		wn := w / sd
		f.WassersteinNorm = &wn
	}
	edges := DecileEdges(x)
	rh, ch := Histogram(x, edges), Histogram(y, edges)
	rp, cp := Proportions(rh), Proportions(ch)
	f.Bins, f.PSI, f.JS = len(rp), PSI(rp, cp), JensenShannon(rp, cp)
	lo, hi := min(x[0], y[0]), max(x[len(x)-1], y[len(y)-1])
	f.Distribution = &Distribution{Edges: edges, Min: &lo, Max: &hi, Reference: ints(rh), Current: ints(ch)}
}

// ints converts counts, which are whole numbers, to ints.
func ints(counts []float64) []int {
	out := make([]int, len(counts))
	for i, c := range counts {
		out[i] = int(c)
	}
	return out
}

// CategoryCounts lays ref's and cur's category counts over the union of
// their categories, sorted; unseen are the current's categories absent
// from ref.
func CategoryCounts(rm, cm map[string]int) (cats []string, rc, cc []float64, unseen []string) {
	for k := range rm {
		cats = append(cats, k)
	}
	for k := range cm {
		if _, ok := rm[k]; !ok {
			cats = append(cats, k)
			unseen = append(unseen, k)
		}
	}
	sort.Strings(cats)
	sort.Strings(unseen)
	for _, k := range cats {
		rc = append(rc, float64(rm[k]))
		cc = append(cc, float64(cm[k]))
	}
	return cats, rc, cc, unseen
}

func categorical(f *Feature, ref, cur map[string]int) {
	cats, rc, cc, unseen := CategoryCounts(ref, cur)
	chi := ChiSquare2xK(rc, cc)
	f.Test, f.Statistic, f.PValue, f.DoF = "chi2", chi.Statistic, chi.PValue, chi.DoF
	rp, cp := Proportions(rc), Proportions(cc)
	f.Bins, f.PSI, f.JS = len(cats), PSI(rp, cp), JensenShannon(rp, cp)
	f.UnseenCategories = unseen
	f.Distribution = &Distribution{Categories: cats, Reference: ints(rc), Current: ints(cc)}
}

// decide applies the thresholds to every feature, and to the data set.
func decide(res *Result) {
	for _, f := range res.Features {
		if f.Test != "" {
			res.Tested++
		}
	}
	if res.Tested == 0 {
		return
	}
	for _, name := range res.Columns {
		if decideFeature(res.Features[name], res.Thresholds.PSI, res.Thresholds.Alpha, res.Tested) {
			res.Drifted++
		}
	}
	res.ShareDrifted = float64(res.Drifted) / float64(res.Tested)
	res.DatasetDrift = res.ShareDrifted >= res.Thresholds.Share
}

// decideFeature marks f drifted when its PSI reaches psi or its p-value is
// below alpha/tests (Bonferroni), saying why.
func decideFeature(f *Feature, psi, alpha float64, tests int) bool {
	if f.Test == "" {
		return false
	}
	if f.PSI >= psi {
		f.Reasons = append(f.Reasons, fmt.Sprintf("PSI %.4g ≥ %g", f.PSI, psi))
	}
	if a := alpha / float64(tests); f.PValue < a {
		if tests > 1 {
			f.Reasons = append(f.Reasons, fmt.Sprintf("p-value %.3g < %.3g (%g/%d, Bonferroni)", f.PValue, a, alpha, tests))
		} else {
			f.Reasons = append(f.Reasons, fmt.Sprintf("p-value %.3g < %g", f.PValue, a))
		}
	}
	f.Drifted = len(f.Reasons) > 0
	return f.Drifted
}
