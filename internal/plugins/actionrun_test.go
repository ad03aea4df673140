package plugins

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// runActionStep runs the script of step id of the action at rel (relative
// to the repository root) with bash, the way the runner does: its inputs in
// the environment (an input not given gets its default, as GitHub does), the
// action's folder as GITHUB_ACTION_PATH and fake-slipway as the binary. It
// returns the argv slipway got.
func runActionStep(t *testing.T, rel, id string, inputs map[string]string) ([]string, string) {
	t.Helper()
	argv, out, _ := runActionStepIn(t, rel, id, inputs)
	return argv, out
}

// runActionStepIn is runActionStep that also returns fake-slipway's folder
// (what it recorded besides the argv).
func runActionStepIn(t *testing.T, rel, id string, inputs map[string]string) ([]string, string, string) {
	t.Helper()
	bash := tool(t, "bash", "")
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	var m actionManifest
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("parsing %s: %v", rel, err)
	}
	fake := t.TempDir()
	env := environ("SLIPWAY="+filepath.Join(repoRoot, "internal", "plugins", "testdata", "fake-slipway"),
		"GITHUB_ACTION_PATH="+filepath.Join(repoRoot, filepath.Dir(rel)), "GITHUB_OUTPUT="+filepath.Join(fake, "output"),
		"RUNNER_TEMP="+fake, "FAKE_SLIPWAY_DIR="+fake)
	for _, s := range m.Runs.Steps {
		if s.ID != id {
			continue
		}
		for k, v := range s.Env {
			if mm := inputRef.FindStringSubmatch(v); mm != nil {
				value, given := inputs[mm[1]]
				if !given && m.Inputs[mm[1]].Default != nil {
					value = *m.Inputs[mm[1]].Default
				}
				env = append(env, k+"="+value)
			}
		}
		out, code := run(t, time.Minute, fake, env, bash, "-e", "-c", s.Run)
		if code != 0 {
			t.Fatalf("%s step %s: exit %d\n%s", rel, id, code, out)
		}
		entries, _ := filepath.Glob(filepath.Join(fake, "*.argv"))
		if len(entries) != 1 {
			t.Fatalf("%s step %s: fake-slipway ran %d times, want once\n%s", rel, id, len(entries), out)
		}
		raw, _ := os.ReadFile(entries[0])
		return strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00"), out, fake
	}
	t.Fatalf("%s has no step %s", rel, id)
	return nil, "", ""
}

// TestRootAction checks the root action (issue item 4): insecure and quiet
// reach slipway as its global flags, before the args (so an args line `--`
// cannot turn them into positional arguments), and inputs left empty or
// false add no flag at all.
func TestRootAction(t *testing.T) {
	requireLinux(t)
	cases := []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"defaults add nothing", map[string]string{"command": "history", "args": "ghcr.io/acme/server\n--env\nstaging\n"},
			[]string{"history", "ghcr.io/acme/server", "--env", "staging"}},
		{"insecure and quiet", map[string]string{"command": "attest verify", "args": "--\n-odd ref\n", "insecure": "true", "quiet": "true"},
			[]string{"attest", "verify", "--insecure", "--quiet", "--", "-odd ref"}},
		{"empty and false inputs", map[string]string{"command": "inspect", "args": "\n\nr:1\n", "insecure": "false", "quiet": "", "username": ""},
			[]string{"inspect", "r:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, out := runActionStep(t, "action.yml", "run", tc.inputs)
			if strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") {
				t.Errorf("slipway got %q, want %q\n%s", got, tc.want, out)
			}
		})
	}
}

