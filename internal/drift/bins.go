package drift

import (
	"math"
	"slices"
	"sort"
)

// PSIFloor is the smallest proportion PSI uses, so that an empty bin costs
// a finite amount instead of an infinite one.
const PSIFloor = 1e-4

// DecileEdges returns the inner bin edges of a sorted reference: its
// deciles as numpy.quantile(ref, [0.1, …, 0.9]) computes them (linear
// interpolation), duplicates merged (numpy.unique).
func DecileEdges(sorted []float64) []float64 {
	edges := make([]float64, 0, 9)
	for i := 1; i <= 9; i++ {
		edges = append(edges, quantileLinear(sorted, float64(i)/10))
	}
	return slices.Compact(edges)
}

// quantileLinear is numpy's 'linear' quantile (method 7), with numpy's
// virtual index and its lerp, so an edge lands on a data value exactly
// when numpy's does.
func quantileLinear(sorted []float64, q float64) float64 {
	n := float64(len(sorted))
	virtual := (n - 1) * q
	prev := math.Floor(virtual)
	gamma := virtual - prev
	lo := int(min(max(prev, 0), n-1))
	hi := int(min(max(prev+1, 0), n-1))
	if virtual < 0 {
		lo, hi, gamma = 0, 0, 0
	} else if virtual >= n-1 {
		lo, hi, gamma = len(sorted)-1, len(sorted)-1, 0
	}
	a, b := sorted[lo], sorted[hi]
	diff := b - a
	if gamma >= 0.5 {
		return b - diff*(1-gamma)
	}
	return a + diff*gamma
}

// Histogram counts values in the bins (−∞, e₀), [e₀, e₁), …, [e_k, +∞):
// numpy.histogram's half-open bins, so a value equal to an inner edge
// counts in the bin above it.
func Histogram(values, inner []float64) []float64 {
	counts := make([]float64, len(inner)+1)
	for _, v := range values {
		counts[sort.Search(len(inner), func(i int) bool { return inner[i] > v })]++
	}
	return counts
}

// Proportions divides counts by their sum.
func Proportions(counts []float64) []float64 {
	var total float64
	for _, c := range counts {
		total += c
	}
	p := make([]float64, len(counts))
	for i, c := range counts {
		p[i] = c / total
	}
	return p
}

// PSI is the population stability index Σ (c−r)·ln(c/r) of two proportion
// vectors, each proportion floored at PSIFloor.
func PSI(ref, cur []float64) float64 {
	var s float64
	for i := range ref {
		r, c := max(ref[i], PSIFloor), max(cur[i], PSIFloor)
		s += (c - r) * math.Log(c/r)
	}
	return s
}

// JensenShannon is scipy.spatial.distance.jensenshannon(p, q, base=2): the
// square root of the Jensen–Shannon divergence in bits, after normalizing
// p and q to sum 1.
func JensenShannon(p, q []float64) float64 {
	p, q = Proportions(p), Proportions(q)
	var js float64
	for i := range p {
		m := (p[i] + q[i]) / 2
		js += relEntr(p[i], m) + relEntr(q[i], m)
	}
	js /= math.Ln2
	return math.Sqrt(js / 2)
}

// relEntr is scipy.special.rel_entr.
func relEntr(x, y float64) float64 {
	switch {
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	default:
		return math.Inf(1)
	}
}
