package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/invopop/jsonschema"
	sjson "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/drift"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/promote"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite docs/schema from the result types")

// outputTypes names the type each verb prints with --output json: the
// contract that docs/schema publishes, generated from these types.
var outputTypes = map[string]any{
	"drift":         drift.Result{},
	"analyze":       promote.VerifyResult{},
	"config":        config.Config{},
	"pack":          modelpack.PackResult{},
	"push":          oci.PushResult{},
	"pull":          modelpack.PullResult{},
	"verify":        modelpack.VerifyResult{},
	"diff":          modelpack.DiffResult{},
	"inspect":       modelpack.InspectResult{},
	"build":         imagebuild.RunResult{},
	"gate":          gate.Verdict{},
	"gate-input":    gate.Document{},
	"policy-test":   policy.TestReport{},
	"policy-eval":   []policy.FileResult{},
	"policy-push":   policy.PushResult{},
	"policy-pull":   policy.PullResult{},
	"attest-verify": attest.VerifyResult{},
	"attest-keygen": attest.KeygenResult{},
	"promote":       promote.Result{},
	"rollback":      promote.Result{},
	"history":       promote.HistoryResult{},
	"gc":            oci.GCResult{},
}

// schemaDir is docs/schema, absolute: tests that run verbs change folder.
var schemaDir = func() string {
	d, err := filepath.Abs(filepath.Join("..", "..", "docs", "schema"))
	if err != nil {
		panic(err)
	}
	return d
}()

// schemaFor reflects the JSON Schema of a verb's result type, with the
// types' and fields' doc comments as descriptions.
func schemaFor(t *testing.T, verb string, v any) []byte {
	t.Helper()
	r := &jsonschema.Reflector{CommentMap: goComments(t), Mapper: textTypes}
	s := r.Reflect(v)
	s.ID = jsonschema.ID("https://github.com/slipwayhq/slipway/blob/main/docs/schema/" + verb + ".schema.json")
	s.Title = "slipway " + strings.ReplaceAll(verb, "-", " ") + " --output json"
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// textTypes gives the schema of types that marshal as strings although
// they are structs.
func textTypes(t reflect.Type) *jsonschema.Schema {
	if t == reflect.TypeFor[v1.Hash]() {
		return &jsonschema.Schema{Type: "string", Pattern: "^[a-z0-9]+:[a-f0-9]+$", Description: "a content digest, algorithm:hex"}
	}
	return nil
}

var comments map[string]string

// goComments reads the doc comments of the module's internal packages, for
// the schemas' descriptions (invopop/jsonschema keys them by import path,
// so it reads from the module root).
func goComments(t *testing.T) map[string]string {
	t.Helper()
	if comments != nil {
		return comments
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	r := &jsonschema.Reflector{}
	if err := os.Chdir(filepath.Join("..", "..")); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if err := r.AddGoComments("github.com/slipwayhq/slipway", "internal"); err != nil {
		t.Fatal(err)
	}
	comments = r.CommentMap
	return comments
}

// TestOutputSchemasAreCurrent keeps docs/schema in step with the result
// types: run `go test ./internal/cli -run TestOutputSchemas -update-schema`
// after changing one.
func TestOutputSchemasAreCurrent(t *testing.T) {
	for verb, v := range outputTypes {
		path := filepath.Join(schemaDir, verb+".schema.json")
		got := schemaFor(t, verb, v)
		if *updateSchema {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("docs/schema/%s.schema.json is missing or out of date: run go test ./internal/cli -run TestOutputSchemas -update-schema", verb)
		}
	}
}

// TestEveryVerbHasAnOutputSchema makes a new verb declare its result type.
func TestEveryVerbHasAnOutputSchema(t *testing.T) {
	root := NewRootCmd(IO{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	var missing []string
	var walk func(c *cobra.Command, prefix string)
	walk = func(c *cobra.Command, prefix string) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			name := strings.TrimPrefix(prefix+"-"+sub.Name(), "-")
			if sub.HasSubCommands() {
				walk(sub, name)
				continue
			}
			if _, ok := outputTypes[name]; !ok {
				missing = append(missing, name)
			}
		}
	}
	walk(root, "")
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("verbs without a result type in outputTypes (and docs/schema): %s", strings.Join(missing, ", "))
	}
}

// validateOutput checks one verb's real --output json against its schema.
func validateOutput(t *testing.T, verb string, out []byte) {
	t.Helper()
	path := filepath.Join(schemaDir, verb+".schema.json")
	c := sjson.NewCompiler()
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compiling %s: %v", path, err)
	}
	doc, err := sjson.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s -o json printed no JSON document: %v\n%s", verb, err, out)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("%s -o json does not match docs/schema/%s.schema.json: %v\n%s", verb, verb, err, out)
	}
}
