package gate_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// keyPair writes a signing key pair and returns the private and public files.
func keyPair(t *testing.T) (priv, pub string) {
	t.Helper()
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, "gate.key"), filepath.Join(dir, "gate.pub")
	_, err := attest.Keygen(context.Background(), attest.KeygenRequest{Private: priv, Public: pub})
	require.NoError(t, err)
	return priv, pub
}

// baselineModel is the example model in the in-process registry, with its
// store and descriptor for attaching attestations to it.
type baselineModel struct {
	ref   string
	store oci.Store
	desc  v1.Descriptor
}

func newBaselineModel(t *testing.T) baselineModel {
	t.Helper()
	ref := packExample(t, registrytest.InProcess(t))
	r, err := oci.ParseRef(ref, false)
	require.NoError(t, err)
	store := oci.Client{}.Open(r)
	desc, err := store.Resolve(context.Background(), "1.0.0")
	require.NoError(t, err)
	return baselineModel{ref: ref, store: store, desc: desc}
}

// attach attaches a gate verdict that claims accuracy at decided, signed
// with key (unsigned with none), with the created annotation created.
func (m baselineModel) attach(t *testing.T, key string, accuracy float64, decided, created time.Time) v1.Hash {
	t.Helper()
	stmt := attest.NewStatement("iris-classifier", m.desc.Digest, attest.PredicateGate, map[string]any{
		"decision": "pass", "time": decided, "metricValues": map[string]any{"accuracy": accuracy},
	})
	env, err := attest.Unsigned(stmt)
	if key != "" {
		signer, lerr := attest.LoadPrivateKey(key)
		require.NoError(t, lerr)
		env, err = attest.Sign(stmt, signer)
	}
	require.NoError(t, err)
	d, err := attest.Attach(context.Background(), m.store, m.desc, env, map[string]string{attest.AnnotationCreated: created.Format(time.RFC3339)})
	require.NoError(t, err)
	return d.Digest
}

var (
	monday  = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tuesday = monday.Add(24 * time.Hour)
	future  = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TestReadBaselineTrustsOnlySigned is issue 10, finding 3: a forged or
// replayed attestation must not choose what the candidate is compared with.
func TestReadBaselineTrustsOnlySigned(t *testing.T) {
	ctx := context.Background()
	priv, pub := keyPair(t)
	otherPriv, _ := keyPair(t)

	tests := []struct {
		name         string
		setup        func(t *testing.T, m baselineModel) []v1.Hash // returns the attestations to be warned about
		want         float64
		wantWarnings int
	}{
		{"the signed verdict", func(t *testing.T, m baselineModel) []v1.Hash {
			m.attach(t, priv, 0.95, monday, monday)
			return nil
		}, 0.95, 0},
		{"an unsigned forgery newer by every measure is ignored", func(t *testing.T, m baselineModel) []v1.Hash {
			m.attach(t, priv, 0.95, monday, monday)
			return []v1.Hash{m.attach(t, "", 0.1, tuesday, future)}
		}, 0.95, 1},
		{"a verdict signed by another key is ignored", func(t *testing.T, m baselineModel) []v1.Hash {
			m.attach(t, priv, 0.95, monday, monday)
			return []v1.Hash{m.attach(t, otherPriv, 0.1, tuesday, future)}
		}, 0.95, 1},
		{"an old signed verdict replayed as created in 2099 does not outrank the newest", func(t *testing.T, m baselineModel) []v1.Hash {
			m.attach(t, priv, 0.1, monday, monday)
			m.attach(t, priv, 0.95, tuesday, tuesday)
			m.attach(t, priv, 0.1, monday, future)
			return nil
		}, 0.95, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newBaselineModel(t)
			ignored := tt.setup(t, m)
			var warnings []string
			b, err := gate.ReadBaseline(ctx, gate.BaselineRequest{
				Baseline: m.ref, Keys: []string{pub}, Warn: func(s string) { warnings = append(warnings, s) },
			})
			require.NoError(t, err, "ReadBaseline(%s)", m.ref)
			assert.Equal(t, "reference", b.Source)
			assert.Equal(t, tt.want, b.Metrics["accuracy"], "baseline accuracy of %s", m.ref)
			require.Len(t, warnings, tt.wantWarnings, "warnings %q", warnings)
			for _, d := range ignored {
				assert.Contains(t, warnings[0], d.String(), "the ignored attestation is named")
			}
		})
	}
}

