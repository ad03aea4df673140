package drift_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

func TestClassificationMetrics(t *testing.T) {
	// By hand, as scikit-learn computes them: classes a, b, c; F1 a = 2·1/(2+2),
	// F1 b = 2·2/(2+3), F1 c = 0 (never predicted).
	m, recall := drift.Classification([]string{"a", "a", "b", "b", "c"}, []string{"a", "b", "b", "b", "a"})
	assert.InDelta(t, 0.6, m["accuracy"], 1e-15)
	assert.InDelta(t, (0.5+0.8+0)/3, m["macro_f1"], 1e-15)
	assert.Equal(t, map[string]float64{"a": 0.5, "b": 1, "c": 0}, recall)
}

func TestRegressionMetrics(t *testing.T) {
	m := drift.Regression([]float64{1, 2, 3, 4}, []float64{1, 2, 3, 5})
	assert.InDelta(t, 0.5, m["rmse"], 1e-15)
	assert.InDelta(t, 0.25, m["mae"], 1e-15)
	assert.InDelta(t, 0.8, m["r2"], 1e-15, "1 − 1/5")
	assert.Equal(t, 1.0, drift.Regression([]float64{2, 2}, []float64{2, 2})["r2"], "a constant target predicted exactly")
	assert.Equal(t, 0.0, drift.Regression([]float64{2, 2}, []float64{2, 3})["r2"], "a constant target missed")
}

