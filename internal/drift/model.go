package drift

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Tasks a model performs.
const (
	TaskClassification = "classification"
	TaskRegression     = "regression"
)

// maxClassLabels is the most distinct whole-number labels a numeric target
// may have and still be taken for classes when no task is given.
const maxClassLabels = 20

// Model is the model's drift: its predictions' distribution, and its
// performance on the current data against the metrics it was gated with.
type Model struct {
	// Target and Prediction are the columns named by --target and
	// --prediction.
	Target     string `json:"target,omitempty"`
	Prediction string `json:"prediction"`
	// Task is classification or regression: given, or inferred (a
	// categorical target or prediction, or whole numbers with at most 20
	// distinct values, is classification).
	Task string `json:"task"`
	// PredictionReference is the reference's column the predictions are
	// compared with: its prediction column, else its target.
	PredictionReference string `json:"prediction_reference"`
	// PredictionDrift compares the prediction distributions, with the
	// feature thresholds but no Bonferroni division (one test).
	PredictionDrift *Feature `json:"prediction_drift"`
	// Rows is the number of current rows with both a target and a
	// prediction: the rows the metrics are computed on.
	Rows int `json:"rows,omitempty"`
	// Metrics are the performance on the current data: accuracy and
	// macro_f1 (classification), rmse, mae and r2 (regression).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Recall is each class's recall (classes present in the target).
	Recall map[string]float64 `json:"recall,omitempty"`
	// Baseline says where the baseline metrics came from: the metrics
	// file, or the model whose signed gate attestation holds them; "" when
	// there are none.
	Baseline string `json:"baseline,omitempty"`
	// Changes compare each metric with the baseline's of the same name.
	Changes []MetricChange `json:"changes,omitempty"`
	// Notes say what could not be computed, and why.
	Notes []string `json:"notes,omitempty"`
	// Drifted is true when the predictions drifted or a metric degraded;
	// Reasons say which.
	Drifted bool     `json:"drifted"`
	Reasons []string `json:"reasons,omitempty"`
}

// MetricChange is one metric on the current data against the baseline.
type MetricChange struct {
	Name     string  `json:"name"`
	Current  float64 `json:"current"`
	Baseline float64 `json:"baseline"`
	// Delta is Current − Baseline.
	Delta float64 `json:"delta"`
	// HigherIsBetter is true for accuracy, macro_f1 and r2.
	HigherIsBetter bool `json:"higher_is_better"`
	// Degraded: worse than the baseline by more than
	// Thresholds.Degradation × |Baseline|.
	Degraded bool `json:"degraded"`
}

// metricNames are the names a baseline's metrics file may give each metric.
var metricNames = map[string][]string{
	"accuracy": {"accuracy", "acc"},
	"macro_f1": {"macro_f1", "f1_macro", "f1"},
	"rmse":     {"rmse"},
	"mae":      {"mae"},
	"r2":       {"r2", "r_squared"},
}

var higherIsBetter = map[string]bool{"accuracy": true, "macro_f1": true, "r2": true}

// modelColumns takes the target and prediction columns out of the
// compared features and checks that the current data has the prediction.
func (req Request) modelColumns(ref, cur *Table) (refPred, curPred, curTarget *Column, refCol string, err error) {
	curPred = cur.Column(req.Prediction)
	if curPred == nil {
		return nil, nil, nil, "", fault.Usagef("--prediction %s: the current data (%s) has no such column", req.Prediction, strings.Join(cur.Sources, ", "))
	}
	refCol = req.Prediction
	if refPred = ref.Column(req.Prediction); refPred == nil && req.Target != "" {
		refPred, refCol = ref.Column(req.Target), req.Target
	}
	if refPred == nil {
		return nil, nil, nil, "", fault.Usagef("--prediction %s: the reference (%s) has neither that column nor the target %q to compare the predictions with",
			req.Prediction, strings.Join(ref.Sources, ", "), req.Target)
	}
	if req.Target != "" {
		curTarget = cur.Column(req.Target)
	}
	for _, t := range []*Table{ref, cur} {
		t.drop(req.Prediction)
		t.drop(req.Target)
	}
	return refPred, curPred, curTarget, refCol, nil
}

