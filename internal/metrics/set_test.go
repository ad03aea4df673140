package metrics_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/metrics"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/promote"
)

var at = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func failingVerdict() *gate.Verdict {
	return &gate.Verdict{
		Decision: policy.Fail,
		Model:    gate.ModelRef{Name: "iris", Version: "1.0.0"},
		Result:   policy.Result{Findings: []policy.Finding{{Kind: policy.Failure, Message: "accuracy too low"}}},
		Metrics:  []gate.MetricRow{{Name: `acc "top-1"\n`, Candidate: 0.5}},
		Time:     at,
	}
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		name string
		set  *metrics.Set
		want []string
	}{
		{"gate", metrics.FromGate(failingVerdict()), []string{
			"# TYPE slipway_gate_passed gauge",
			`slipway_gate_passed{model="iris",version="1.0.0"} 0`,
			`slipway_gate_failures{model="iris",version="1.0.0"} 1`,
			`slipway_model_metric{metric="acc \"top-1\"\\n",model="iris",version="1.0.0"} 0.5`,
			`slipway_gate_timestamp_seconds{model="iris",version="1.0.0"} 1.7776368e+09`,
		}},
		{"drift", metrics.FromDrift("iris", &drift.Result{
			Features: map[string]*drift.Feature{
				"petal": {Test: "ks", PSI: 0.3, PValue: 0.001},
				"empty": {},
			},
			ShareDrifted: 1, DatasetDrift: true,
		}, at), []string{
			`slipway_drift_psi{feature="petal",model="iris"} 0.3`,
			`slipway_drift_pvalue{feature="petal",model="iris"} 0.001`,
			`slipway_drift_share{model="iris"} 1`,
			`slipway_drift_detected{model="iris"} 1`,
		}},
		{"promotion", metrics.FromPromotion(&promote.Result{Record: promote.Record{
			Name: "iris", Version: "1.0.0", Environment: "production", Digest: "sha256:abc", Time: at,
		}}), []string{
			`slipway_environment_info{digest="sha256:abc",environment="production",model="iris",version="1.0.0"} 1`,
			`slipway_promotion_timestamp_seconds{environment="production",model="iris",version="1.0.0"} 1.7776368e+09`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, metrics.WriteText(&buf, tt.set))
			for _, line := range tt.want {
				assert.Contains(t, buf.String(), line+"\n")
			}
			assert.NotContains(t, buf.String(), `feature="empty"`, "an untested feature has no series")
		})
	}
}

// TestPushGroupsByModel checks what the Pushgateway receives: the group in
// the path, the series without the grouping labels, credentials as basic
// auth and out of every error.
func TestPushGroupsByModel(t *testing.T) {
	var path, auth, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.Method+" "+r.URL.Path, r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	set := metrics.FromPromotion(&promote.Result{Record: promote.Record{Name: "ml/iris", Environment: "prod", Digest: "sha256:abc", Time: at}})
	u := "http://bot:s3cret@" + srv.Listener.Addr().String()
	var warnings []string
	n := metrics.Publish(t.Context(), metrics.PublishRequest{Set: set, Pushgateway: u, Warn: func(s string) { warnings = append(warnings, s) }})
	assert.Equal(t, 1, n)
	// client_golang keeps the grouping in a map, so the labels come in
	// either order; the Pushgateway names the group by the set, not the order.
	assert.Contains(t, []string{
		"POST /metrics/job/slipway/model@base64/bWwvaXJpcw/environment/prod",
		"POST /metrics/job/slipway/environment/prod/model@base64/bWwvaXJpcw",
	}, path)
	assert.Equal(t, "Basic Ym90OnMzY3JldA==", auth)
	assert.NotContains(t, body, "iris", "the grouping labels are the gateway's to add")
	require.Len(t, warnings, 1)
	assert.NotContains(t, warnings[0], "s3cret")
}

func TestWriteFileIsAtomicAndCreatesFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "textfile", "slipway.prom")
	require.NoError(t, metrics.WriteFile(path, metrics.FromGate(failingVerdict())))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), "slipway_gate_passed")
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file is left")
}