// TestRunForgedBaselineDoesNotHideRegression is the attack of finding 3
// end to end: a regression against the signed baseline fails although an
// unsigned envelope claims the baseline's accuracy was 0.1.
func TestRunForgedBaselineDoesNotHideRegression(t *testing.T) {
	ctx := context.Background()
	priv, pub := keyPair(t)
	m := newBaselineModel(t)
	dir := write(t, map[string]string{"thresholds.yaml": thresholds, "worse.json": `{"accuracy": 0.91, "f1_macro": 0.91, "log_loss": 0.2}`})
	m.attach(t, priv, 0.9333, monday, monday)
	m.attach(t, "", 0.1, tuesday, future)

	req := request(m.ref, dir)
	req.Metrics, req.Baseline, req.BaselineKeys = filepath.Join(dir, "worse.json"), m.ref, []string{pub}
	res, err := gate.Run(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, policy.Fail, res.Verdict.Decision, "accuracy 0.91 against the signed baseline 0.9333 is a regression")
}

func TestReadBaselineRefuses(t *testing.T) {
	ctx := context.Background()
	priv, pub := keyPair(t)
	_, otherPub := keyPair(t)
	tests := []struct {
		name  string
		setup func(t *testing.T, m baselineModel)
		req   func(m baselineModel) gate.BaselineRequest
		want  []string
	}{
		{"a reference without a key", func(t *testing.T, m baselineModel) { m.attach(t, priv, 0.95, monday, monday) },
			func(m baselineModel) gate.BaselineRequest { return gate.BaselineRequest{Baseline: m.ref} },
			[]string{"--baseline-key", "--insecure-unsigned"}},
		{"no attestation", func(t *testing.T, m baselineModel) {},
			func(m baselineModel) gate.BaselineRequest {
				return gate.BaselineRequest{Baseline: m.ref, Keys: []string{pub}}
			},
			[]string{"no gate attestation"}},
		{"only unsigned ones", func(t *testing.T, m baselineModel) { m.attach(t, "", 0.95, monday, monday) },
			func(m baselineModel) gate.BaselineRequest {
				return gate.BaselineRequest{Baseline: m.ref, Keys: []string{pub}}
			},
			[]string{"none of the 1 gate attestations", "unsigned"}},
		{"signed by another key", func(t *testing.T, m baselineModel) { m.attach(t, priv, 0.95, monday, monday) },
			func(m baselineModel) gate.BaselineRequest {
				return gate.BaselineRequest{Baseline: m.ref, Keys: []string{otherPub}}
			},
			[]string{"none of the 1 gate attestations", "signed by key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newBaselineModel(t)
			tt.setup(t, m)
			b, err := gate.ReadBaseline(ctx, tt.req(m))
			require.Error(t, err, "ReadBaseline returned %+v", b)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestReadBaselineInsecureUnsigned(t *testing.T) {
	ctx := context.Background()
	m := newBaselineModel(t)
	m.attach(t, "", 0.7, tuesday, monday)
	m.attach(t, "", 0.5, monday, future) // older by its verdict's time, whatever its annotation says
	var warnings []string
	b, err := gate.ReadBaseline(ctx, gate.BaselineRequest{
		Baseline: m.ref, InsecureUnsigned: true, Warn: func(s string) { warnings = append(warnings, s) },
	})
	require.NoError(t, err)
	assert.Equal(t, 0.7, b.Metrics["accuracy"])
	require.NotEmpty(t, warnings)
	assert.Contains(t, warnings[0], "NOT VERIFIED")
}

func TestReadBaselineFileNeedsNoKey(t *testing.T) {
	dir := write(t, map[string]string{"base.json": `{"accuracy": 0.95}`})
	b, err := gate.ReadBaseline(context.Background(), gate.BaselineRequest{Baseline: filepath.Join(dir, "base.json")})
	require.NoError(t, err)
	assert.Equal(t, "file", b.Source)
	assert.Equal(t, 0.95, b.Metrics["accuracy"])
	assert.False(t, strings.Contains(b.Model.Reference, "@"), "a file is not a reference: %s", b.Model.Reference)
}