// TestActionEmptyInputs runs each verb's action step with only its required
// inputs: no optional input left empty may reach slipway as a flag with an
// empty value (issue item 4).
func TestActionEmptyInputs(t *testing.T) {
	requireLinux(t)
	required := map[string]map[string]string{
		"actions/pack/action.yml":    {"dir": "model"},
		"actions/gate/action.yml":    {"ref": "r:1", "metrics": "eval.json"},
		"actions/build/action.yml":   {"model": "r:1", "base": "scratch"},
		"actions/promote/action.yml": {"ref": "r@sha256:aaa", "env": "staging"},
		"actions/drift/action.yml":   {"reference": "r:1", "current": "today.csv"},
	}
	for rel, inputs := range required {
		t.Run(rel, func(t *testing.T) {
			verb := filepath.Base(filepath.Dir(rel))
			argv, out := runActionStep(t, rel, verb, inputs)
			for i, a := range argv {
				if a == "" {
					t.Errorf("%s: argument %d is empty in %q\n%s", rel, i, argv, out)
				}
				// Flags other branches of slipway may not have yet, and the
				// metrics ones, appear only when asked for.
				for _, f := range []string{"--keyless", "--rollback-on-failure", "--pushgateway", "--metrics-file", "--prometheus", "--analysis", "--no-local"} {
					if a == f {
						t.Errorf("%s: %s with its input at the default, in %q", rel, f, argv)
					}
				}
			}
		})
	}
}

// TestActionPackNoLocal checks pack's no-local input: true passes
// --no-local (beside --to, with the other flags of the step), false or empty
// passes nothing, and any other value is refused before slipway runs.
func TestActionPackNoLocal(t *testing.T) {
	requireLinux(t)
	const rel = "actions/pack/action.yml"
	for _, tc := range []struct {
		value string
		want  []string
	}{
		{"true", []string{"pack", "--output", "json", "--to", "registry.example.com/ml/iris", "--no-cache", "--no-local", "--", "model"}},
		{"false", []string{"pack", "--output", "json", "--to", "registry.example.com/ml/iris", "--no-cache", "--", "model"}},
		{"", []string{"pack", "--output", "json", "--to", "registry.example.com/ml/iris", "--no-cache", "--", "model"}},
	} {
		t.Run("no-local="+tc.value, func(t *testing.T) {
			argv, out := runActionStep(t, rel, "pack", map[string]string{"dir": "model", "to": "registry.example.com/ml/iris",
				"no-cache": "true", "no-local": tc.value})
			if !slices.Equal(argv, tc.want) {
				t.Errorf("slipway got %q, want %q\n%s", argv, tc.want, out)
			}
		})
	}
	t.Run("no-local=yes", func(t *testing.T) {
		bash := tool(t, "bash", "")
		var m actionManifest
		b, _ := os.ReadFile(filepath.Join(repoRoot, rel))
		if err := yaml.Unmarshal(b, &m); err != nil || len(m.Runs.Steps) < 2 {
			t.Fatalf("parsing %s: %v", rel, err)
		}
		env := environ("SLIPWAY=/nonexistent", "GITHUB_ACTION_PATH="+filepath.Join(repoRoot, filepath.Dir(rel)),
			"IN_DIR=model", "IN_TO=registry.example.com/ml/iris", "IN_NO_LOCAL=yes")
		out, code := run(t, time.Minute, t.TempDir(), env, bash, "-e", "-c", m.Runs.Steps[1].Run)
		if code != 2 || !strings.Contains(out, "input for --no-local must be true or false, got 'yes'") {
			t.Errorf("no-local: yes: exit %d, want 2 naming the input\n%s", code, out)
		}
	})
}

// TestActionDocsGHCR checks the documented workflows (issue item 4): a
// snippet that pushes to ghcr.io with the GITHUB_TOKEN declares
// `packages: write`, without which the push is refused.
func TestActionDocsGHCR(t *testing.T) {
	for _, rel := range []string{"actions/README.md", "README.md"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, rel))
		if err != nil {
			t.Fatal(err)
		}
		for i, block := range strings.Split(string(b), "```yaml")[1:] {
			block, _, _ = strings.Cut(block, "```")
			if strings.Contains(block, "to: ghcr.io/") && strings.Contains(block, "secrets.GITHUB_TOKEN") && !strings.Contains(block, "packages: write") {
				t.Errorf("%s: yaml block %d pushes to ghcr.io with the GITHUB_TOKEN but lacks permissions: packages: write", rel, i+1)
			}
		}
	}
}

