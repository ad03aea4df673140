package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/analysis"
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

// requestsExporter serves http_requests_total counters that grow every
// 200ms: version 1.0.0 answers everything with 200, version 1.1.0 one
// request in three with a 500.
func requestsExporter(t *testing.T) string {
	target, set := promtest.Exporter(t, "")
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		n := 0
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			n += 3
			set(fmt.Sprintf(`# TYPE http_requests_total counter
http_requests_total{app="iris-classifier",version="1.0.0",code="200"} %d
http_requests_total{app="iris-classifier",version="1.1.0",code="200"} %d
http_requests_total{app="iris-classifier",version="1.1.0",code="500"} %d
`, n, 2*n/3, n/3))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return target
}

// analysisExamples is examples/analysis, absolute: the tests change folder.
var analysisExamples = func() string {
	p, err := filepath.Abs(filepath.Join("..", "..", "examples", "analysis"))
	if err != nil {
		panic(err)
	}
	return p
}()

// quickAnalysis is an example of examples/analysis with its schedule
// shortened for a test: no initial delay, count 2, a second apart.
func quickAnalysis(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(analysisExamples, name))
	require.NoError(t, err)
	s := regexp.MustCompile(`(?m)^    initialDelay: .*\n`).ReplaceAllString(string(b), "")
	s = regexp.MustCompile(`(?m)^    interval: .*$`).ReplaceAllString(s, "    interval: 1s")
	s = regexp.MustCompile(`(?m)^    count: .*$`).ReplaceAllString(s, "    count: 2")
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, s)
	return path
}

// TestPromoteRollsBackOnFailedAnalysis: the candidate serves as the canary
// and its error rate (examples/analysis/error-rate.yaml, against a real
// Prometheus) is a third; promote --env production --analysis
// --rollback-on-failure refuses it (exit 1), rolls the canary back to the
// previous digest, and says so in -o json with the analysis, each run's
// values, and the refusals. Every example's queries parse in Prometheus.
// In a local OCI layout, and in the local Distribution registry.
func TestPromoteRollsBackOnFailedAnalysis(t *testing.T) {
	prom := promtest.Prometheus(t, requestsExporter(t))
	promtest.Await(t, prom, `rate(http_requests_total{version="1.1.0",code="500"}[5m]) > 0`)
	t.Run("layout", func(t *testing.T) {
		isolate(t)
		rollsBackOnFailedAnalysis(t, prom, "oci:"+filepath.Join(t.TempDir(), "iris-server"))
	})
	t.Run("registry", func(t *testing.T) {
		reg := env(t)
		rollsBackOnFailedAnalysis(t, prom, fmt.Sprintf("%s/analysis/iris-server-%d", reg, time.Now().UnixNano()))
	})
}

