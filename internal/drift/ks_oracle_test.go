package drift

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ksOracle is scipy's ks_2samp(a, b) (method='auto') for each pair.
const ksOracle = `
import json, sys
import numpy as np
from scipy import stats
out = []
for a, b in json.load(open(sys.argv[1])):
    r = stats.ks_2samp(np.array(a), np.array(b))
    out.append([float(r.statistic), float(r.pvalue)])
json.dump(out, sys.stdout)
`

// TestKSBranchesMatchScipy covers the branches of ks_2samp's p-value that
// the data sets do not reach: equal sizes at the exact limit (the square
// method with n = 10,000), large unequal sizes sharing a divisor and
// coprime ones (the inside method over a large lattice), shifts so large
// that the exact p-value is below 1e-40 (both methods), identical samples
// (h = 0: p = 1), ties, and one past the exact limit (asymptotic from the
// start).
func TestKSBranchesMatchScipy(t *testing.T) {
	needScipy(t)
	r := rand.New(rand.NewPCG(7, 11))
	normal := func(n int, mean, sd float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Round((mean+sd*r.NormFloat64())*1e6) / 1e6
		}
		return x
	}
	same := normal(300, 0, 1)
	cases := []struct {
		name string
		a, b []float64
	}{
		{"square n=10000", normal(10000, 0, 1), normal(10000, 0.03, 1)},
		{"inside gcd 1000 (6000, 9000)", normal(6000, 0, 1), normal(9000, 0.05, 1)},
		{"inside coprime (9973, 7919)", normal(9973, 0, 1), normal(7919, 0.02, 1.05)},
		{"inside, p tiny (8000, 9999)", normal(8000, 0, 1), normal(9999, 0.5, 1)},
		{"square, p tiny (4000, 4000)", normal(4000, 0, 1), normal(4000, 0.4, 1)},
		{"h=0: identical", same, same},
		{"small unequal (7, 13)", normal(7, 0, 1), normal(13, 1, 1)},
		{"asymp past the limit (10001, 500)", normal(10001, 0, 1), normal(500, 0.1, 1)},
		{"ties (3000, 2000)", roundTo(normal(3000, 0, 1), 0.5), roundTo(normal(2000, 0.1, 1), 0.5)},
	}
	pairs := make([][2][]float64, len(cases))
	for i, c := range cases {
		pairs[i] = [2][]float64{c.a, c.b}
	}
	in := filepath.Join(t.TempDir(), "pairs.json")
	b, err := json.Marshal(pairs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", ksOracle, in).Output()
	if err != nil {
		t.Fatalf("scipy: %v", err)
	}
	var want [][2]float64
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("scipy's output %q: %v", out, err)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := KS2Samp(c.a, c.b)
			if d := math.Abs(got.Statistic - want[i][0]); d > 1e-12 {
				t.Errorf("KS2Samp statistic = %.17g, scipy %.17g", got.Statistic, want[i][0])
			}
			p, wp := got.PValue, want[i][1]
			if !(p == wp || math.Abs(p-wp) <= 1e-6*math.Abs(wp) || (p < 1e-300 && wp < 1e-300)) {
				t.Errorf("KS2Samp p-value = %.17g (%s), scipy %.17g", p, got.Method, wp)
			}
			t.Logf("D=%.6g p=%.6g method=%s", got.Statistic, p, got.Method)
		})
	}
}

func roundTo(x []float64, step float64) []float64 {
	for i := range x {
		x[i] = math.Round(x[i]/step) * step
	}
	return x
}