// labelled makes a CSV of n rows: a feature x, the true label y cycling
// through a and b, and a prediction wrong on every wrongEvery-th row (0:
// never).
func labelled(n, wrongEvery int, missingEvery int) string {
	var b strings.Builder
	b.WriteString("x,y,pred\n")
	for i := range n {
		y, p := "a", "a"
		if i%2 == 1 {
			y, p = "b", "b"
		}
		if wrongEvery > 0 && i%wrongEvery == 0 {
			p = map[string]string{"a": "b", "b": "a"}[y]
		}
		if missingEvery > 0 && i%missingEvery == 0 {
			y = ""
		}
		b.WriteString(strings.Join([]string{itoa(i % 10), y, p}, ",") + "\n")
	}
	return b.String()
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestModelDriftOnFiles(t *testing.T) {
	dir := write(t, map[string]string{
		"ref.csv":       labelled(200, 0, 0),
		"good.csv":      labelled(200, 20, 0),
		"bad.csv":       labelled(200, 3, 7),
		"baseline.json": `{"accuracy": 0.95, "f1": 0.95}`,
	})
	ctx := context.Background()
	req := drift.Request{
		Reference: filepath.Join(dir, "ref.csv"), Target: "y", Prediction: "pred",
		BaselineMetrics: filepath.Join(dir, "baseline.json"),
		ReadBaseline: func(_ context.Context, arg string) (map[string]any, error) {
			assert.Equal(t, filepath.Join(dir, "baseline.json"), arg)
			return map[string]any{"accuracy": 0.95, "f1": 0.95}, nil
		},
	}
	req.Current = []string{filepath.Join(dir, "good.csv")}
	good, err := drift.Run(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, []string{"x"}, good.Columns, "the target and the prediction are no features")
	m := good.Model
	require.NotNil(t, m)
	assert.Equal(t, drift.TaskClassification, m.Task)
	assert.Equal(t, "pred", m.PredictionReference, "the reference has predictions")
	assert.Equal(t, "chi2", m.PredictionDrift.Test)
	assert.Equal(t, 200, m.Rows)
	assert.InDelta(t, 0.95, m.Metrics["accuracy"], 1e-15, "wrong on 10 of 200 rows")
	require.Len(t, m.Changes, 2)
	assert.Equal(t, "accuracy", m.Changes[0].Name)
	assert.InDelta(t, 0, m.Changes[0].Delta, 1e-12)
	assert.False(t, m.Drifted, "%+v", m)
	assert.NoError(t, good.Err())

	req.Current = []string{filepath.Join(dir, "bad.csv")}
	bad, err := drift.Run(ctx, req)
	require.NoError(t, err)
	m = bad.Model
	assert.Equal(t, 200-29, m.Rows, "rows with no target are left out")
	assert.True(t, m.Changes[0].Degraded, "%+v", m.Changes)
	assert.True(t, m.Drifted)
	assert.Equal(t, fault.Denied, fault.KindOf(bad.Err()), "model drift is a denial (exit 1)")
	assert.Contains(t, bad.Err().Error(), "accuracy")
}

func TestModelDriftRegression(t *testing.T) {
	dir := write(t, map[string]string{
		"ref.csv": "x,y\n1,1.5\n2,2.5\n3,3.5\n4,4.5\n",
		"cur.csv": "x,y,yhat\n1,1.5,1.5\n2,2.5,2.5\n3,3.5,3.5\n4,4.5,5.5\n",
	})
	res, err := drift.Run(context.Background(), drift.Request{
		Reference: filepath.Join(dir, "ref.csv"), Current: []string{filepath.Join(dir, "cur.csv")}, Target: "y", Prediction: "yhat",
	})
	require.NoError(t, err)
	m := res.Model
	assert.Equal(t, drift.TaskRegression, m.Task)
	assert.Equal(t, "y", m.PredictionReference, "no predictions in the reference: its target")
	assert.Equal(t, "ks", m.PredictionDrift.Test)
	assert.InDelta(t, 0.5, m.Metrics["rmse"], 1e-15)
	assert.InDelta(t, 0.8, m.Metrics["r2"], 1e-15)
	assert.Empty(t, m.Changes, "no baseline")
}

func TestModelDriftBaselineOfTheModelNeedsTrust(t *testing.T) {
	ctx := context.Background()
	model := write(t, map[string]string{"model.safetensors": "w", "data/train.csv": labelled(100, 0, 0)})
	layout := filepath.Join(t.TempDir(), "store")
	local := oci.OpenLayout(layout)
	p, err := modelpack.Pack(ctx, local, modelpack.PackOptions{Dir: model, Name: "m", Version: "1.0.0", Epoch: time.Unix(0, 0)})
	require.NoError(t, err)
	require.NoError(t, local.Tag(ctx, p.Descriptor, "1.0.0"))
	cur := write(t, map[string]string{"today.csv": labelled(100, 10, 0)})
	var asked []string
	req := drift.Request{
		Reference: "oci:" + layout + ":1.0.0", Current: []string{filepath.Join(cur, "today.csv")}, Target: "y", Prediction: "pred",
		ReadBaseline: func(_ context.Context, arg string) (map[string]any, error) {
			asked = append(asked, arg)
			return map[string]any{"accuracy": 1.0}, nil
		},
	}
	res, err := drift.Run(ctx, req)
	require.NoError(t, err)
	assert.Empty(t, asked, "without a key the model's gate attestation is not read")
	assert.Contains(t, strings.Join(res.Model.Notes, "\n"), "--baseline-key")

	req.Verifies = true
	res, err = drift.Run(ctx, req)
	require.NoError(t, err)
	require.Len(t, asked, 1)
	assert.Contains(t, asked[0], "@"+p.Descriptor.Digest.String(), "the baseline is the reference model, pinned")
	assert.True(t, res.Model.Changes[0].Degraded, "accuracy 0.9 against 1.0")
}

func TestModelDriftRefuses(t *testing.T) {
	dir := write(t, map[string]string{"ref.csv": labelled(20, 0, 0), "cur.csv": labelled(20, 0, 0), "nopred.csv": "x,y\n1,a\n2,b\n"})
	for _, tc := range []struct {
		name string
		req  drift.Request
		want string
	}{
		{"target alone", drift.Request{Target: "y"}, "--target y needs --prediction"},
		{"no prediction column", drift.Request{Prediction: "score"}, "--prediction score: the current data"},
		{"bad task", drift.Request{Prediction: "pred", Task: "ranking"}, `--task "ranking"`},
		{"regression of classes", drift.Request{Prediction: "pred", Target: "y", Task: drift.TaskRegression}, "must be numbers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Reference, tc.req.Current = filepath.Join(dir, "ref.csv"), []string{filepath.Join(dir, "cur.csv")}
			_, err := drift.Run(context.Background(), tc.req)
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := drift.Run(context.Background(), drift.Request{Reference: filepath.Join(dir, "nopred.csv"), Current: []string{filepath.Join(dir, "cur.csv")}, Prediction: "pred"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has neither that column nor the target")
}