func rollsBackOnFailedAnalysis(t *testing.T, prom, store string) {
	writeFile(t, "slipway.yaml", "environments:\n  - name: canary\n  - name: production\n    requires: canary\n")
	digest := func(version string) string {
		r := mustSlipway(t, "pack", example(t), "--version", version, "--to", store)
		mustSlipway(t, "gate", store+":"+version, "--metrics", filepath.Join(example(t), "eval.json"))
		return r.lastLine()[strings.LastIndex(r.lastLine(), "@")+1:]
	}
	good, bad := digest("1.0.0"), digest("1.1.0")
	mustSlipway(t, "promote", store+"@"+good, "--env", "canary")
	mustSlipway(t, "promote", store+"@"+good, "--env", "production")
	mustSlipway(t, "promote", store+"@"+bad, "--env", "canary")

	file := quickAnalysis(t, "error-rate.yaml")
	junit := filepath.Join(t.TempDir(), "analysis.xml")
	r := wantExit(t, 1, "promote", store+"@"+bad, "--env", "production", "--analysis", file, "--prometheus", prom,
		"--rollback-on-failure", "--analysis-report", "junit="+junit, "-o", "json")
	assert.Contains(t, r.stderr, "canary analysis Failed")
	var res struct {
		Refusals   []string
		RolledBack bool
		RollbackTo string
		Rollback   struct {
			Record struct{ Environment, Action, Digest, Reason string }
		}
		Analysis struct {
			Phase        string
			Vars         struct{ Model, Version, Environment string }
			Measurements []struct {
				Name string
				Runs []struct {
					Phase  string
					Values []struct{ Value float64 }
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), r.stdout)
	require.Len(t, res.Refusals, 1)
	assert.Contains(t, res.Refusals[0], "canary analysis Failed: error-rate failed")
	assert.Equal(t, "Failed", res.Analysis.Phase)
	assert.Equal(t, "iris-classifier", res.Analysis.Vars.Model)
	assert.Equal(t, "1.1.0", res.Analysis.Vars.Version)
	require.NotEmpty(t, res.Analysis.Measurements[0].Runs)
	run := res.Analysis.Measurements[0].Runs[0]
	assert.Equal(t, "Failed", run.Phase)
	require.Len(t, run.Values, 1)
	assert.InDelta(t, 1.0/3, run.Values[0].Value, 0.1, "the error rate Prometheus computed")
	assert.True(t, res.RolledBack)
	assert.Equal(t, good, res.RollbackTo)
	assert.Equal(t, "canary", res.Rollback.Record.Environment)
	assert.Equal(t, "rollback", res.Rollback.Record.Action)
	assert.Contains(t, res.Rollback.Record.Reason, "canary analysis Failed")
	xml, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(xml), `<failure message="Failed: result[0] &lt; 0.05 does not hold"`)

	var hist struct {
		Records []struct{ Action, Environment, Digest string }
	}
	r = mustSlipway(t, "history", store, "-o", "json")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &hist))
	require.NotEmpty(t, hist.Records)
	assert.Equal(t, "rollback", hist.Records[0].Action)
	assert.Equal(t, "canary", hist.Records[0].Environment)
	assert.Equal(t, good, hist.Records[0].Digest, "the canary runs the previous digest again")
	for _, rec := range hist.Records {
		if rec.Environment == "production" {
			assert.Equal(t, good, rec.Digest, "production never moved to the candidate")
		}
	}

	// After a (forced) flip of production to the candidate, analyze REPO
	// --env production checks what production runs and flips it back.
	mustSlipway(t, "promote", store+"@"+bad, "--env", "production", "--force", "--reason", "test the flip back")
	r = wantExit(t, 1, "analyze", store, "--env", "production", "--analysis", file, "--prometheus", prom, "--rollback-on-failure")
	assert.Contains(t, r.stdout, `version="1.1.0"`, "the version production runs, from its record")
	assert.Contains(t, r.stdout, "rolled production back to")
	r = mustSlipway(t, "history", store, "--env", "production", "-o", "json")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &hist))
	assert.Equal(t, "rollback", hist.Records[0].Action)
	assert.Equal(t, good, hist.Records[0].Digest)

	// The healthy version passes the same analysis: text output, exit 0.
	r = mustSlipway(t, "analyze", "--prometheus", prom, "--analysis", file, "--model", "iris-classifier", "--version", "1.0.0", "-o", "markdown")
	assert.Contains(t, r.stdout, "✅ Canary analysis successful: iris-classifier 1.0.0")

	// Every example's queries parse in Prometheus (an empty result is fine).
	c, err := api.NewClient(api.Config{Address: prom})
	require.NoError(t, err)
	examples, err := filepath.Glob(filepath.Join(analysisExamples, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, examples)
	for _, path := range examples {
		spec, err := analysis.Load(path)
		require.NoError(t, err)
		for _, m := range spec.Measurements {
			q, err := m.Render(analysis.Vars{Model: "iris-classifier", Version: "1.1.0"})
			require.NoError(t, err)
			_, _, _, err = promv1.NewAPI(c).Query(t.Context(), q, time.Time{})
			assert.NoError(t, err, "%s: %s: %s", path, m.Name, q)
		}
	}
}
