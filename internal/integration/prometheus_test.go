package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/promtest"
)

// TestMetricsReachPrometheus gates and drift-checks the example model with
// --pushgateway, and reads the series back from a real Prometheus that
// scrapes the real Pushgateway.
func TestMetricsReachPrometheus(t *testing.T) {
	gw := promtest.Pushgateway(t)
	prom := promtest.Prometheus(t, promtest.Host(t, gw))
	isolate(t)
	// The drift metrics' model is the reference's repository name.
	store := "oci:" + filepath.Join(t.TempDir(), "iris-classifier")
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", store)
	textfile := filepath.Join(t.TempDir(), "textfile", "gate.prom")

	r := mustSlipway(t, "gate", store+":1.0.0", "--metrics", filepath.Join(example(t), "eval.json"), "--no-attest",
		"--pushgateway", gw, "--metrics-file", textfile)
	assert.NotContains(t, r.stderr, "warning: metrics")
	t.Setenv("SLIPWAY_PUSHGATEWAY", gw) // drift takes it from the setting
	r = slipway(t, "drift", "--reference", store+":1.0.0", "--current", filepath.Join(example(t), "data", "iris.csv"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.NotContains(t, r.stderr, "warning: metrics")

	model := `model="iris-classifier"`
	v := promtest.Await(t, prom, `slipway_gate_passed{job="slipway",`+model+`,version="1.0.0"}`)
	assert.Equal(t, 1.0, float64(v[0].Value), "gate passed")
	v = promtest.Await(t, prom, `slipway_model_metric{`+model+`,metric="accuracy"}`)
	assert.Greater(t, float64(v[0].Value), 0.5, "the accuracy the gate saw")
	v = promtest.Await(t, prom, `slipway_drift_detected{`+model+`}`)
	assert.Equal(t, 0.0, float64(v[0].Value), "the reference data against itself does not drift")
	v = promtest.Await(t, prom, `slipway_drift_psi{`+model+`}`)
	assert.GreaterOrEqual(t, len(v), 4, "a PSI per feature: %v", v)
	// The drift push added its families to the model's group: the gate's are still there.
	promtest.Await(t, prom, `slipway_gate_failures{`+model+`} == 0`)

	text, err := os.ReadFile(textfile)
	require.NoError(t, err)
	assert.Contains(t, string(text), `slipway_gate_passed{model="iris-classifier",version="1.0.0"} 1`)
}

// TestPushgatewayDownOnlyWarns: an unreachable Pushgateway is a warning;
// the verdict and the exit code are the gate's.
func TestPushgatewayDownOnlyWarns(t *testing.T) {
	isolate(t)
	store := "oci:" + filepath.Join(t.TempDir(), "iris")
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", store)
	r := mustSlipway(t, "gate", store+":1.0.0", "--metrics", filepath.Join(example(t), "eval.json"), "--no-attest",
		"--pushgateway", "http://user:s3cret@127.0.0.1:1")
	assert.Contains(t, r.stderr, "warning: metrics were not pushed")
	assert.NotContains(t, r.stderr+r.stdout, "s3cret")
	assert.True(t, strings.Contains(r.stdout, "pass") || strings.Contains(r.stdout, "PASS"), "%s", r)
}

// TestAnalyzeAgainstPrometheus runs canary analyses against a real
// Prometheus scraping a test exporter: a healthy version passes, one whose
// error rate is above the limit fails, a series that does not exist is
// inconclusive, a query that does not parse is exit 2 naming it, and an
// unreachable Prometheus is exit 3.
func TestAnalyzeAgainstPrometheus(t *testing.T) {
	target, _ := promtest.Exporter(t, `# TYPE canary_error_ratio gauge
canary_error_ratio{model="iris",version="1.0.0"} 0.01
canary_error_ratio{model="iris",version="2.0.0"} 0.2
`)
	prom := promtest.Prometheus(t, target)
	isolate(t)
	promtest.Await(t, prom, `canary_error_ratio{version="2.0.0"}`)
	file := filepath.Join(t.TempDir(), "canary.yaml")
	writeFile(t, file, `measurements:
  - name: error-rate
    query: canary_error_ratio{model="{{ .Model }}",version="{{ .Version }}"}
    successCondition: result[0] < 0.05
    count: 2
    interval: 100ms
`)
	analyze := func(version string) []string {
		return []string{"analyze", "--prometheus", prom, "--analysis", file, "--model", "iris", "--version", version}
	}
	r := mustSlipway(t, analyze("1.0.0")...)
	assert.Contains(t, r.stdout, "analysis Successful")
	r = wantExit(t, 1, analyze("2.0.0")...)
	assert.Contains(t, r.stderr, "error-rate failed")
	r = wantExit(t, 1, analyze("9.9.9")...)
	assert.Contains(t, r.stdout, "Inconclusive")

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, bad, "measurements:\n  - name: broken\n    query: sum(rate(x[5m])\n    max: 1\n")
	r = wantExit(t, 2, "analyze", "--prometheus", prom, "--analysis", bad)
	assert.Contains(t, r.stderr, "sum(rate(x[5m])")

	r = wantExit(t, 3, "analyze", "--prometheus", "http://127.0.0.1:1", "--analysis", file)
	assert.Contains(t, r.stderr, "querying Prometheus at http://127.0.0.1:1")
}

// TestPromoteRunsTheAnalysis: promote --analysis refuses a canary whose
// error rate is high (exit 1, the tag unmoved) and accepts a healthy one,
// against a real Prometheus.
func TestPromoteRunsTheAnalysis(t *testing.T) {
	target, _ := promtest.Exporter(t, `# TYPE canary_error_ratio gauge
canary_error_ratio{version="1.0.0"} 0.01
canary_error_ratio{version="1.1.0"} 0.3
`)
	prom := promtest.Prometheus(t, target)
	isolate(t)
	promtest.Await(t, prom, `canary_error_ratio{version="1.1.0"}`)
	file := filepath.Join(t.TempDir(), "canary.yaml")
	writeFile(t, file, "measurements:\n  - name: error-rate\n    query: canary_error_ratio{version=\"{{ .Version }}\"}\n    max: 0.05\n")
	store := "oci:" + filepath.Join(t.TempDir(), "iris")
	digest := func(version string) string {
		r := mustSlipway(t, "pack", example(t), "--version", version, "--to", store)
		mustSlipway(t, "gate", store+":"+version, "--metrics", filepath.Join(example(t), "eval.json"))
		return r.lastLine()[strings.LastIndex(r.lastLine(), "@"):]
	}
	good, bad := digest("1.0.0"), digest("1.1.0")
	r := wantExit(t, 1, "promote", store+bad, "--env", "production", "--analysis", file, "--prometheus", prom)
	assert.Contains(t, r.stderr, "canary analysis Failed")
	r = mustSlipway(t, "promote", store+good, "--env", "production", "--analysis", file, "--prometheus", prom, "-o", "json")
	assert.Contains(t, r.stdout, `"phase": "Successful"`)
}
