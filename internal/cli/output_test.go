package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestJSONOutputsMatchTheirSchemas runs every verb once with --output json
// on the bundled example, in a temporary folder with local layouts only,
// and validates what it printed against docs/schema. The steps form the
// golden path: pack, inspect, pull, verify, diff, push, keys, gate, attest,
// policies, build, promote, rollback, history, config.
func TestJSONOutputsMatchTheirSchemas(t *testing.T) {
	source, err := filepath.Abs("../../testdata/iris")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A copy: pack writes the lock into the model folder.
	example := filepath.Join(dir, "iris")
	if err := os.CopyFS(example, os.DirFS(source)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv("SLIPWAY_CACHE_DIR", filepath.Join(dir, ".cache"))
	t.Setenv("SOURCE_DATE_EPOCH", "0")
	for _, k := range []string{"CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "SLIPWAY_KEY", "SLIPWAY_POLICIES", "SLIPWAY_REGISTRY", "SLIPWAY_MODEL", "SLIPWAY_CONFIG"} {
		t.Setenv(k, "")
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("slipway.yaml", "environments:\n  - name: staging\n")
	write("policy/main.rego", "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tinput.accuracy < 0.5\n\tmsg := \"accuracy below 0.5\"\n}\n")

	// run runs slipway with -o json, wants exit code want, and returns stdout.
	run := func(want int, args ...string) []byte {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append(args, "-o", "json", "-q")
		got := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
		if got != want {
			t.Fatalf("slipway %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, want, stdout.String(), stderr.String())
		}
		return stdout.Bytes()
	}
	field := func(out []byte, key string) string {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("not a JSON object: %v\n%s", err, out)
		}
		s, _ := m[key].(string)
		return s
	}

	outputs := map[string][]byte{}
	v1 := run(0, "pack", example, "--version", "1.0.0", "--to", "oci:store")
	outputs["pack"] = v1
	digest1 := field(v1, "digest")
	outputs["inspect"] = run(0, "inspect", "oci:store:1.0.0")
	outputs["pull"] = run(0, "pull", "oci:store:1.0.0", "pulled")
	outputs["verify"] = run(0, "verify", "pulled", "--lock", filepath.Join(example, "slipway.lock"))
	outputs["diff"] = run(0, "diff", "oci:store:1.0.0", example)
	outputs["push"] = run(0, "push", "oci:store:1.0.0", "oci:copy")
	outputs["attest-keygen"] = run(0, "attest", "keygen", "gate.key", "gate.pub")
	outputs["gate"] = run(0, "gate", "oci:store:1.0.0", "--metrics", filepath.Join(example, "eval.json"), "--key", "gate.key")
	shiftedIris(t, filepath.Join(example, "data", "iris.csv"), "shifted.csv")
	outputs["drift"] = run(1, "drift", "--reference", "oci:store:1.0.0", "--current", "shifted.csv")
	run(0, "gate", "oci:store:1.0.0", "--metrics", filepath.Join(example, "eval.json"), "--current", filepath.Join(example, "data", "iris.csv"), "--no-attest")
	outputs["attest-verify"] = run(0, "attest", "verify", "oci:store:1.0.0", "--key", "gate.pub")
	outputs["policy-test"] = run(0, "policy", "test")
	outputs["policy-eval"] = run(0, "policy", "eval", filepath.Join(example, "eval.json"), "--policy", "policy")
	outputs["policy-push"] = run(0, "policy", "push", "policy", "oci:policies:1")
	outputs["policy-pull"] = run(0, "policy", "pull", "oci:policies:1", "pulled-policy")
	outputs["build"] = run(0, "build", "oci:store:1.0.0", "--base", "scratch", "--to", "oci:image")

	v2 := run(0, "pack", example, "--version", "1.1.0", "--to", "oci:store")
	run(0, "gate", "oci:store:1.1.0", "--metrics", filepath.Join(example, "eval.json"), "--key", "gate.key")
	outputs["promote"] = run(0, "promote", "oci:store@"+digest1, "--env", "staging", "--key", "gate.pub")
	run(0, "promote", "oci:store@"+field(v2, "digest"), "--env", "staging", "--key", "gate.pub")
	outputs["rollback"] = run(0, "rollback", "oci:store", "--env", "staging", "--reason", "test")
	outputs["history"] = run(0, "history", "oci:store")
	// gc after promotions: the history reads the same after it, the
	// untagged and the rolled-back digests it names included.
	run(0, "pack", example, "--to", "oci:store") // latest, then moved off by a re-pack of other bytes
	write("other/model.txt", "other bytes")
	run(0, "pack", "other", "--name", "iris", "--to", "oci:store")
	outputs["gc"] = run(0, "gc", "oci:store", "--grace", "0")
	if got := run(0, "history", "oci:store"); !bytes.Equal(got, outputs["history"]) {
		t.Errorf("history changed across gc:\nbefore: %s\nafter:  %s", outputs["history"], got)
	}
	var gc struct{ Manifests int }
	if err := json.Unmarshal(outputs["gc"], &gc); err != nil || gc.Manifests == 0 {
		t.Errorf("gc removed no manifest (%v): %s", err, outputs["gc"])
	}
	run(0, "rollback", "oci:store", "--env", "staging", "--to", field(v2, "digest"), "--reason", "after gc")
	outputs["config"] = run(0, "config")
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"version":"1.0.0"},"value":[1700000000,"0.01"]}]}}`)
	}))
	defer prom.Close()
	write("canary.yaml", "measurements:\n  - name: error-rate\n    query: errors{version=\"{{ .Version }}\"}\n    max: 0.05\n")
	outputs["analyze"] = run(0, "analyze", "--prometheus", prom.URL, "--analysis", "canary.yaml", "--version", "1.0.0")

	for verb := range outputTypes {
		if verb == "gate-input" { // the document policies see, not a verb's output (internal/gate tests it)
			continue
		}
		out, ok := outputs[verb]
		if !ok {
			t.Errorf("%s has a result type but this test does not run it", verb)
			continue
		}
		t.Run(verb, func(t *testing.T) { validateOutput(t, verb, out) })
	}
}

// shiftedIris writes a copy of the example's iris.csv with its first three
// features shifted and scaled: a dataset drift.
func shiftedIris(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := 1; i < len(lines); i++ {
		f := strings.Split(lines[i], ",")
		for j := 0; j < 3; j++ {
			v, err := strconv.ParseFloat(f[j], 64)
			if err != nil {
				t.Fatal(err)
			}
			f[j] = strconv.FormatFloat(v*1.3+0.5, 'f', 2, 64)
		}
		lines[i] = strings.Join(f, ",")
	}
	if err := os.WriteFile(to, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
