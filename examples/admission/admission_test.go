// Package admission_test checks the admission examples: each policy is
// valid against the CRD schema of the controller that reads it (stored in
// testdata/crds, sources in README.md), names no field the schema does not
// have, and asks for Slipway's gate predicate type and its decision field
// as internal/attest and internal/gate write them. The policy-controller
// Rego is evaluated against a real gate statement.
package admission_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/open-policy-agent/opa/v1/rego"
	sjson "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

// readYAML returns the documents of a YAML file, as JSON values.
func readYAML(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, path)
		if doc != nil {
			docs = append(docs, jsonValue(t, doc))
		}
	}
	return docs
}

// jsonValue round-trips v through JSON, so numbers and maps are as a JSON
// decoder (and the schema validator) sees them.
func jsonValue(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// crdSchema returns the openAPIV3Schema a CRD gives apiVersion and kind.
func crdSchema(t *testing.T, crdPath, apiVersion, kind string) map[string]any {
	t.Helper()
	crd := readYAML(t, crdPath)[0]
	spec := crd["spec"].(map[string]any)
	names := spec["names"].(map[string]any)
	require.Equal(t, names["kind"], kind, "%s defines %s", crdPath, names["kind"])
	group := spec["group"].(string)
	for _, v := range spec["versions"].([]any) {
		v := v.(map[string]any)
		if group+"/"+v["name"].(string) == apiVersion {
			require.Equal(t, true, v["served"], "%s %s is served", kind, apiVersion)
			return v["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
		}
	}
	t.Fatalf("%s has no version %s", crdPath, apiVersion)
	return nil
}

// validate checks doc against schema (OpenAPI v3 is JSON Schema draft 4
// with extensions, which the validator ignores).
func validate(t *testing.T, schema, doc map[string]any) error {
	t.Helper()
	raw, err := json.Marshal(schema)
	require.NoError(t, err)
	sch, err := sjson.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	c := sjson.NewCompiler()
	c.DefaultDraft(sjson.Draft4)
	require.NoError(t, c.AddResource("crd.json", sch))
	compiled, err := c.Compile("crd.json")
	require.NoError(t, err)
	raw, err = json.Marshal(doc)
	require.NoError(t, err)
	inst, err := sjson.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	return compiled.Validate(inst)
}

// unknownFields lists the fields of v its schema does not declare, as the
// API server's strict field validation (kubectl apply --validate=strict)
// would: a misspelt field is otherwise pruned silently.
func unknownFields(schema map[string]any, v any, path string) []string {
	if schema["x-kubernetes-preserve-unknown-fields"] == true {
		return nil
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		if props == nil && extra == nil {
			return nil // metadata and other open objects
		}
		var out []string
		for k, val := range v {
			if path == "" && (k == "apiVersion" || k == "kind" || k == "metadata") {
				continue // every object has them, declared or not
			}
			sub, ok := props[k].(map[string]any)
			if !ok {
				sub = extra
			}
			if sub == nil {
				out = append(out, path+"."+k)
				continue
			}
			out = append(out, unknownFields(sub, val, path+"."+k)...)
		}
		return out
	case []any:
		items, _ := schema["items"].(map[string]any)
		var out []string
		for i, val := range v {
			if items != nil {
				out = append(out, unknownFields(items, val, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
		return out
	}
	return nil
}

func checkAgainstCRD(t *testing.T, doc map[string]any, crd string) {
	t.Helper()
	schema := crdSchema(t, filepath.Join("testdata", "crds", crd), doc["apiVersion"].(string), doc["kind"].(string))
	assert.NoError(t, validate(t, schema, doc))
	assert.Empty(t, unknownFields(schema, doc, ""), "fields the CRD does not have")
}

// decisionField is the JSON name of the gate predicate's decision, as
// `slipway gate` signs it.
func decisionField(t *testing.T) string {
	raw, err := json.Marshal(gate.Verdict{Decision: policy.Pass})
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	for k, v := range m {
		if v == string(policy.Pass) {
			return k
		}
	}
	t.Fatal("the verdict has no decision field")
	return ""
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func TestKyvernoClusterPolicy(t *testing.T) {
	docs := readYAML(t, "kyverno-clusterpolicy.yaml")
	require.Len(t, docs, 1)
	doc := docs[0]
	checkAgainstCRD(t, doc, "kyverno.io_clusterpolicies.yaml")

	decision := decisionField(t)
	var attestations int
	for _, r := range list(obj(doc["spec"])["rules"]) {
		for _, vi := range list(obj(r)["verifyImages"]) {
			assert.Equal(t, "SigstoreBundle", obj(vi)["type"], "the form slipway gate writes by default")
			for _, a := range list(obj(vi)["attestations"]) {
				attestations++
				assert.Equal(t, attest.PredicateGate, obj(a)["type"])
				var conds []map[string]any
				for _, c := range list(obj(a)["conditions"]) {
					for _, cc := range list(obj(c)["all"]) {
						conds = append(conds, obj(cc))
					}
				}
				require.Len(t, conds, 1)
				assert.Equal(t, "{{ "+decision+" }}", conds[0]["key"], "Kyverno's conditions see the predicate's fields")
				assert.Equal(t, string(policy.Pass), conds[0]["value"])
			}
		}
	}
	assert.Equal(t, 1, attestations)
}

// gateStatement is the statement `slipway gate` signs for decision.
func gateStatement(t *testing.T, predicateType string, decision policy.Decision) map[string]any {
	digest, err := v1.NewHash("sha256:" + strings.Repeat("ab", 32))
	require.NoError(t, err)
	stmt := attest.NewStatement("iris-classifier", digest, predicateType, gate.Verdict{
		Decision: decision, Model: gate.ModelRef{Name: "iris-classifier", Digest: digest.String()}, Time: time.Now().UTC(),
	})
	raw, err := json.Marshal(stmt)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// compliant evaluates a policy-controller Rego policy as it does: the query
// data.sigstore.isCompliant over the attestation's statement.
func compliant(t *testing.T, module string, input map[string]any) bool {
	rs, err := rego.New(rego.Query("data.sigstore.isCompliant"), rego.Module("policy.rego", module), rego.Input(input)).Eval(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	return rs[0].Expressions[0].Value == true
}

func TestPolicyControllerClusterImagePolicy(t *testing.T) {
	docs := readYAML(t, "policy-controller-clusterimagepolicy.yaml")
	require.Len(t, docs, 1)
	doc := docs[0]
	checkAgainstCRD(t, doc, "policy.sigstore.dev_clusterimagepolicies.yaml")

	decision := decisionField(t)
	authorities := list(obj(doc["spec"])["authorities"])
	require.Len(t, authorities, 2)
	var names []string
	for _, a := range authorities {
		names = append(names, obj(a)["name"].(string))
		if obj(a)["key"] != nil {
			assert.Nil(t, obj(a)["signatureFormat"], "policy-controller reads bundles only for keyless authorities: key-signed verdicts are read from the cosign-v2 .att tag")
			assert.Nil(t, obj(a)["ctlog"], "a key-signed verdict has no tlog entry")
		} else {
			assert.Equal(t, "bundle", obj(a)["signatureFormat"])
		}
		atts := list(obj(a)["attestations"])
		require.Len(t, atts, 1)
		att := obj(atts[0])
		assert.Equal(t, attest.PredicateGate, att["predicateType"])
		p := obj(att["policy"])
		require.Equal(t, "rego", p["type"])
		module := p["data"].(string)
		assert.Contains(t, module, "input.predicate."+decision+` == "pass"`)
		assert.True(t, compliant(t, module, gateStatement(t, attest.PredicateGate, policy.Pass)), "a pass verdict complies")
		for _, d := range []policy.Decision{policy.Fail, policy.Warn} {
			assert.False(t, compliant(t, module, gateStatement(t, attest.PredicateGate, d)), "a %s verdict does not comply", d)
		}
		assert.False(t, compliant(t, module, gateStatement(t, "https://slipway.dev/attestations/promotion/v1", policy.Pass)), "another predicate does not comply")
	}
	assert.True(t, slices.Equal([]string{"slipway-gate-key", "slipway-gate-keyless"}, names))
}

// TestTheChecksCatchMistakes: the schema refuses a value it does not
// allow, and the strict check finds a misspelt field.
func TestTheChecksCatchMistakes(t *testing.T) {
	doc := readYAML(t, "kyverno-clusterpolicy.yaml")[0]
	schema := crdSchema(t, filepath.Join("testdata", "crds", "kyverno.io_clusterpolicies.yaml"), "kyverno.io/v1", "ClusterPolicy")
	vi := obj(list(obj(list(obj(doc["spec"])["rules"])[0])["verifyImages"])[0])
	vi["type"] = "Bundle"
	assert.ErrorContains(t, validate(t, schema, doc), "Bundle")
	vi["type"] = "SigstoreBundle"
	vi["attestation"] = []any{}
	assert.Equal(t, []string{".spec.rules[0].verifyImages[0].attestation"}, unknownFields(schema, doc, ""))
}
