package policy

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// noErr marks a case whose result's Err is nil.
const noErr fault.Kind = -1

func assertKind(t *testing.T, want fault.Kind, err error) {
	t.Helper()
	if want == noErr {
		assert.NoError(t, err)
		return
	}
	assert.Equal(t, want, fault.KindOf(err), "kind of %v", err)
}

const conftestPolicy = `package main

deny contains msg if {
	input.value < 10
	msg := sprintf("%s is too small", [input.name])
}

warn contains msg if {
	input.value > 100
	msg := sprintf("%s is large", [input.name])
}
`

func TestRunTest(t *testing.T) {
	passing := writeFiles(t, map[string]string{
		"p.rego":      "package p\n\nallow if input.x == 1\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_allow if p.allow with input as {\"x\": 1}\n",
	})
	failing := writeFiles(t, map[string]string{
		"p.rego":      "package p\n\nallow if input.x == 1\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_allow if p.allow with input as {\"x\": 2}\n",
	})
	tests := []struct {
		name       string
		req        TestRequest
		kind       fault.Kind
		pass, fail int
	}{
		{name: "passing folder", req: TestRequest{Dirs: []string{passing}}, kind: noErr, pass: 1},
		{name: "failing folder", req: TestRequest{Dirs: []string{failing}}, kind: fault.Denied, fail: 1},
		{name: "run selects none", req: TestRequest{Dirs: []string{failing}, Run: "nothing_matches"}, kind: noErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := RunTest(context.Background(), tt.req)
			require.NoError(t, err, "RunTest(%+v)", tt.req)
			assert.Equal(t, tt.pass, rep.Count(TestPass), "passed")
			assert.Equal(t, tt.fail, rep.Count(TestFail), "failed")
			assertKind(t, tt.kind, rep.Err())
		})
	}

	t.Run("the shipped library", func(t *testing.T) {
		rep, err := RunTest(context.Background(), TestRequest{})
		require.NoError(t, err)
		assert.Greater(t, rep.Count(TestPass), 10, "the library has tests")
		assert.NoError(t, rep.Err())
	})
}

