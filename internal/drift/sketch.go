package drift

import (
	"math"
	"slices"
	"sort"

	"github.com/DataDog/sketches-go/ddsketch"
)

// DefaultExactLimit is how many numbers a column holds (8 bytes each)
// before it folds them into a quantile sketch: up to it every statistic is
// exact, beyond it approximate.
const DefaultExactLimit = 1 << 20

// SketchAccuracy is the sketch's relative accuracy α: each value is
// counted in a bucket whose representative is within α·|value| of it
// (DDSketch, logarithmic buckets; values closer to 0 than about 1e-308
// count as 0).
const SketchAccuracy = 0.001

// sketch is a numeric column past the exact limit: a DDSketch of its
// values, with the exact count, mean, variance, min and max beside it.
type sketch struct {
	dd         *ddsketch.DDSketch
	n          int
	mean, m2   float64
	minV, maxV float64
}

func newSketch() *sketch {
	dd, err := ddsketch.LogUnboundedDenseDDSketch(SketchAccuracy)
	if err != nil {
		panic(err) // SketchAccuracy is a valid accuracy
	}
	return &sketch{dd: dd, minV: math.Inf(1), maxV: math.Inf(-1)}
}

// add counts v (finite) in; false when v is beyond what the sketch holds.
func (s *sketch) add(v float64) bool {
	if s.dd.Add(v) != nil {
		return false
	}
	s.n++
	d := v - s.mean // Welford
	s.mean += d / float64(s.n)
	s.m2 += d * (v - s.mean)
	s.minV, s.maxV = min(s.minV, v), max(s.maxV, v)
	return true
}

// std is the population standard deviation, exact.
func (s *sketch) std() float64 { return math.Sqrt(s.m2 / float64(s.n)) }

// weighted is a sorted list of distinct values with their counts: a
// sketch's buckets, or exact values.
type weighted struct {
	values, counts []float64
	n              float64
}

func (s *sketch) weighted() weighted {
	type bin struct{ v, c float64 }
	var bins []bin
	s.dd.ForEach(func(v, c float64) bool {
		bins = append(bins, bin{v, c})
		return false
	})
	slices.SortFunc(bins, func(a, b bin) int { return cmpFloat(a.v, b.v) })
	w := weighted{}
	for _, b := range bins {
		if k := len(w.values); k > 0 && w.values[k-1] == b.v {
			w.counts[k-1] += b.c
		} else {
			w.values, w.counts = append(w.values, b.v), append(w.counts, b.c)
		}
		w.n += b.c
	}
	return w
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sketchOf is the column's sketch, made from its exact values when it has
// none: both sides of a comparison must share the buckets.
func (c *Column) sketchOf() *sketch {
	if c.sketch != nil {
		return c.sketch
	}
	s := newSketch()
	for _, v := range c.Numeric {
		s.add(v)
	}
	return s
}

// numericApprox computes a numeric feature's statistics from both sides'
// sketches: each is exactly the statistic of the values moved to their
// buckets' representatives (within SketchAccuracy relative), except the
// standard deviation, min and max, which are exact. The KS p-value is
// asymptotic (scipy's choice too at these sizes).
func numericApprox(f *Feature, rs, cs *sketch) {
	r, c := rs.weighted(), cs.weighted()
	d, wass := cdfDistances(r, c)
	f.Test, f.Method, f.Statistic, f.Approximate = "ks", "asymp", d, true
	m, n := max(r.n, c.n), min(r.n, c.n)
	f.PValue = clip01(kolmogorovSF(int(math.RoundToEven(m*n/(m+n))), d))
	p := f.PValue
	f.KSPValue = &p
	f.Wasserstein = &wass
	if sd := rs.std(); sd > 0 {
		wn := wass / sd
		f.WassersteinNorm = &wn
	}
	edges := make([]float64, 0, 9)
	for i := 1; i <= 9; i++ {
		edges = append(edges, r.quantile(float64(i)/10))
	}
	edges = slices.Compact(edges)
	rh, ch := r.histogram(edges), c.histogram(edges)
	rp, cp := Proportions(rh), Proportions(ch)
	f.Bins, f.PSI, f.JS = len(rp), PSI(rp, cp), JensenShannon(rp, cp)
	lo, hi := min(rs.minV, cs.minV), max(rs.maxV, cs.maxV)
	f.Distribution = &Distribution{Edges: edges, Min: &lo, Max: &hi, Reference: ints(rh), Current: ints(ch)}
}

// cdfDistances walks both sorted lists once: the KS statistic
// sup |F_r − F_c| and the Wasserstein-1 distance ∫ |F_r − F_c| dx.
func cdfDistances(r, c weighted) (ks, wass float64) {
	var i, j int
	var fr, fc float64
	for i < len(r.values) || j < len(c.values) {
		var v float64
		switch {
		case j >= len(c.values) || (i < len(r.values) && r.values[i] < c.values[j]):
			v = r.values[i]
		default:
			v = c.values[j]
		}
		for i < len(r.values) && r.values[i] == v {
			fr += r.counts[i]
			i++
		}
		for j < len(c.values) && c.values[j] == v {
			fc += c.counts[j]
			j++
		}
		diff := math.Abs(fr/r.n - fc/c.n)
		ks = max(ks, diff)
		next := math.Inf(1)
		if i < len(r.values) {
			next = r.values[i]
		}
		if j < len(c.values) {
			next = min(next, c.values[j])
		}
		if !math.IsInf(next, 1) {
			wass += diff * (next - v)
		}
	}
	return ks, wass
}

// quantile is numpy's linear quantile of the values the list stands for.
func (w weighted) quantile(q float64) float64 {
	virtual := (w.n - 1) * q
	lo := math.Floor(virtual)
	gamma := virtual - lo
	a, b := w.at(lo), w.at(min(lo+1, w.n-1))
	if gamma >= 0.5 {
		return b - (b-a)*(1-gamma)
	}
	return a + (b-a)*gamma
}

// at is the value of 0-based rank k.
func (w weighted) at(k float64) float64 {
	var cum float64
	for i, c := range w.counts {
		if cum += c; k < cum {
			return w.values[i]
		}
	}
	return w.values[len(w.values)-1]
}

// histogram counts the list in Histogram's half-open bins.
func (w weighted) histogram(inner []float64) []float64 {
	counts := make([]float64, len(inner)+1)
	for i, v := range w.values {
		counts[sort.Search(len(inner), func(k int) bool { return inner[k] > v })] += w.counts[i]
	}
	return counts
}
