package analysis

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Condition is `result OP NUMBER` or `result[N] OP NUMBER`: the subset of
// Argo Rollouts' expressions that a threshold needs.
type Condition struct {
	// Index is the series the condition reads; -1 is every series.
	Index int     `json:"index"`
	Op    string  `json:"op"`
	Value float64 `json:"value"`
}

var conditionRE = regexp.MustCompile(`^result(?:\[(\d+)\])?\s*(<=|>=|==|!=|<|>)\s*(\S+)$`)

// ParseCondition reads `result[0] < 0.05`, `result >= 0.9` (every series).
func ParseCondition(s string) (Condition, error) {
	m := conditionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Condition{}, fmt.Errorf("%q: want result OP NUMBER or result[N] OP NUMBER, OP one of < <= > >= == != (e.g. result[0] < 0.05)", s)
	}
	c := Condition{Index: -1, Op: m[2]}
	if m[1] != "" {
		c.Index, _ = strconv.Atoi(m[1])
	}
	v, err := strconv.ParseFloat(m[3], 64)
	if err != nil || math.IsNaN(v) {
		return Condition{}, fmt.Errorf("%q: %q is not a number", s, m[3])
	}
	c.Value = v
	return c, nil
}

func (c Condition) String() string {
	lhs := "result"
	if c.Index >= 0 {
		lhs = fmt.Sprintf("result[%d]", c.Index)
	}
	return fmt.Sprintf("%s %s %s", lhs, c.Op, strconv.FormatFloat(c.Value, 'g', -1, 64))
}

// holds evaluates c on values; ok is false when the series it reads is
// missing (an empty result).
func (c Condition) holds(values []float64) (holds, ok bool) {
	if c.Index >= 0 {
		if c.Index >= len(values) {
			return false, false
		}
		return compare(values[c.Index], c.Op, c.Value), true
	}
	if len(values) == 0 {
		return false, false
	}
	for _, v := range values {
		if !compare(v, c.Op, c.Value) {
			return false, true
		}
	}
	return true, true
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "==":
		return a == b
	default:
		return a != b
	}
}
