package gate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/registrytest"
	"github.com/slipwayhq/slipway/internal/report"
)

// example is the bundled example model.
const example = "../../testdata/iris"

// packExample packs the example model into a layout, tags it 1.0.0 and
// returns its reference; with a registry host it is published there too
// and the registry's reference is returned.
func packExample(t *testing.T, host string) string {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "iris")
	local := oci.OpenLayout(dir)
	p, err := modelpack.Pack(ctx, local, modelpack.PackOptions{Dir: example, Version: "1.0.0", Epoch: time.Unix(0, 0)})
	require.NoError(t, err, "packing %s", example)
	require.NoError(t, local.Tag(ctx, p.Descriptor, "1.0.0"))
	if host == "" {
		return oci.LayoutPrefix + dir + ":1.0.0"
	}
	ref, err := oci.ParseRef(host+"/acme/iris:1.0.0", false)
	require.NoError(t, err)
	_, err = modelpack.Upload(ctx, local, oci.Client{}.Open(ref), p.Descriptor, "1.0.0")
	require.NoError(t, err)
	return ref.String()
}

// write writes files under a new folder and returns paths to them.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

const thresholds = `slipway:
  config:
    metrics:
      min: {accuracy: 0.9, f1_macro: 0.9}
      max: {log_loss: 0.3}
    regression:
      max_drop: {accuracy: 0.02}
`

// noErr marks a case whose Result.Err is nil.
const noErr fault.Kind = -1

var fixedNow = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// request is a gate of the shipped library with thresholds.yaml, no attestation.
func request(ref, dir string) gate.Request {
	lib := policy.Library()
	return gate.Request{
		Reference: ref,
		Metrics:   filepath.Join(example, "eval.json"),
		Policies:  policy.Selection{Default: &lib, Data: []string{filepath.Join(dir, "thresholds.yaml")}},
		NoAttest:  true,
		Now:       fixedNow,
	}
}

func TestRun(t *testing.T) {
	ref := packExample(t, "")
	dir := write(t, map[string]string{
		"thresholds.yaml":   thresholds,
		"worse.json":        `{"accuracy": 0.81, "f1_macro": 0.8, "log_loss": 0.45}`,
		"torn.json":         `{"accuracy": 0.9`,
		"warnonly/w.rego":   "package custom\n\nwarn contains \"no drift report\" if input.drift == null\n",
		"eval-baseline.csv": "name,value\naccuracy,0.97\n",
	})
	tests := []struct {
		name       string
		change     func(*gate.Request)
		decision   policy.Decision
		kind       fault.Kind // of Result.Err; noErr when nil
		wantInText string
	}{
		{name: "pass", decision: policy.Pass, kind: noErr},
		{
			name:     "fail is denied",
			change:   func(r *gate.Request) { r.Metrics = filepath.Join(dir, "worse.json") },
			decision: policy.Fail, kind: fault.Denied, wantInText: "accuracy 0.81 is below the minimum 0.9",
		},
		{
			name:     "warn passes",
			change:   func(r *gate.Request) { r.Policies.Policies = []string{filepath.Join(dir, "warnonly")} },
			decision: policy.Warn, kind: noErr, wantInText: "no drift report",
		},
		{
			name: "warn with fail-on-warn",
			change: func(r *gate.Request) {
				r.Policies.Policies, r.FailOnWarn = []string{filepath.Join(dir, "warnonly")}, true
			},
			decision: policy.Warn, kind: fault.Warned,
		},
		{
			name:     "baseline from a file",
			change:   func(r *gate.Request) { r.Baseline = filepath.Join(dir, "eval-baseline.csv") },
			decision: policy.Fail, kind: fault.Denied, wantInText: "accuracy fell from 0.97 (baseline) to 0.9333",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(ref, dir)
			if tt.change != nil {
				tt.change(&req)
			}
			res, err := gate.Run(context.Background(), req)
			require.NoError(t, err, "gate.Run(%s)", ref)
			assert.Equal(t, tt.decision, res.Verdict.Decision, "decision")
			if tt.kind == noErr {
				assert.NoError(t, res.Err())
			} else {
				assert.Equal(t, tt.kind, fault.KindOf(res.Err()), "kind of Result.Err() = %v", res.Err())
			}
			assert.Equal(t, "iris-classifier", res.Verdict.Model.Name)
			assert.Contains(t, res.Reference, "@sha256:")
			assert.Empty(t, res.Attestation, "NoAttest stores nothing")
			assert.Equal(t, fixedNow(), res.Verdict.Time)
			if tt.wantInText != "" {
				var b strings.Builder
				r, err := report.New("text")
				require.NoError(t, err)
				require.NoError(t, r.Report(&b, res.Verdict))
				assert.Contains(t, b.String(), tt.wantInText)
			}
		})
	}
}

