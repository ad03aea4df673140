package config

import (
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Drift holds slipway.yaml's drift: thresholds of `slipway drift`; a nil
// field was not set (the flag's default applies). Flags override them.
type Drift struct {
	// PSI: a feature drifted when its PSI is at least this (> 0).
	PSI *float64 `json:"psi,omitempty"`
	// Alpha: the significance level, divided by the features tested
	// (0 < alpha < 1).
	Alpha *float64 `json:"alpha,omitempty"`
	// Share: the data set drifted when at least this share of its
	// features drifted (0 < share ≤ 1).
	Share *float64 `json:"share,omitempty"`
	// Degradation: a model metric degraded when worse than the baseline by
	// more than this share of it (≥ 0).
	Degradation *float64 `json:"degradation,omitempty"`
	// ExactLimit: numbers per column held for exact statistics (≥ 1, or
	// -1 for always).
	ExactLimit *int `json:"exact_limit,omitempty"`
}

// driftFields are the settings under drift:, each with its check and
// what it wants, for messages.
var driftFields = []struct {
	name, want string
	ok         func(float64) bool
}{
	{"psi", "a number above 0, e.g. 0.2", func(v float64) bool { return v > 0 }},
	{"alpha", "a number between 0 and 1, e.g. 0.05", func(v float64) bool { return v > 0 && v < 1 }},
	{"share", "a number above 0 and at most 1, e.g. 0.5", func(v float64) bool { return v > 0 && v <= 1 }},
	{"degradation", "a number of at least 0, e.g. 0.05", func(v float64) bool { return v >= 0 }},
	{"exact_limit", "a whole number of at least 1, or -1 for always exact", func(v float64) bool { return v == -1 || (v >= 1 && v == math.Trunc(v) && v <= math.MaxInt32) }},
}

// parseDrift reads the drift: mapping; every mistake is a usage error at
// its line naming the field and what it wants.
func parseDrift(file string, n *yaml.Node) (*Drift, error) {
	if n.Kind == 0 {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fault.Usagef("%s:%d: drift: want a mapping of thresholds (psi, alpha, share, degradation, exact_limit)", file, n.Line)
	}
	d := &Drift{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := -1
		for j, f := range driftFields {
			if f.name == k.Value {
				field = j
			}
		}
		if field < 0 {
			return nil, fault.Usagef("%s:%d: drift: %q is not a drift setting (psi, alpha, share, degradation, exact_limit)", file, k.Line, k.Value)
		}
		f := driftFields[field]
		x, err := strconv.ParseFloat(v.Value, 64)
		if v.Kind != yaml.ScalarNode || err != nil || math.IsNaN(x) || !f.ok(x) {
			return nil, fault.Usagef("%s:%d: drift.%s %q: want %s", file, v.Line, f.name, v.Value, f.want)
		}
		switch f.name {
		case "psi":
			d.PSI = &x
		case "alpha":
			d.Alpha = &x
		case "share":
			d.Share = &x
		case "degradation":
			d.Degradation = &x
		case "exact_limit":
			n := int(x)
			d.ExactLimit = &n
		}
	}
	return d, nil
}
