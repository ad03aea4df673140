package drift

import (
	"math"
	"slices"
)

// Wasserstein is scipy.stats.wasserstein_distance(a, b): the area between
// the two empirical CDFs, ∫ |F_a(x) − F_b(x)| dx.
func Wasserstein(a, b []float64) float64 {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return wassersteinSorted(x, y)
}

// wassersteinSorted walks the pooled values in order (a merge of the two
// sorted samples) and sums |F_x − F_y| times the gap to the next value.
func wassersteinSorted(x, y []float64) float64 {
	n1, n2 := float64(len(x)), float64(len(y))
	var i, j int
	var sum float64
	for i+j+1 < len(x)+len(y) {
		var v float64
		if j >= len(y) || (i < len(x) && x[i] <= y[j]) {
			v = x[i]
		} else {
			v = y[j]
		}
		// Every pooled copy of v gives one term; all but the last have a
		// gap of 0, so they add nothing, and the counts below already
		// include every copy, as the scan over the sorted pool does at
		// v's last copy.
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		if i+j >= len(x)+len(y) {
			break
		}
		next := math.Inf(1)
		if i < len(x) {
			next = x[i]
		}
		if j < len(y) {
			next = min(next, y[j])
		}
		sum += math.Abs(float64(i)/n1-float64(j)/n2) * (next - v)
	}
	return sum
}

// Std is the population standard deviation (numpy.std, ddof=0).
func Std(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return math.Sqrt(ss / float64(len(x)))
}
