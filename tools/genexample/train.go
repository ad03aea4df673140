package main

import (
	"math"
)

// The training recipe. Changing any of these changes every output file.
const (
	learningRate = 0.1  // step size of full-batch gradient descent
	epochs       = 1000 // passes over the training rows, one step each
	testEvery    = 5    // row i (0-based) is a test row when i%testEvery == testEvery-1
)

// model is what model.safetensors holds. Parameters are float32, the dtype
// written; evaluation uses these rounded values, so eval.json describes the
// shipped file rather than the float64 weights training ended with.
type model struct {
	weight [][]float32 // [class][feature], on standardised features
	bias   []float32   // [class]
	mean   []float32   // [feature], subtracted from the raw input
	std    []float32   // [feature], then divided into it
}

// split puts every testEvery-th row in the test set. Iris lists 50 rows of
// each class in turn, so both sets keep the classes in equal proportion.
func split(ds *dataset) (train, test *dataset) {
	train, test = &dataset{}, &dataset{}
	for i := range ds.y {
		s := train
		if i%testEvery == testEvery-1 {
			s = test
		}
		s.x = append(s.x, ds.x[i])
		s.y = append(s.y, ds.y[i])
	}
	return train, test
}

// fit trains softmax regression on ds: features standardised with the
// training rows' mean and population standard deviation, zero-initialised
// parameters, and epochs steps down the gradient of the mean cross-entropy.
// The loops visit rows, classes and features in a fixed order and avoid
// platform-dependent rounding (see exp), so the result is the same on every
// run and every machine.
func fit(ds *dataset) *model {
	n, d, k := len(ds.y), len(featureNames), len(classNames)

	mean, std := make([]float64, d), make([]float64, d)
	for j := range d {
		for _, x := range ds.x {
			mean[j] += x[j]
		}
		mean[j] /= float64(n)
		for _, x := range ds.x {
			std[j] += float64((x[j] - mean[j]) * (x[j] - mean[j])) // see exp: no fused multiply-add
		}
		std[j] = math.Sqrt(std[j] / float64(n))
	}
	z := make([][]float64, n)
	for i, x := range ds.x {
		z[i] = make([]float64, d)
		for j := range d {
			z[i][j] = (x[j] - mean[j]) / std[j]
		}
	}

	w, b := matrix(k, d), make([]float64, k)
	gw, gb := matrix(k, d), make([]float64, k)
	p := make([]float64, k)
	for range epochs {
		for c := range k {
			clear(gw[c])
		}
		clear(gb)
		for i := range n {
			softmax(p, w, b, z[i])
			for c := range k {
				g := p[c]
				if c == ds.y[i] {
					g--
				}
				gb[c] += g
				for j := range d {
					gw[c][j] += float64(g * z[i][j])
				}
			}
		}
		for c := range k {
			b[c] -= learningRate * gb[c] / float64(n)
			for j := range d {
				w[c][j] -= learningRate * gw[c][j] / float64(n)
			}
		}
	}

	m := &model{weight: make([][]float32, k), bias: f32(b), mean: f32(mean), std: f32(std)}
	for c := range k {
		m.weight[c] = f32(w[c])
	}
	return m
}

// predict returns the class probabilities for one raw (unstandardised) row.
func (m *model) predict(x []float64) []float64 {
	d, k := len(m.mean), len(m.bias)
	z := make([]float64, d)
	for j := range d {
		z[j] = (x[j] - float64(m.mean[j])) / float64(m.std[j])
	}
	w, b := matrix(k, d), make([]float64, k)
	for c := range k {
		b[c] = float64(m.bias[c])
		for j := range d {
			w[c][j] = float64(m.weight[c][j])
		}
	}
	p := make([]float64, k)
	softmax(p, w, b, z)
	return p
}

// softmax sets p to softmax(w·z + b), shifting the logits by their maximum
// so that exp cannot overflow.
func softmax(p []float64, w [][]float64, b, z []float64) {
	top := math.Inf(-1)
	for c := range p {
		p[c] = b[c]
		for j, zj := range z {
			p[c] += float64(w[c][j] * zj)
		}
		top = max(top, p[c])
	}
	var sum float64
	for c := range p {
		p[c] = exp(p[c] - top)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
}

// exp returns e**x, to within a few ulps, and the same bits on every platform, which math.Exp does
// not promise: it is assembly on amd64 and arm64, and on amd64 it takes a
// different path on CPUs with FMA. Likewise the Go compiler may fuse a*b + c
// into one instruction on arm64 and other platforms, rounding once instead of
// twice; an explicit float64 conversion of the product forbids that, which is
// why the products that are summed in this file are wrapped in float64(...).
// Only IEEE-exact operations remain (+, *, / and power-of-two scaling), so the
// weights, and the committed files, do not depend on the machine that trains.
func exp(x float64) float64 {
	switch {
	case math.IsNaN(x) || x > 710:
		return x * math.Inf(1)
	case x < -746:
		return 0
	}
	// x = k*ln2 + r with |r| <= ln2/2, and e**x = 2**k * e**r. ln2 is split
	// into a part whose product with k is exact and a small correction.
	const ln2Hi, ln2Lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	k := math.Round(x / math.Ln2)
	r := x - float64(k*ln2Hi) - float64(k*ln2Lo)
	// The Taylor series of e**r; for |r| <= ln2/2, 20 terms are below float64's precision.
	sum, term := 1.0, 1.0
	for i := 1; i <= 20; i++ {
		term = float64(term*r) / float64(i)
		sum += term
	}
	return math.Ldexp(sum, int(k))
}

// argmax returns the index of p's largest value, the first if tied.
func argmax(p []float64) int {
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	return best
}

func matrix(rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
	}
	return m
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
