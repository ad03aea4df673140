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

func wassersteinSorted(x, y []float64) float64 {
	all := make([]float64, 0, len(x)+len(y))
	all = append(append(all, x...), y...)
	slices.Sort(all)
	n1, n2 := float64(len(x)), float64(len(y))
	var i, j int
	var sum float64
	for k := 0; k+1 < len(all); k++ {
		v := all[k]
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		sum += math.Abs(float64(i)/n1-float64(j)/n2) * (all[k+1] - v)
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
