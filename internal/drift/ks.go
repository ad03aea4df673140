package drift

import (
	"math"
	"slices"
)

// MaxExactKS is scipy's MAX_AUTO_N: ks_2samp's method='auto' computes the
// exact p-value when neither sample is larger, the asymptotic one otherwise.
const MaxExactKS = 10000

// KS is a two-sample Kolmogorov–Smirnov test.
type KS struct {
	// Statistic is sup |F_ref(x) − F_cur(x)| over the pooled values.
	Statistic float64
	// PValue is the two-sided p-value.
	PValue float64
	// Method is "exact" or "asymp", as scipy chose it.
	Method string
}

// KS2Samp is scipy.stats.ks_2samp(a, b) with alternative='two-sided' and
// method='auto'. a and b must be non-empty and free of NaN; they are not
// modified.
func KS2Samp(a, b []float64) KS {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return ks2SampSorted(x, y)
}

func ks2SampSorted(x, y []float64) KS {
	n1, n2 := len(x), len(y)
	d := ksStatistic(x, y)
	method := "exact"
	if max(n1, n2) > MaxExactKS {
		method = "asymp"
	}
	var p float64
	if method == "exact" {
		var ok bool
		if p, ok = ksExact(n1, n2, d); !ok {
			method = "asymp"
		}
	}
	if method == "asymp" {
		m, n := float64(max(n1, n2)), float64(min(n1, n2))
		en := m * n / (m + n)
		p = kolmogorovSF(int(math.RoundToEven(en)), d)
	}
	return KS{Statistic: d, PValue: clip01(p), Method: method}
}

// ksStatistic walks both sorted samples once: at every pooled value the
// empirical CDFs (right-continuous) are compared.
func ksStatistic(x, y []float64) float64 {
	n1, n2 := float64(len(x)), float64(len(y))
	var i, j int
	var maxS, minS float64
	for i < len(x) || j < len(y) {
		var v float64
		switch {
		case i == len(x):
			v = y[j]
		case j == len(y):
			v = x[i]
		default:
			v = min(x[i], y[j])
		}
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		diff := float64(i)/n1 - float64(j)/n2
		maxS = max(maxS, diff)
		minS = max(minS, -diff)
	}
	return max(min(maxS, 1), min(minS, 1))
}

// ksExact is scipy's _attempt_exact_2kssamp for the two-sided test; ok is
// false when the computation left [0, 1] (scipy then goes asymptotic).
func ksExact(n1, n2 int, d float64) (float64, bool) {
	g := gcd(n1, n2)
	lcm := float64(n1/g) * float64(n2)
	h := int(math.RoundToEven(d * lcm))
	if h == 0 {
		return 1, true
	}
	var p float64
	if n1 == n2 {
		p = probOutsideSquare(n1, h)
	} else {
		p = outerProbInside(n1, n2, g, h)
	}
	if math.IsNaN(p) || math.IsInf(p, 0) || p < 0 || p > 1 {
		return p, false
	}
	return p, true
}

// probOutsideSquare is scipy's _compute_prob_outside_square:
// Pr(D_{n,n} ≥ h/n), by a Horner-like scheme that avoids cancellation.
func probOutsideSquare(n, h int) float64 {
	var p float64
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		p = p1 * (1 - p)
	}
	return 2 * p
}

// outerProbInside is scipy's _compute_outer_prob_inside_method (Hodges'
// inside method, Viehmann's recursion for 1 − p): the share of lattice
// paths from (0,0) to (m,n) that leave |x/m − y/n| < h/lcm(m,n).
func outerProbInside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	minj, maxj := 0, min(int(math.Ceil(float64(h)/float64(mg))), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	a := make([]float64, lenA)
	for i := range a {
		a[i] = 1
	}
	for i := minj; i < maxj; i++ {
		a[i] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = max(int(math.Floor(float64(ng*i-h)/float64(mg)))+1, 0)
		minj = min(minj, n)
		maxj = min(int(math.Ceil(float64(ng*i+h)/float64(mg))), n+1)
		if maxj <= minj {
			return 1
		}
		val := 0.0
		if minj != 0 {
			val = 1
		}
		for jj := 0; jj < maxj-minj; jj++ {
			j := jj + minj
			val = (a[jj+minj-lastminj]*float64(i) + val*float64(j)) / float64(i+j)
			a[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			for k := maxj - minj; k < maxj-minj+(lastlen-curlen) && k < len(a); k++ {
				a[k] = 1
			}
		}
	}
	return a[maxj-minj-1]
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func clip01(p float64) float64 { return min(max(p, 0), 1) }
