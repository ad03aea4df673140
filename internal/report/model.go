package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway/internal/gate"
)

// modelLabel is how people name a model: "iris-classifier 1.1.0".
func modelLabel(m gate.ModelRef) string {
	return strings.TrimSpace(m.Name + " " + m.Version)
}

// modelLocation names the model where a report needs a location and no
// policy file is known.
func modelLocation(m gate.ModelRef) string {
	switch {
	case m.Reference != "":
		return m.Reference
	case m.Digest != "":
		return m.Name + "@" + m.Digest
	}
	return m.Name
}

// Metric values are shown with four decimals everywhere, so columns line
// up and a delta reads at the precision it was compared with.
func value(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }

func signed(x float64) string {
	if x == 0 || math.IsNaN(x) {
		return value(x)
	}
	if x > 0 {
		return "+" + value(x)
	}
	return value(x)
}

// delta is the row's delta, or "" when there is no baseline value.
func delta(r gate.MetricRow) string {
	switch {
	case r.Delta != nil:
		return signed(*r.Delta)
	case r.Baseline != nil:
		return signed(r.Candidate - *r.Baseline)
	}
	return ""
}

func baselineValue(r gate.MetricRow) string {
	if r.Baseline == nil {
		return ""
	}
	return value(*r.Baseline)
}

// met reports whether the candidate is within the threshold.
func met(r gate.MetricRow) bool {
	t := r.Threshold
	switch t.Op {
	case "<=":
		return r.Candidate <= t.Value
	case "<":
		return r.Candidate < t.Value
	case ">":
		return r.Candidate > t.Value
	}
	return r.Candidate >= t.Value
}

func itoa(n int) string { return strconv.Itoa(n) }