// TestActionMetricsInputs checks the inputs that publish metrics, sign
// keylessly and analyse a canary (issue 12 item 4, issue 15 item 3): each
// becomes its flag, the Pushgateway's password is masked in the log, and the
// root action hands the Pushgateway to every verb through the environment.
func TestActionMetricsInputs(t *testing.T) {
	requireLinux(t)
	const gateway = "https://ci:s3cret@push.example.com:9091"
	cases := []struct {
		rel    string
		inputs map[string]string
		want   [][]string // each a run of consecutive arguments
	}{
		{"actions/gate/action.yml", map[string]string{"ref": "r:1", "metrics": "eval.json", "keyless": "true",
			"pushgateway": gateway, "metrics-file": "gate metrics.prom"}, [][]string{
			{"--keyless", "--pushgateway", gateway, "--metrics-file", "gate metrics.prom"}}},
		{"actions/drift/action.yml", map[string]string{"reference": "r:1", "current": "today.csv",
			"pushgateway": gateway, "metrics-file": "drift.prom"}, [][]string{
			{"--pushgateway", gateway, "--metrics-file", "drift.prom"}}},
		{"actions/promote/action.yml", map[string]string{"ref": "r@sha256:aaa", "env": "production",
			"prometheus": "http://prometheus:9090", "analysis": "analysis/canary.yaml", "rollback-on-failure": "true",
			"pushgateway": gateway, "metrics-file": "promote.prom"}, [][]string{
			{"--prometheus", "http://prometheus:9090", "--analysis", "analysis/canary.yaml", "--rollback-on-failure",
				"--pushgateway", gateway, "--metrics-file", "promote.prom"}}},
	}
	for _, tc := range cases {
		t.Run(tc.rel, func(t *testing.T) {
			verb := filepath.Base(filepath.Dir(tc.rel))
			argv, out := runActionStep(t, tc.rel, verb, tc.inputs)
			for _, run := range tc.want {
				if !containsRun(argv, run) {
					t.Errorf("slipway got %q, want the run %q in it", argv, run)
				}
			}
			if !strings.Contains(out, "::add-mask::s3cret\n") {
				t.Errorf("the Pushgateway's password was not masked:\n%s", out)
			}
		})
	}
	t.Run("a flag that is not true or false", func(t *testing.T) {
		for _, in := range []string{"keyless", "rollback-on-failure"} {
			rel := map[string]string{"keyless": "actions/gate/action.yml", "rollback-on-failure": "actions/promote/action.yml"}[in]
			bash := tool(t, "bash", "")
			var m actionManifest
			b, _ := os.ReadFile(filepath.Join(repoRoot, rel))
			if err := yaml.Unmarshal(b, &m); err != nil || len(m.Runs.Steps) < 2 {
				t.Fatalf("parsing %s: %v", rel, err)
			}
			step := m.Runs.Steps[1]
			env := environ("SLIPWAY=/nonexistent", "GITHUB_ACTION_PATH="+filepath.Join(repoRoot, filepath.Dir(rel)),
				"IN_REF=r@sha256:aaa", "IN_ENV=production", "IN_METRICS=eval.json", "IN_"+strings.ToUpper(strings.ReplaceAll(in, "-", "_"))+"=yes")
			out, code := run(t, time.Minute, t.TempDir(), env, bash, "-e", "-c", step.Run)
			if code != 2 || !strings.Contains(out, "input for --"+in+" must be true or false, got 'yes'") {
				t.Errorf("%s %s: yes: exit %d, want 2 naming the input\n%s", rel, in, code, out)
			}
		}
	})
	t.Run("root action", func(t *testing.T) {
		argv, out, fake := runActionStepIn(t, "action.yml", "run", map[string]string{"command": "gate", "args": "r:1\n--metrics\neval.json\n",
			"pushgateway": gateway})
		if want := []string{"gate", "r:1", "--metrics", "eval.json"}; !slices.Equal(argv, want) {
			t.Errorf("slipway got %q, want %q: the Pushgateway goes through the environment", argv, want)
		}
		if got, _ := os.ReadFile(filepath.Join(fake, "gate.pushgateway")); string(got) != gateway {
			t.Errorf("SLIPWAY_PUSHGATEWAY = %q, want %q", got, gateway)
		}
		if !strings.Contains(out, "::add-mask::s3cret\n") {
			t.Errorf("the Pushgateway's password was not masked:\n%s", out)
		}
	})
}

// containsRun reports whether want appears in argv as consecutive arguments.
func containsRun(argv, want []string) bool {
	for i := 0; i+len(want) <= len(argv); i++ {
		if slices.Equal(argv[i:i+len(want)], want) {
			return true
		}
	}
	return false
}