func TestRunBaselineRow(t *testing.T) {
	ref := packExample(t, "")
	dir := write(t, map[string]string{"thresholds.yaml": thresholds, "base.json": `{"accuracy": 0.95}`})
	req := request(ref, dir)
	req.Baseline = filepath.Join(dir, "base.json")
	res, err := gate.Run(context.Background(), req)
	require.NoError(t, err)
	require.NotNil(t, res.Verdict.Baseline)
	assert.Equal(t, "base.json", res.Verdict.Baseline.Name)
	for _, row := range res.Verdict.Metrics {
		if row.Name == "accuracy" {
			require.NotNil(t, row.Baseline, "accuracy row has a baseline")
			assert.InDelta(t, 0.95, *row.Baseline, 1e-9)
			assert.InDelta(t, 0.9333-0.95, *row.Delta, 1e-9)
			return
		}
	}
	t.Fatalf("no accuracy row in %+v", res.Verdict.Metrics)
}

func TestRunBaselineFromGatedReference(t *testing.T) {
	host := registrytest.InProcess(t)
	ref := packExample(t, host)
	dir := write(t, map[string]string{"thresholds.yaml": thresholds, "worse.json": `{"accuracy": 0.81, "f1_macro": 0.8, "log_loss": 0.45}`})
	ctx := context.Background()

	priv, pub := keyPair(t)
	first := request(ref, dir)
	first.NoAttest, first.Key = false, priv
	res, err := gate.Run(ctx, first)
	require.NoError(t, err)
	require.NotEmpty(t, res.Attestation, "the first gate attaches its verdict")
	assert.True(t, strings.HasPrefix(res.Attestation, host+"/acme/iris@sha256:"), "attestation %s", res.Attestation)

	second := request(ref, dir)
	second.Metrics = filepath.Join(dir, "worse.json")
	second.Baseline, second.BaselineKeys = ref, []string{pub}
	res, err = gate.Run(ctx, second)
	require.NoError(t, err)
	require.NotNil(t, res.Verdict.Baseline, "baseline from %s", ref)
	assert.Equal(t, "iris-classifier", res.Verdict.Baseline.Name)
	assert.Equal(t, res.Verdict.Model.Digest, res.Verdict.Baseline.Digest)
	assert.Equal(t, policy.Fail, res.Verdict.Decision)
	for _, row := range res.Verdict.Metrics {
		if row.Name == "accuracy" {
			require.NotNil(t, row.Baseline)
			assert.InDelta(t, 0.9333, *row.Baseline, 1e-9)
		}
	}
}

func TestRunSignedAttestationVerifies(t *testing.T) {
	ctx := context.Background()
	ref := packExample(t, "")
	dir := write(t, map[string]string{"thresholds.yaml": thresholds})
	priv, pub := filepath.Join(dir, "gate.key"), filepath.Join(dir, "gate.pub")
	keys, err := attest.Keygen(ctx, attest.KeygenRequest{Private: priv, Public: pub})
	require.NoError(t, err)

	req := request(ref, dir)
	req.NoAttest, req.Key = false, priv
	res, err := gate.Run(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, keys.KeyID, res.KeyID)

	v, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Reference: ref, Key: pub})
	require.NoError(t, err, "verifying %s with %s", ref, pub)
	_, digest, _ := strings.Cut(res.Attestation, "@")
	assert.Equal(t, digest, v.Attestation, "the attestation gate stored is the one that verifies")
	require.NotNil(t, v.Gate)
	assert.Equal(t, "pass", v.Gate.Decision)
	assert.Equal(t, fixedNow(), v.Gate.Time)
}

