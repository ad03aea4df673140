package plugins

import (
	"os"
	"path/filepath"
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
		return strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00"), out
	}
	t.Fatalf("%s has no step %s", rel, id)
	return nil, ""
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
	}
	for rel, inputs := range required {
		t.Run(rel, func(t *testing.T) {
			verb := filepath.Base(filepath.Dir(rel))
			argv, out := runActionStep(t, rel, verb, inputs)
			for i, a := range argv {
				if a == "" {
					t.Errorf("%s: argument %d is empty in %q\n%s", rel, i, argv, out)
				}
			}
		})
	}
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