func TestRunEval(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"policy/p.rego":  conftestPolicy,
		"other/o.rego":   "package k8s\n\ndeny contains \"always\" if true\n",
		"inputs/a.json":  `{"name": "a", "value": 12}`,
		"inputs/b.json":  `{"name": "b", "value": 3}`,
		"big/c.yaml":     "name: c\nvalue: 200\n",
		"fine/d.json":    `{"name": "d", "value": 50}`,
		"notjson/e.json": `{"name": `,
	})
	in := func(p string) string { return filepath.Join(dir, p) }
	tests := []struct {
		name               string
		req                EvalRequest
		kind               fault.Kind
		files              int
		failures, warnings int
	}{
		{name: "a failure is denied", req: EvalRequest{Policies: Selection{Policies: []string{in("policy")}}, Files: []string{in("inputs")}}, kind: fault.Denied, files: 2, failures: 1},
		{name: "warnings pass", req: EvalRequest{Policies: Selection{Policies: []string{in("policy")}}, Files: []string{in("big")}}, kind: noErr, files: 1, warnings: 1},
		{name: "warnings with fail-on-warn", req: EvalRequest{Policies: Selection{Policies: []string{in("policy")}}, Files: []string{in("big")}, FailOnWarn: true}, kind: fault.Warned, files: 1, warnings: 1},
		{name: "clean", req: EvalRequest{Policies: Selection{Policies: []string{in("policy")}}, Files: []string{in("fine")}}, kind: noErr, files: 1},
		{name: "namespace", req: EvalRequest{Policies: Selection{Policies: []string{in("other")}}, Files: []string{in("fine")}, Namespaces: []string{"k8s"}}, kind: fault.Denied, files: 1, failures: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RunEval(context.Background(), tt.req)
			require.NoError(t, err, "RunEval(%+v)", tt.req)
			assert.Len(t, res.Files, tt.files)
			assert.Equal(t, tt.failures, res.Failures, "failures")
			assert.Equal(t, tt.warnings, res.Warnings, "warnings")
			assertKind(t, tt.kind, res.Err())
		})
	}

	t.Run("conftest's default policy folder", func(t *testing.T) {
		t.Chdir(dir)
		res, err := RunEval(context.Background(), EvalRequest{Files: []string{"inputs/b.json"}})
		require.NoError(t, err)
		assert.Equal(t, 1, res.Failures)
	})

	refusals := []struct {
		name string
		req  EvalRequest
		want string
	}{
		{"missing policy from settings", EvalRequest{Policies: Selection{Policies: []string{"./nonexistent"}, From: "slipway.yaml"}, Files: []string{in("fine")}}, "policy ./nonexistent (from slipway.yaml): no such file or folder"},
		{"missing policy flag", EvalRequest{Policies: Selection{Policies: []string{"./nonexistent"}}, Files: []string{in("fine")}}, "--policy ./nonexistent: no such file or folder"},
		{"input that does not parse", EvalRequest{Policies: Selection{Policies: []string{in("policy")}}, Files: []string{in("notjson/e.json")}}, "e.json"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunEval(context.Background(), tt.req)
			require.Error(t, err)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestPushPullRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := writeFiles(t, map[string]string{
		"main.rego":      conftestPolicy,
		"main_test.rego": "package main_test\n\ntest_x if true\n",
		"data.yaml":      "limits: {value: 10}\n",
	})
	destinations := map[string]func(t *testing.T) string{
		"registry": func(t *testing.T) string { return registrytest.InProcess(t) + "/policies/conftest" },
		"layout":   func(t *testing.T) string { return oci.LayoutPrefix + filepath.Join(t.TempDir(), "bundle") },
	}
	for name, dest := range destinations {
		t.Run(name, func(t *testing.T) {
			repo := dest(t)
			pushed, err := Push(ctx, PushRequest{Policies: []string{src}, Reference: repo + ":v1"})
			require.NoError(t, err, "Push to %s", repo)
			assert.Equal(t, "v1", pushed.Tag)
			assert.True(t, strings.HasPrefix(pushed.Digest, "sha256:"), "digest %q", pushed.Digest)
			assert.Equal(t, repo+"@"+pushed.Digest, pushed.Reference)
			assert.Equal(t, []string{"main.rego", "main_test.rego", "data.json"}, pushed.Files)

			latest, err := Push(ctx, PushRequest{Policies: []string{src}, Reference: repo})
			require.NoError(t, err)
			assert.Equal(t, "latest", latest.Tag, "no tag pushes latest")
			assert.Equal(t, pushed.Digest, latest.Digest, "the same policies push to the same digest")

			dir := filepath.Join(t.TempDir(), "pulled")
			pulled, err := Pull(ctx, PullRequest{Reference: repo + ":v1", Dir: dir})
			require.NoError(t, err, "Pull %s:v1", repo)
			assert.Equal(t, pushed.Digest, pulled.Digest)
			assert.Equal(t, pushed.Reference, pulled.Reference)
			assert.Equal(t, dir, pulled.Dir)
			got := append([]string(nil), pulled.Files...)
			sort.Strings(got)
			assert.Equal(t, []string{filepath.Join(dir, "data.json"), filepath.Join(dir, "main.rego"), filepath.Join(dir, "main_test.rego")}, got)
			raw, err := os.ReadFile(filepath.Join(dir, "main.rego"))
			require.NoError(t, err)
			assert.Equal(t, conftestPolicy, string(raw))

			// The pulled folder evaluates as the pushed one did, and so does the bundle by reference.
			for _, p := range []string{dir, pushed.Reference} {
				res, err := RunEval(ctx, EvalRequest{Policies: Selection{Policies: []string{p}}, Files: []string{writeFiles(t, map[string]string{"b.json": `{"name": "b", "value": 3}`})}})
				require.NoError(t, err, "RunEval with %s", p)
				assert.Equal(t, 1, res.Failures, "with %s", p)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		layout := oci.LayoutPrefix + filepath.Join(t.TempDir(), "empty")
		_, err := Pull(ctx, PullRequest{Reference: layout, Dir: t.TempDir()})
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err))
		assert.Contains(t, err.Error(), "give a tag or digest")

		_, err = Pull(ctx, PullRequest{Reference: registrytest.InProcess(t) + "/policies/none:v1", Dir: t.TempDir()})
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
		assert.Contains(t, err.Error(), "not found")

		broken := writeFiles(t, map[string]string{"b.rego": "package b\n\ndeny contains x if {\n"})
		_, err = Push(ctx, PushRequest{Policies: []string{broken}, Reference: layout + ":v1"})
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
	})
}