// drop removes a column from the table, if it has it.
func (t *Table) drop(name string) {
	if name == "" || t.byName[name] == nil {
		return
	}
	delete(t.byName, name)
	t.Columns = slices.DeleteFunc(t.Columns, func(c *Column) bool { return c.Name == name })
}

// modelDrift compares the predictions and computes the metrics.
func (req Request) modelDrift(ctx context.Context, refPred, curPred, curTarget *Column, refCol, pinned string, th Thresholds) (*Model, error) {
	m := &Model{Target: req.Target, Prediction: req.Prediction, PredictionReference: refCol, Task: req.Task}
	if m.Task == "" {
		m.Task = inferTask(refPred, curPred, curTarget)
	}
	if m.Task == TaskClassification {
		refPred.toCategorical()
		curPred.toCategorical()
	} else if !refPred.IsNumeric || !curPred.IsNumeric {
		return nil, fault.Usagef("--prediction %s: a regression's predictions and target must be numbers; give --task classification if they are classes", req.Prediction)
	}
	if refPred.IsNumeric != curPred.IsNumeric {
		refPred.toCategorical()
		curPred.toCategorical()
	}
	m.PredictionDrift = compareColumn(refPred, curPred)
	if decideFeature(m.PredictionDrift, th.PSI, th.Alpha, 1) {
		m.Reasons = append(m.Reasons, "prediction drift: "+strings.Join(m.PredictionDrift.Reasons, ", "))
	}
	switch {
	case req.Target == "":
	case curTarget == nil:
		m.Notes = append(m.Notes, fmt.Sprintf("the current data has no %s column: no performance metrics", req.Target))
	default:
		if err := m.performance(curTarget, curPred); err != nil {
			return nil, err
		}
	}
	if m.Metrics != nil {
		if err := req.compareBaseline(ctx, m, pinned, th); err != nil {
			return nil, err
		}
	}
	m.Drifted = len(m.Reasons) > 0
	return m, nil
}

// inferTask: classification when a column is categorical, or when the
// current target's and predictions' values are whole numbers with at most
// maxClassLabels distinct ones.
func inferTask(ref *Column, cur ...*Column) string {
	if !ref.IsNumeric {
		return TaskClassification
	}
	labels := map[float64]bool{}
	for _, c := range cur {
		if c == nil {
			continue
		}
		if !c.IsNumeric {
			return TaskClassification
		}
		for _, s := range c.Cells {
			if s == missingCell {
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return TaskClassification
			}
			if v != math.Trunc(v) {
				return TaskRegression
			}
			if labels[v] = true; len(labels) > maxClassLabels {
				return TaskRegression
			}
		}
	}
	return TaskClassification
}

// performance computes the metrics over the current rows that have both a
// target and a prediction.
func (m *Model) performance(target, pred *Column) error {
	var ys, ps []string
	for i, y := range target.Cells {
		if i >= len(pred.Cells) {
			break
		}
		if p := pred.Cells[i]; y != missingCell && p != missingCell {
			ys, ps = append(ys, y), append(ps, p)
		}
	}
	m.Rows = len(ys)
	if m.Rows == 0 {
		m.Notes = append(m.Notes, "no current row has both a target and a prediction: no performance metrics")
		return nil
	}
	if m.Task == TaskClassification {
		m.Metrics, m.Recall = Classification(labels(ys), labels(ps))
		return nil
	}
	y, err := numbers(ys, m.Target)
	if err != nil {
		return err
	}
	p, err := numbers(ps, m.Prediction)
	if err != nil {
		return err
	}
	m.Metrics = Regression(y, p)
	return nil
}

// labels writes numbers in one form, so that 1 and 1.0 are one class.
func labels(cells []string) []string {
	out := make([]string, len(cells))
	for i, s := range cells {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			s = strconv.FormatFloat(v, 'g', -1, 64)
		}
		out[i] = s
	}
	return out
}

func numbers(cells []string, col string) ([]float64, error) {
	out := make([]float64, len(cells))
	for i, s := range cells {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, fault.Usagef("column %s: %q is not a number; a regression's target and prediction are numbers (--task classification for classes)", col, s)
		}
		out[i] = v
	}
	return out, nil
}

