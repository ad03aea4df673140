package gate

import (
	"encoding/json"
	"sort"
)

// MetricRows lays out the candidate's metrics beside the baseline's, with
// deltas and the thresholds the policy configuration sets
// (data.slipway.config.metrics.min and .max). Nested metrics are flattened
// with dots ("recall.setosa").
func MetricRows(metrics, baseline map[string]any, config map[string]any) []MetricRow {
	cand, base := flatten(metrics, ""), flatten(baseline, "")
	mins, maxs := thresholds(config, "min"), thresholds(config, "max")
	names := make([]string, 0, len(cand))
	for n := range cand {
		names = append(names, n)
	}
	sort.Strings(names)
	rows := make([]MetricRow, 0, len(names))
	for _, n := range names {
		r := MetricRow{Name: n, Candidate: cand[n]}
		if b, ok := base[n]; ok {
			d := cand[n] - b
			r.Baseline, r.Delta = &b, &d
		}
		if v, ok := mins[n]; ok {
			r.Threshold = &Threshold{Op: ">=", Value: v}
		} else if v, ok := maxs[n]; ok {
			r.Threshold = &Threshold{Op: "<=", Value: v}
		}
		rows = append(rows, r)
	}
	return rows
}

func flatten(m map[string]any, prefix string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		switch v := v.(type) {
		case float64:
			out[prefix+k] = v
		case json.Number: // what the policy engine returns
			if f, err := v.Float64(); err == nil {
				out[prefix+k] = f
			}
		case map[string]any:
			for kk, vv := range flatten(v, prefix+k+".") {
				out[kk] = vv
			}
		}
	}
	return out
}

func thresholds(config map[string]any, kind string) map[string]float64 {
	metrics, _ := config["metrics"].(map[string]any)
	bounds, _ := metrics[kind].(map[string]any)
	return flatten(bounds, "")
}