func TestRunWritesReports(t *testing.T) {
	ref := packExample(t, "")
	dir := write(t, map[string]string{"thresholds.yaml": thresholds})
	req := request(ref, dir)
	for _, f := range []string{"junit", "markdown"} {
		r, err := report.New(f)
		require.NoError(t, err)
		req.Reports = append(req.Reports, gate.ReportFile{Format: f, Path: filepath.Join(dir, "out", f), Reporter: r})
	}
	res, err := gate.Run(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "out", "junit"), filepath.Join(dir, "out", "markdown")}, res.Reports)
	junit, err := os.ReadFile(filepath.Join(dir, "out", "junit"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), "<testsuites")
	md, err := os.ReadFile(filepath.Join(dir, "out", "markdown"))
	require.NoError(t, err)
	assert.Contains(t, string(md), report.Marker("iris-classifier"))
}

func TestRunRefuses(t *testing.T) {
	ref := packExample(t, "")
	dir := write(t, map[string]string{
		"thresholds.yaml": thresholds,
		"torn.json":       `{"accuracy": 0.9`,
		"broken/b.rego":   "package custom\n\ndeny contains msg if {\n\tinput.model.name ==\n}\n",
	})
	tests := []struct {
		name   string
		change func(*gate.Request)
		want   string
	}{
		{"no metrics", func(r *gate.Request) { r.Metrics = "" }, "--metrics is required"},
		{"bad metrics", func(r *gate.Request) { r.Metrics = filepath.Join(dir, "torn.json") }, "does not parse as JSON"},
		{"missing key", func(r *gate.Request) { r.Key = filepath.Join(dir, "missing.pem") }, "missing.pem"},
		{"no tag", func(r *gate.Request) { r.Reference = strings.TrimSuffix(ref, ":1.0.0") }, "give a tag or digest"},
		{"policy that does not compile", func(r *gate.Request) { r.Policies.Policies = []string{filepath.Join(dir, "broken")} }, "unexpected } token"},
		{"missing policy from the settings", func(r *gate.Request) {
			r.Policies.Policies, r.Policies.From = []string{"./nonexistent"}, "slipway.yaml"
		}, "policy ./nonexistent (from slipway.yaml): no such file or folder"},
		{"baseline neither file nor reference", func(r *gate.Request) { r.Baseline = "no such baseline" }, "no such baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(ref, dir)
			tt.change(&req)
			res, err := gate.Run(context.Background(), req)
			require.Error(t, err, "gate.Run returned %+v", res)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestRunCurrentDataReachesThePolicies gates the example with current data
// whose first feature is shifted far: the drift computed against the
// model's own dataset is input.drift, and the shipped drift policy fails it;
// the unshifted data passes, and both files are recorded by digest.
func TestRunCurrentDataReachesThePolicies(t *testing.T) {
	ref := packExample(t, "")
	src, err := os.ReadFile(filepath.Join(example, "data", "iris.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	for i := 1; i < len(lines); i++ {
		first, rest, _ := strings.Cut(lines[i], ",")
		v, err := strconv.ParseFloat(first, 64)
		require.NoError(t, err)
		lines[i] = strconv.FormatFloat(v+3, 'g', -1, 64) + "," + rest
	}
	dir := write(t, map[string]string{"thresholds.yaml": thresholds, "shifted.csv": strings.Join(lines, "\n") + "\n"})

	req := request(ref, dir)
	req.Current = []string{filepath.Join(dir, "shifted.csv")}
	res, err := gate.Run(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, policy.Fail, res.Verdict.Decision, "a shifted feature must fail the shipped drift policy")
	var msgs []string
	for _, f := range res.Verdict.Result.Failures() {
		msgs = append(msgs, f.Message)
	}
	assert.Contains(t, strings.Join(msgs, "\n"), "sepal_length")
	assert.Contains(t, fmt.Sprint(res.Verdict.Inputs), "shifted.csv", "the current data is recorded by digest")

	req.Current = []string{filepath.Join(example, "data", "iris.csv")}
	res, err = gate.Run(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, policy.Pass, res.Verdict.Decision, "the training data itself does not drift: %v", res.Verdict.Result.Failures())
}
