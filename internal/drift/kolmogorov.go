package drift

import "math"

// kolmogorovSF is Pr(D_n ≥ x) for the one-sample two-sided Kolmogorov
// statistic: scipy.stats.kstwo.sf(x, n), which ks_2samp's asymptotic branch
// evaluates at n = round(n1·n2/(n1+n2)). It follows scipy's _kolmogn
// (Simard & L'Ecuyer 2011): Ruben–Gambino at the ends, 2·smirnov where the
// one-sided tails do not overlap, the Durbin matrix (Marsaglia–Tsang–Wang)
// where it is cheap and Pelz–Good elsewhere. scipy uses Pomeranz's
// recursion for n ≤ 140 and 0.754693 < n·x² ≤ 4; the Durbin matrix
// computes the same exact probability there.
func kolmogorovSF(n int, x float64) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	fn := float64(n)
	t := fn * x
	if t <= 1 {
		if t <= 0.5 {
			return 1
		}
		var p float64
		if n <= 140 {
			p = 1
			for i := 1; i <= n; i++ {
				p *= float64(i) * (1 / fn) * (2*t - 1)
			}
		} else {
			p = math.Exp(logFactorialOverPower(fn) + fn*math.Log(2*t-1))
		}
		return clip01(1 - p)
	}
	if t >= fn-1 {
		return clip01(2 * math.Pow(1-x, fn))
	}
	if x >= 0.5 {
		return clip01(2 * smirnov(n, x))
	}
	nx2 := t * x
	if n <= 140 {
		if nx2 <= 4 {
			return clip01(1 - durbinMatrix(n, x))
		}
		return clip01(2 * smirnov(n, x))
	}
	if nx2 >= 370 {
		return 0
	}
	if nx2 >= 2.2 {
		return clip01(2 * smirnov(n, x))
	}
	var cdf float64
	switch {
	case nx2 >= 18:
		cdf = 1
	case n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4:
		cdf = durbinMatrix(n, x)
	default:
		cdf = pelzGood(n, x)
	}
	return clip01(1 - clip01(cdf))
}

var stirlingCoeffs = []float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

// logFactorialOverPower is log(n!/n^n) by Stirling's series.
func logFactorialOverPower(n float64) float64 {
	rn := 1 / n
	var poly float64
	for _, c := range stirlingCoeffs {
		poly = poly*(rn/n) + c
	}
	return math.Log(n)/2 - n + math.Log(2*math.Pi)/2 + rn*poly
}

// smirnov is the one-sided Pr(D+_n ≥ x), by the exact Birnbaum–Tingey sum
//
//	x · Σ_{j=0}^{⌊n(1−x)⌋} C(n,j) (1−x−j/n)^(n−j) (x+j/n)^(j−1)
//
// with each term taken in logarithms.
func smirnov(n int, x float64) float64 {
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	fn := float64(n)
	lgn, _ := math.Lgamma(fn + 1)
	var sum float64
	last := int(math.Floor(fn * (1 - x)))
	for j := 0; j <= last; j++ {
		fj := float64(j)
		a := 1 - x - fj/fn
		if a <= 0 {
			continue
		}
		lj, _ := math.Lgamma(fj + 1)
		lnj, _ := math.Lgamma(fn - fj + 1)
		l := lgn - lj - lnj + (fn-fj)*math.Log(a) + (fj-1)*math.Log(x+fj/fn)
		sum += math.Exp(l)
	}
	return clip01(x * sum)
}

const (
	scaleExp = 128
	scaleUp  = 3.402823669209385e+38 // 2^128
	scaleDn  = 2.938735877055719e-39 // 2^-128
)

// durbinMatrix is scipy's _kolmogn_DMTW: Pr(D_n ≤ d) as the k-th diagonal
// entry of (n!/n^n)·H^n, scaled by powers of 2^128 along the way.
func durbinMatrix(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	fn := float64(n)
	nd := fn * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1 - math.Pow(h, float64(j))
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] *= fac
	}
	tt := math.Pow(max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac

	hm := newMatrix(m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			hm[r][i] = w[r-(i-1)]
		}
	}
	for r := 0; r < m; r++ {
		hm[r][0] = v[r]
	}
	for c := 0; c < m; c++ {
		hm[m-1][c] = v[m-1-c]
	}
	pw := newMatrix(m)
	for i := range m {
		pw[i][i] = 1
	}
	expnt, hexpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			pw = matmul(pw, hm)
			expnt += hexpnt
		}
		hm = matmul(hm, hm)
		hexpnt *= 2
		if math.Abs(hm[k-1][k-1]) > scaleUp {
			for _, row := range hm {
				for c := range row {
					row[c] /= scaleUp
				}
			}
			hexpnt += scaleExp
		}
	}
	p := pw[k-1][k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / fn
		if math.Abs(p) < scaleDn {
			p *= scaleUp
			expnt -= scaleExp
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

func newMatrix(m int) [][]float64 {
	rows := make([][]float64, m)
	for i := range rows {
		rows[i] = make([]float64, m)
	}
	return rows
}

func matmul(a, b [][]float64) [][]float64 {
	m := len(a)
	c := newMatrix(m)
	for i := range m {
		for k := range m {
			aik := a[i][k]
			if aik == 0 {
				continue
			}
			for j := range m {
				c[i][j] += aik * b[k][j]
			}
		}
	}
	return c
}

// pelzGood is scipy's _kolmogn_PelzGood: the Pelz–Good (1976) approximation
// of Pr(D_n ≤ x).
func pelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	fn := float64(n)
	z := math.Sqrt(fn) * x
	z2, z3, z4, z6 := z*z, z*z*z, z*z*z*z, math.Pow(z, 6)
	pi2, pi4, pi6 := math.Pi*math.Pi, math.Pow(math.Pi, 4), math.Pow(math.Pi, 6)
	qlog := -pi2 / 8 / z2
	if qlog < -708 {
		return 0
	}
	q := math.Exp(qlog)
	k1a, k1b := -z2, pi2/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*math.Pow(z, 8)
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2, m4, m6 := m*m, m*m*m*m, math.Pow(m, 6)
		qp := math.Pow(q, float64(8*k))
		c := [4]float64{1, k1a + k1b*m2, k2a + k2b*m2 + k2c*m4, k3a + k3b*m2 + k3c*m4 + k3d*m6}
		for i := range K {
			K[i] = K[i]*qp + c[i]
		}
	}
	sq2pi := math.Sqrt(2 * math.Pi)
	div := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sq2pi / div[i]
	}
	q = math.Exp(-pi2 / 2 / z2)
	sqrt3z := math.Sqrt(3) * z
	var k2extra, k3extra float64
	for k := maxk; k > 0; k-- {
		fk := float64(k)
		ks2 := fk * fk
		qp := math.Pow(q, ks2)
		kspi := math.Pi * fk
		k2extra += ks2 * qp
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp
	}
	K[2] += k2extra * pi2 * sq2pi / (-36 * z3)
	K[3] += k3extra * pi2 * sq2pi / (216 * z6)
	var sum float64
	for i := range K {
		sum += K[i] / math.Pow(fn, float64(i)/2)
	}
	return sum
}
