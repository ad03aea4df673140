package plugins

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// actionManifests are the action.yml files Slipway ships.
func actionManifests(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "actions", "*", "action.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no actions/*/action.yml under %s (%v)", repoRoot, err)
	}
	return append([]string{filepath.Join(repoRoot, "action.yml")}, files...)
}

func exampleWorkflows(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "github", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples/github/*.yml (%v)", err)
	}
	return files
}

// TestActionlint lints every example workflow; actionlint also checks each
// `with:` against the local action's inputs.
func TestActionlint(t *testing.T) {
	requireLinux(t)
	actionlint := tool(t, "actionlint", "bin/actionlint")
	args := []string{"-no-color"}
	for _, f := range exampleWorkflows(t) {
		rel, _ := filepath.Rel(repoRoot, f)
		args = append(args, rel)
	}
	out, code := run(t, time.Minute, repoRoot, environ(), actionlint, args...)
	if code != 0 {
		t.Fatalf("actionlint %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
}

// TestActionSchema validates every action.yml against GitHub's action
// metadata schema with @actions/workflow-parser (actionlint does not check an
// action.yml on its own).
func TestActionSchema(t *testing.T) {
	requireLinux(t)
	nodeDir := node22(t)
	parser := nodeModule(t, "@actions/workflow-parser")
	args := append([]string{filepath.Join(repoRoot, "internal", "plugins", "testdata", "actionschema.mjs"), parser}, actionManifests(t)...)
	out, code := run(t, time.Minute, repoRoot, environ(), filepath.Join(nodeDir, "node"), args...)
	if code != 0 {
		t.Fatalf("action metadata schema: exit %d\n%s", code, out)
	}

	// And a manifest that breaks the schema is caught, so a pass means something.
	bad := filepath.Join(t.TempDir(), "action.yml")
	if err := os.WriteFile(bad, []byte("name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, time.Minute, repoRoot, environ(), filepath.Join(nodeDir, "node"), args[0], parser, bad)
	if code == 0 || !strings.Contains(out, "shell") {
		t.Fatalf("a composite step without shell passed the schema check (exit %d):\n%s", code, out)
	}
}

type actionManifest struct {
	Name        string
	Description string
	Inputs      map[string]struct {
		Description string
		Required    bool
		Default     *string
	}
	Outputs map[string]struct {
		Description string
		Value       string
	}
	Runs struct {
		Using string
		Steps []struct {
			ID               string
			Shell            string
			Run              string
			Env              map[string]string
			WorkingDirectory string `yaml:"working-directory"`
		}
	}
}

var (
	inputRef  = regexp.MustCompile(`^\$\{\{ inputs\.([a-z0-9-]+) \}\}$`)
	outputRef = regexp.MustCompile(`^\$\{\{ steps\.([a-z0-9-]+)\.outputs\.([a-z0-9-]+) \}\}$`)
)

// TestActionManifests checks what the schema cannot: every input is
// described and reaches the scripts only through env (never interpolated into
// a script: GitHub's script-injection rule), every output is described and
// comes from a step, and the inputs of a verb's action are its CLI flags.
func TestActionManifests(t *testing.T) {
	// Inputs that are not flags of the verb: positional arguments, and the
	// action's own (slipway-version picks the binary the install step gets).
	notFlags := map[string]bool{"dir": true, "ref": true, "model": true, "working-directory": true, "password": true, "command": true, "args": true,
		"slipway-version": true}
	for _, path := range actionManifests(t) {
		rel, _ := filepath.Rel(repoRoot, path)
		t.Run(rel, func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var m actionManifest
			if err := yaml.Unmarshal(b, &m); err != nil {
				t.Fatalf("parsing %s: %v", rel, err)
			}
			if m.Name == "" || m.Description == "" || m.Runs.Using != "composite" {
				t.Errorf("%s: want a name, a description and runs.using composite; got %q, %q, %q", rel, m.Name, m.Description, m.Runs.Using)
			}
			used := map[string]bool{}
			steps := map[string]bool{}
			for i, s := range m.Runs.Steps {
				if s.Shell != "bash" {
					t.Errorf("%s: step %d has shell %q, want bash (Linux, macOS and Windows runners all have it)", rel, i, s.Shell)
				}
				if strings.Contains(s.Run, "${{") {
					t.Errorf("%s: step %d interpolates an expression into its script; pass it through env instead:\n%s", rel, i, s.Run)
				}
				for k, v := range s.Env {
					if m := inputRef.FindStringSubmatch(v); m != nil {
						used[m[1]] = true
					} else if strings.Contains(v, "inputs.") {
						t.Errorf("%s: step %d env %s=%q: want exactly ${{ inputs.NAME }}", rel, i, k, v)
					}
				}
				if m := inputRef.FindStringSubmatch(s.WorkingDirectory); m != nil {
					used[m[1]] = true
				}
				if s.ID != "" {
					steps[s.ID] = true
				}
			}
			if len(m.Runs.Steps) == 0 || m.Runs.Steps[0].ID != "install" || !strings.Contains(m.Runs.Steps[0].Run, "install.sh") {
				t.Errorf("%s: the first step must be the install step (id install, running actions/lib/install.sh)", rel)
			} else if m.Runs.Steps[0].Env["SLIPWAY_VERSION"] != "${{ inputs.slipway-version }}" {
				t.Errorf("%s: the install step must take SLIPWAY_VERSION from the slipway-version input", rel)
			}
			for _, common := range []string{"slipway-version", "insecure", "quiet", "username", "password", "working-directory"} {
				if _, ok := m.Inputs[common]; !ok {
					t.Errorf("%s: lacks the input %s every Slipway action takes", rel, common)
				}
			}
			for name, in := range m.Inputs {
				if in.Description == "" {
					t.Errorf("%s: input %s has no description", rel, name)
				}
				if !in.Required && in.Default == nil {
					t.Errorf("%s: optional input %s has no default", rel, name)
				}
				if !used[name] {
					t.Errorf("%s: input %s never reaches a step (no env: ${{ inputs.%s }})", rel, name, name)
				}
			}
			for name, out := range m.Outputs {
				mm := outputRef.FindStringSubmatch(out.Value)
				switch {
				case out.Description == "":
					t.Errorf("%s: output %s has no description", rel, name)
				case mm == nil || !steps[mm[1]]:
					t.Errorf("%s: output %s = %q: want ${{ steps.ID.outputs.NAME }} of one of its steps", rel, name, out.Value)
				}
			}

			verb := filepath.Base(filepath.Dir(path))
			if verb == "." || rel == "action.yml" {
				return
			}
			flags := verbFlags(t, verb)
			if flags == nil {
				t.Skipf("slipway %s has no flags yet (its verb is not built): inputs not compared with them", verb)
			}
			for name := range m.Inputs {
				if !notFlags[name] && !flags[name] {
					t.Errorf("%s: input %s is not a flag of slipway %s (flags: %s)", rel, name, verb, strings.Join(sortedKeys(flags), ", "))
				}
			}
		})
	}
}

var flagName = regexp.MustCompile(`(?m)^\s+(?:-[a-z], )?--([a-z0-9-]+)`)

// verbFlags returns the long flags `slipway VERB --help` lists, or nil when
// it lists none (a verb not built yet).
func verbFlags(t *testing.T, verb string) map[string]bool {
	t.Helper()
	bin := filepath.Join(slipway(t), "slipway")
	out, err := exec.Command(bin, verb, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("slipway %s --help: %v\n%s", verb, err, out)
	}
	if !strings.Contains(string(out), "Flags:") {
		return nil
	}
	flags := map[string]bool{}
	for _, m := range flagName.FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	return flags
}

func sortedKeys(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// actEnv is the environment act runs in: a scratch HOME and cache (act keeps
// its tool cache there, so the slipway the actions build is reused across
// the workflows of one run), and the developer's Go caches, so that build is
// warm.
func actEnv(t *testing.T) []string {
	t.Helper()
	home := filepath.Join(scratch, "act-home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "NO_COLOR=1"}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		env = append(env, k+"="+strings.TrimSpace(string(out)))
	}
	return hermetic(environ(env...))
}

// runAct runs one workflow with act, on the host, offline, from the
// repository root, and returns its log.
func runAct(t *testing.T, workflow string) string {
	t.Helper()
	requireLinux(t)
	act := tool(t, "act", "bin/act")
	tool(t, "git", "")
	args := []string{"push", "-W", workflow, "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--no-cache-server"}
	out, code := run(t, 10*time.Minute, repoRoot, actEnv(t), act, args...)
	if code != 0 || !strings.Contains(out, "Job succeeded") {
		t.Fatalf("act %s: exit %d, want a succeeded job\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// TestActPipeline runs the golden-path example workflow with act.
func TestActPipeline(t *testing.T) {
	out := runAct(t, "examples/github/pipeline.yml")
	logHas(t, "act examples/github/pipeline.yml", out,
		"packed iris-classifier 1.0.0: oci:.slipway/iris-classifier@sha256:",
		"gate: pass for oci:.slipway/iris-classifier@sha256:",
		"attestation: oci:.slipway/iris-classifier@sha256:",
		"built oci:.slipway/iris-classifier@sha256:",
		"image: oci:.slipway/iris-classifier@sha256:",
		"staging: oci:.slipway/iris-classifier@sha256:",
	)
}

// TestActOutputs runs the workflow that asserts, in its own steps, that the
// actions' outputs reach the next step, that a refused model fails its step
// with the verdict readable, and that no input runs as shell.
func TestActOutputs(t *testing.T) {
	out := runAct(t, "examples/github/outputs.yml")
	logHas(t, "act examples/github/outputs.yml", out,
		"Success - Main The pack outputs reach this step",
		"Success - Main The gate outputs reach this step, for a pass and for a refusal",
		"Success - Main The root action's outputs, and nothing ran",
		// The hostile value reached slipway as one argument, quotes and all.
		"bad tag \"a'b\\\"c;touch pwned-semicolon`touch pwned-backtick`$(touch pwned-subshell)\"",
	)
}
