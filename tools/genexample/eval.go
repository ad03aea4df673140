package main

import "math"

// probFloor bounds the probability log_loss takes the log of, as
// scikit-learn's log_loss clips, so one confident mistake cannot make it infinite.
const probFloor = 1e-15

// evaluate scores m on ds: accuracy, log loss, macro-averaged precision,
// recall and F1 (a class never predicted has precision 0), and each class's
// recall as recall_<class>. Values are rounded to 4 decimals so that they
// read well and do not flicker in the last digit.
func evaluate(m *model, ds *dataset) map[string]float64 {
	k := len(classNames)
	confusion := make([][]int, k) // [true][predicted]
	for c := range confusion {
		confusion[c] = make([]int, k)
	}
	var logLoss float64
	for i, x := range ds.x {
		p := m.predict(x)
		confusion[ds.y[i]][argmax(p)]++
		logLoss -= math.Log(max(p[ds.y[i]], probFloor))
	}

	n := len(ds.y)
	metrics := map[string]float64{"log_loss": logLoss / float64(n)}
	var correct int
	var precisionSum, recallSum, f1Sum float64
	for c := range k {
		var predicted, actual int
		for o := range k {
			predicted += confusion[o][c]
			actual += confusion[c][o]
		}
		tp := confusion[c][c]
		correct += tp
		precision, recall := ratio(tp, predicted), ratio(tp, actual)
		var f1 float64
		if precision+recall > 0 {
			f1 = 2 * precision * recall / (precision + recall)
		}
		precisionSum += precision
		recallSum += recall
		f1Sum += f1
		metrics["recall_"+classNames[c]] = recall
	}
	metrics["accuracy"] = ratio(correct, n)
	metrics["precision_macro"] = precisionSum / float64(k)
	metrics["recall_macro"] = recallSum / float64(k)
	metrics["f1_macro"] = f1Sum / float64(k)

	for name, v := range metrics {
		metrics[name] = math.Round(v*1e4) / 1e4
	}
	return metrics
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
