package drift

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ChiSquare is a chi-square test of independence.
type ChiSquare struct {
	Statistic float64
	PValue    float64
	DoF       int
}

// ChiSquare2xK is scipy.stats.chi2_contingency([ref, cur]) with its
// default Yates correction: ref and cur are the counts of the same k
// categories; every category must be seen in at least one of them.
func ChiSquare2xK(ref, cur []float64) ChiSquare {
	k := len(ref)
	dof := k - 1
	if dof <= 0 {
		return ChiSquare{Statistic: 0, PValue: 1, DoF: 0}
	}
	var rs, cs float64
	for i := range k {
		rs += ref[i]
		cs += cur[i]
	}
	total := rs + cs
	var stat float64
	for _, row := range []struct {
		obs []float64
		sum float64
	}{{ref, rs}, {cur, cs}} {
		for i := range k {
			exp := row.sum * (ref[i] + cur[i]) / total
			obs := row.obs[i]
			if dof == 1 {
				diff := exp - obs
				obs += min(0.5, math.Abs(diff)) * sign(diff)
			}
			stat += (obs - exp) * (obs - exp) / exp
		}
	}
	p := distuv.ChiSquared{K: float64(dof)}.Survival(stat)
	return ChiSquare{Statistic: stat, PValue: p, DoF: dof}
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
