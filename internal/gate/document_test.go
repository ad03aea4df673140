package gate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	sjson "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// TestInputMatchesItsSchemas builds the real gate input of the example
// model, with and without a baseline, card and drift report, and validates
// it against the schema generated from gate.Document
// (docs/schema/gate-input.schema.json) and against the schema the shipped
// policies are type-checked with (docs/gate-input.schema.json).
func TestInputMatchesItsSchemas(t *testing.T) {
	ctx := context.Background()
	ref, err := oci.ParseRef(packExample(t, ""), false)
	require.NoError(t, err)
	store := oci.Client{}.Open(ref)
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	require.NoError(t, err)
	dir := write(t, map[string]string{
		"card.yaml":  "license: mit\nintended_use: teaching\n",
		"drift.json": `{"share": 0.1, "features": {"petal_length": {"psi": 0.02}}}`,
	})
	base := gate.Sources{
		Store: store, Artifact: art, Reference: ref.WithDigest(art.Descriptor.Digest.String()).String(),
		Metrics: filepath.Join(example, "eval.json"), CI: ci.Job{Platform: "github", Branch: "main", Commit: "abc"}, Now: fixedNow(),
	}
	full := base
	full.Card, full.Drift = filepath.Join(dir, "card.yaml"), filepath.Join(dir, "drift.json")
	full.Baseline = &gate.Baseline{Model: &gate.ModelRef{Name: "iris", Version: "0.9.0", Digest: art.Descriptor.Digest.String()}, Metrics: map[string]any{"accuracy": 0.9}, Source: "file"}

	schemas := map[string]*sjson.Schema{}
	for _, p := range []string{"../../docs/schema/gate-input.schema.json", "../../docs/gate-input.schema.json"} {
		abs, err := filepath.Abs(p)
		require.NoError(t, err)
		schemas[p], err = sjson.NewCompiler().Compile(abs)
		require.NoError(t, err, "compiling %s", p)
	}
	for name, src := range map[string]gate.Sources{"minimal": base, "full": full} {
		t.Run(name, func(t *testing.T) {
			in, err := gate.BuildInput(ctx, src)
			require.NoError(t, err)
			b, err := json.Marshal(in.Document)
			require.NoError(t, err)
			doc, err := sjson.UnmarshalJSON(bytes.NewReader(b))
			require.NoError(t, err)
			for p, s := range schemas {
				if err := s.Validate(doc); err != nil {
					t.Errorf("the gate input does not match %s: %v\n%s", p, err, b)
				}
			}
			require.Equal(t, "iris-classifier", in.Doc["model"].(map[string]any)["name"], "Doc is Document as plain values")
			require.False(t, strings.Contains(string(b), `"files":null`), "files is a list")
		})
	}
}