// Classification is scikit-learn's accuracy_score, f1_score(average='macro')
// over the union of the labels of y and p (a class never predicted nor
// present has F1 0), and recall_score(average=None) of each class present
// in y.
func Classification(y, p []string) (metrics, recall map[string]float64) {
	tp, inY, inP := map[string]float64{}, map[string]float64{}, map[string]float64{}
	correct := 0.0
	for i := range y {
		inY[y[i]]++
		inP[p[i]]++
		if y[i] == p[i] {
			tp[y[i]]++
			correct++
		}
	}
	classes := map[string]bool{}
	for c := range inY {
		classes[c] = true
	}
	for c := range inP {
		classes[c] = true
	}
	f1 := 0.0
	recall = map[string]float64{}
	for c := range classes {
		// F1 = 2·TP / (2·TP + FP + FN) = 2·TP / (|y=c| + |p=c|).
		f1 += 2 * tp[c] / (inY[c] + inP[c])
		if inY[c] > 0 {
			recall[c] = tp[c] / inY[c]
		}
	}
	return map[string]float64{
		"accuracy": correct / float64(len(y)),
		"macro_f1": f1 / float64(len(classes)),
	}, recall
}

// Regression is scikit-learn's root_mean_squared_error,
// mean_absolute_error and r2_score (1 − SS_res/SS_tot; when the target is
// constant, 1 for a perfect prediction and 0 otherwise).
func Regression(y, p []float64) map[string]float64 {
	n := float64(len(y))
	var mean, sse, sae float64
	for i := range y {
		mean += y[i]
		d := y[i] - p[i]
		sse += d * d
		sae += math.Abs(d)
	}
	mean /= n
	var sst float64
	for _, v := range y {
		sst += (v - mean) * (v - mean)
	}
	r2 := 0.0
	switch {
	case sst > 0:
		r2 = 1 - sse/sst
	case sse == 0:
		r2 = 1
	}
	return map[string]float64{"rmse": math.Sqrt(sse / n), "mae": sae / n, "r2": r2}
}

// compareBaseline reads the baseline metrics (--baseline-metrics, else
// the reference model's signed gate attestation) and compares.
func (req Request) compareBaseline(ctx context.Context, m *Model, pinned string, th Thresholds) error {
	arg := req.BaselineMetrics
	if arg == "" && pinned != "" {
		if !req.Verifies {
			m.Notes = append(m.Notes, "not compared with the model's gate metrics: give --baseline-key (or the key setting) to trust its signed gate attestation, or --baseline-metrics FILE")
			return nil
		}
		arg = pinned
	}
	if arg == "" || req.ReadBaseline == nil {
		return nil
	}
	base, err := req.ReadBaseline(ctx, arg)
	if err != nil {
		return err
	}
	m.Baseline = arg
	for _, name := range slices.Sorted(maps.Keys(m.Metrics)) {
		b, ok := lookupMetric(base, metricNames[name])
		if !ok {
			continue
		}
		c := MetricChange{Name: name, Current: m.Metrics[name], Baseline: b, Delta: m.Metrics[name] - b, HigherIsBetter: higherIsBetter[name]}
		tol := th.Degradation * math.Abs(b)
		if c.HigherIsBetter {
			c.Degraded = c.Delta < -tol
		} else {
			c.Degraded = c.Delta > tol
		}
		if c.Degraded {
			m.Reasons = append(m.Reasons, fmt.Sprintf("%s %.4g against %.4g in the baseline (more than %g%% worse)", name, c.Current, c.Baseline, 100*th.Degradation))
		}
		m.Changes = append(m.Changes, c)
	}
	if len(m.Changes) == 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("the baseline %s has none of the metrics computed (%s)", arg, strings.Join(slices.Sorted(maps.Keys(m.Metrics)), ", ")))
	}
	return nil
}

// lookupMetric finds the first of names among the top-level numbers of
// metrics, ignoring case.
func lookupMetric(metrics map[string]any, names []string) (float64, bool) {
	for _, want := range names {
		for k, v := range metrics {
			if !strings.EqualFold(k, want) {
				continue
			}
			switch x := v.(type) {
			case float64:
				return x, true
			case int:
				return float64(x), true
			case int64:
				return float64(x), true
			}
		}
	}
	return 0, false
}
