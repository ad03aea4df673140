package plugins

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// circleciParser runs testdata/circleci.cjs: CircleCI's own config parser
// (from npm, run by the Node 22 of the tools folder) on the orb and config.
func circleciParser(t *testing.T, orb, config string) (string, int) {
	t.Helper()
	requireLinux(t)
	node := node22(t)
	parser := nodeModule(t, "@circleci/circleci-config-parser")
	return run(t, time.Minute, repoRoot, environ(), filepath.Join(node, "node"),
		filepath.Join(repoRoot, "internal", "plugins", "testdata", "circleci.cjs"), parser, orb, config, "slipway")
}

// TestCircleCIOrb validates plugins/circleci/orb.yml and the example config
// that uses it with CircleCI's parser (issue item 5), and shows the checks
// refuse a config that misuses the orb.
func TestCircleCIOrb(t *testing.T) {
	orb := filepath.Join(repoRoot, "plugins", "circleci", "orb.yml")
	out, code := circleciParser(t, orb, filepath.Join(repoRoot, "examples", "circleci", "config.yml"))
	if code != 0 || !strings.Contains(out, "ok: 5 commands, 4 jobs") {
		t.Fatalf("circleci.cjs on the orb and examples/circleci/config.yml: exit %d\n%s", code, out)
	}
	// The metrics, keyless and canary parameters (issue 12 item 4, issue 15
	// item 3), with an approval job before the production promotion.
	canary := filepath.Join(t.TempDir(), "canary.yml")
	os.WriteFile(canary, []byte(`version: 2.1
orbs:
  slipway: slipwayhq/slipway@1.2.3
workflows:
  canary:
    jobs:
      - slipway/gate:
          metrics: eval.json
          keyless: true
          pushgateway: https://push.example.com
          metrics-file: gate.prom
      - hold:
          type: approval
          requires: [slipway/gate]
      - slipway/promote:
          requires: [hold]
          env: production
          prometheus: http://prometheus:9090
          analysis: analysis/canary.yaml
          rollback-on-failure: true
          pushgateway: https://push.example.com
          metrics-file: promote.prom
      - steps:
          requires: [slipway/promote]
jobs:
  steps:
    docker:
      - image: cimg/base:current
    steps:
      - slipway/install
      - slipway/gate:
          metrics: eval.json
          keyless: false
          pushgateway: https://push.example.com
      - slipway/promote:
          env: canary
          prometheus: http://prometheus:9090
          analysis: analysis/canary.yaml
          rollback-on-failure: false
          metrics-file: promote.prom
`), 0o644)
	if out, code := circleciParser(t, orb, canary); code != 0 || !strings.Contains(out, "ok: 5 commands, 4 jobs") {
		t.Errorf("circleci.cjs on the orb and a canary config: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	os.WriteFile(bad, []byte(`version: 2.1
orbs:
  slipway: slipwayhq/slipway@1.2.3
workflows:
  w:
    jobs:
      - slipway/pack:
          no-cache: maybe
          no-local: maybe
          colour: red
      - slipway/gate:
          output: html
          keyless: maybe
`), 0o644)
	out, code = circleciParser(t, orb, bad)
	for _, want := range []string{"parameter no-cache must be a boolean", "parameter no-local must be a boolean", "has no parameter colour", "parameter output must be one of", "slipway/gate needs the parameter metrics",
		"parameter keyless must be a boolean"} {
		if code == 0 || !strings.Contains(out, want) {
			t.Errorf("circleci.cjs on a misused orb: exit %d; want a failure saying %q\n%s", code, want, out)
		}
	}
}

type orbFile struct {
	Commands map[string]struct {
		Parameters map[string]struct {
			Type    string
			Default any
		}
		Steps []map[string]any
	}
	Jobs map[string]struct {
		Parameters map[string]any
		Steps      []any
	}
}

var parameterRef = regexp.MustCompile(`^<< parameters\.([a-z0-9-]+) >>$`)

// orbRun returns the run step of an orb command: its environment and script.
func orbRun(t *testing.T, orb orbFile, command string) (map[string]string, string) {
	t.Helper()
	cmd, ok := orb.Commands[command]
	if !ok {
		t.Fatalf("the orb has no command %s", command)
	}
	for _, s := range cmd.Steps {
		r, ok := s["run"].(map[string]any)
		if !ok {
			continue
		}
		env := map[string]string{}
		for k, v := range r["environment"].(map[string]any) {
			env[k] = fmt.Sprint(v)
		}
		return env, r["command"].(string)
	}
	t.Fatalf("the orb's command %s has no run step", command)
	return nil, ""
}

func readOrb(t *testing.T, path string) orbFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var orb orbFile
	if err := yaml.Unmarshal(b, &orb); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return orb
}

// TestCircleCICommands runs each command's script with bash as CircleCI
// would (its parameters substituted into the step's environment, never into
// the script) against fake-slipway, with values full of shell
// metacharacters, and checks the exact command line and the outputs each
// command hands to later steps and jobs.
func TestCircleCICommands(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	orb := readOrb(t, filepath.Join(repoRoot, "plugins", "circleci", "orb.yml"))

	// The no-injection rule: no parameter in any script; every parameter of a
	// command is exactly one environment value, and the jobs pass every one on.
	for name, cmd := range orb.Commands {
		env, script := orbRun(t, orb, name)
		if strings.Contains(script, "<<") {
			t.Errorf("command %s: a parameter is interpolated into its script", name)
		}
		used := map[string]bool{}
		for k, v := range env {
			if m := parameterRef.FindStringSubmatch(v); m != nil {
				used[m[1]] = true
			} else if strings.Contains(v, "<<") {
				t.Errorf("command %s: environment %s=%q: want exactly << parameters.NAME >>", name, k, v)
			}
		}
		for p := range cmd.Parameters {
			if !used[p] {
				t.Errorf("command %s: parameter %s never reaches its environment", name, p)
			}
		}
		if job, ok := orb.Jobs[name]; ok {
			for p := range cmd.Parameters {
				if _, ok := job.Parameters[p]; !ok {
					t.Errorf("job %s lacks the parameter %s of its command", name, p)
				}
			}
		}
	}

	work := t.TempDir()
	fake := t.TempDir()
	bin := t.TempDir()
	script, _ := os.ReadFile(filepath.Join(repoRoot, "internal", "plugins", "testdata", "fake-slipway"))
	os.WriteFile(filepath.Join(bin, "slipway"), script, 0o755)
	for name, content := range map[string]string{
		"pack.json":    "{\n  \"digest\": \"sha256:aaa\",\n  \"name\": \"iris\",\n  \"reference\": \"oci:.slipway/iris@sha256:aaa\",\n  \"version\": \"1.4.0\"\n}\n",
		"build.json":   "{\n  \"digest\": \"sha256:bbb\",\n  \"reference\": \"oci:.slipway/iris@sha256:bbb\"\n}\n",
		"promote.json": "{\n  \"record\": {\n    \"digest\": \"sha256:bbb\",\n    \"previous\": \"sha256:999\"\n  },\n  \"reference\": \"oci:.slipway/iris@sha256:bbb\"\n}\n",
	} {
		os.WriteFile(filepath.Join(fake, name), []byte(content), 0o644)
	}
	params := map[string]map[string]string{
		"pack":    {"dir": "model dir", "name": hostile, "bump": "minor", "dataset": "data/a.csv\n\n  \ndata/b dir\n", "no-cache": "true", "quiet": "false"},
		"gate":    {"metrics": "eval.json", "data": "t.yaml\n", "policy": "policies\nextra.rego\n", "fail-on-warn": "true", "key": "GATE_PEM", "output": "text"},
		"build":   {"base": "scratch", "tag": "1.0.0\nlatest\n", "env": "A=1\n", "sbom": "spdx"},
		"promote": {"env": "staging", "key": gatePublicPEM},
	}
	want := map[string][]string{
		"pack": {"pack", "--output", "json", "--name", hostile, "--bump", "minor", "--dataset", "data/a.csv", "--dataset", "data/b dir",
			"--no-cache", "--", "model dir"},
		"gate": {"gate", "--metrics", "eval.json", "--output", "text", "--policy", "policies", "--policy", "extra.rego", "--data", "t.yaml",
			"--key", "KEYFILE", "--report", "junit=slipway-outputs/gate/slipway-gate.xml", "--report", "markdown=slipway-outputs/gate/slipway-gate.md",
			"--report", "json=slipway-outputs/gate/verdict.json", "--fail-on-warn", "--", "oci:.slipway/iris@sha256:aaa"},
		"build": {"build", "--base", "scratch", "--output", "json", "--tag", "1.0.0", "--tag", "latest", "--env", "A=1", "--sbom", "spdx",
			"--", "oci:.slipway/iris@sha256:aaa"},
		"promote": {"promote", "--env", "staging", "--output", "json", "--key", "slipway-outputs/promote.pub", "--", "oci:.slipway/iris@sha256:bbb"},
	}
	// Issue 12 item 4 and issue 15 item 3: a second run of gate and promote
	// with the metrics, keyless and analysis parameters.
	params["gate-metrics"] = map[string]string{"metrics": "eval.json", "keyless": "true",
		"pushgateway": "https://ci:s3cret@push.example.com", "metrics-file": "gate.prom"}
	want["gate-metrics"] = []string{"gate", "--metrics", "eval.json", "--output", "text",
		"--report", "junit=slipway-outputs/gate/slipway-gate.xml", "--report", "markdown=slipway-outputs/gate/slipway-gate.md",
		"--report", "json=slipway-outputs/gate/verdict.json", "--keyless", "--pushgateway", "https://ci:s3cret@push.example.com",
		"--metrics-file", "gate.prom", "--", "oci:.slipway/iris@sha256:aaa"}
	params["promote-analysis"] = map[string]string{"env": "production", "prometheus": "http://prometheus:9090",
		"analysis": "analysis/canary.yaml", "rollback-on-failure": "true", "pushgateway": "http://push.example.com:9091",
		"metrics-file": "promote.prom"}
	want["promote-analysis"] = []string{"promote", "--env", "production", "--output", "json",
		"--prometheus", "http://prometheus:9090", "--analysis", "analysis/canary.yaml", "--rollback-on-failure",
		"--pushgateway", "http://push.example.com:9091", "--metrics-file", "promote.prom", "--", "oci:.slipway/iris@sha256:bbb"}
	// A second run of pack to a registry with no-local (the first, without
	// it, must not pass --no-local).
	params["pack-no-local"] = map[string]string{"dir": "model", "to": "registry.example.com/ml/iris", "no-local": "true"}
	want["pack-no-local"] = []string{"pack", "--output", "json", "--to", "registry.example.com/ml/iris", "--no-local", "--", "model"}
	bashEnv := filepath.Join(work, "bash_env")
	for _, name := range append(slices.Clone(verbs), "gate-metrics", "promote-analysis", "pack-no-local") { // in order: each takes the outputs of the one before from the workspace
		verb, _, _ := strings.Cut(name, "-")
		env, script := orbRun(t, orb, verb)
		vars := environ("PATH="+bin+":/usr/bin:/bin", "FAKE_SLIPWAY_DIR="+fake, "BASH_ENV="+bashEnv,
			"GATE_PEM=-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----")
		for k, v := range env {
			if m := parameterRef.FindStringSubmatch(v); m != nil {
				value, given := params[name][m[1]]
				if !given {
					value = fmt.Sprint(orb.Commands[verb].Parameters[m[1]].Default)
					if orb.Commands[verb].Parameters[m[1]].Default == nil {
						value = ""
					}
				}
				vars = append(vars, k+"="+value)
			}
		}
		out, code := run(t, time.Minute, work, vars, bash, "-c", script)
		if code != 0 {
			t.Fatalf("command %s: exit %d\n%s", verb, code, out)
		}
		b, err := os.ReadFile(filepath.Join(fake, verb+".argv"))
		if err != nil {
			t.Fatalf("command %s never ran slipway\n%s", verb, out)
		}
		got := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		if i := slices.Index(got, "--key"); verb == "gate" && i >= 0 {
			if _, err := os.Stat(got[i+1]); !os.IsNotExist(err) {
				t.Errorf("gate: the private key file %s was not removed", got[i+1])
			}
			got[i+1] = "KEYFILE"
		}
		if !slices.Equal(got, want[name]) {
			t.Errorf("command %s (%s) ran slipway with\n%q\nwant\n%q", verb, name, got, want[name])
		}
	}
	if m, _ := filepath.Glob(filepath.Join(work, "pwned*")); len(m) > 0 {
		t.Errorf("a parameter ran as shell: %v", m)
	}
	// The outputs, for later steps ($BASH_ENV) and later jobs (the workspace).
	out, code := run(t, time.Minute, work, environ(), bash, "-c",
		`source "$1"; echo "$SLIPWAY_MODEL_NAME|$SLIPWAY_MODEL_REFERENCE|$SLIPWAY_IMAGE_DIGEST|$SLIPWAY_PROMOTE_PREVIOUS"; for f in slipway-outputs/*.env; do source "$f"; done; echo "$SLIPWAY_MODEL_VERSION|$SLIPWAY_PROMOTE_REFERENCE"`,
		"bash", bashEnv)
	if w := "iris|oci:.slipway/iris@sha256:aaa|sha256:bbb|sha256:999\n1.4.0|oci:.slipway/iris@sha256:bbb\n"; code != 0 || out != w {
		t.Errorf("the outputs read back:\n%s\nwant\n%s", out, w)
	}
}

// TestCircleCIInstall runs the orb's install command from an orb pinned by
// scripts/release-pin.sh: it installs the release verified against the sums
// pinned in the orb and refuses a replaced asset.
func TestCircleCIInstall(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	tool(t, "curl", "")
	asset := "slipway-linux-" + runtime.GOARCH
	good, replacement := fakeBinary("v2.3.4"), append(fakeBinary("v2.3.4"), '#')
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "plugins", "circleci"), 0o755)
	b, _ := os.ReadFile(filepath.Join(repoRoot, "plugins", "circleci", "orb.yml"))
	os.WriteFile(filepath.Join(root, "plugins", "circleci", "orb.yml"), b, 0o644)
	dist := t.TempDir()
	os.WriteFile(filepath.Join(dist, asset), good, 0o755)
	os.WriteFile(filepath.Join(dist, "SHA256SUMS"), []byte(sha256Hex(good)+"  "+asset+"\n"), 0o644)
	if out, code := run(t, time.Minute, repoRoot, environ("SLIPWAY_PIN_ROOT="+root), bash, filepath.Join(repoRoot, "scripts", "release-pin.sh"), "v2.3.4", dist); code != 0 {
		t.Fatalf("release-pin.sh: exit %d\n%s", code, out)
	}
	pinned := filepath.Join(root, "plugins", "circleci", "orb.yml")
	if out, code := circleciParser(t, pinned, filepath.Join(repoRoot, "examples", "circleci", "config.yml")); code != 0 {
		t.Fatalf("the pinned orb does not parse: exit %d\n%s", code, out)
	}
	orb := readOrb(t, pinned)
	env, script := orbRun(t, orb, "install")
	if env["SLIPWAY_PINNED_VERSION"] != "v2.3.4" || !strings.Contains(env["SLIPWAY_PINNED_SUMS"], sha256Hex(good)) {
		t.Fatalf("the pinned orb's install environment: %v", env)
	}
	srv := newReleaseServer(t, map[string]map[string][]byte{"v2.3.4": {asset: good}})
	replaced := newReleaseServer(t, map[string]map[string][]byte{"v2.3.4": {asset: replacement}})
	install := func(url string) (string, int, string) {
		work := t.TempDir()
		vars := environ("PATH=/usr/bin:/bin", "HOME="+work, "BASH_ENV="+filepath.Join(work, "bash_env"),
			"SLIPWAY_IN_VERSION=", "SLIPWAY_IN_INSTALL_DIR=", "SLIPWAY_RELEASE_URL="+url+"/releases/download",
			"SLIPWAY_PINNED_VERSION="+env["SLIPWAY_PINNED_VERSION"], "SLIPWAY_PINNED_SUMS="+env["SLIPWAY_PINNED_SUMS"])
		out, code := run(t, time.Minute, work, vars, bash, "-c", script)
		if code != 0 {
			return out, code, ""
		}
		v, _ := run(t, time.Minute, work, vars, bash, "-c", `source "$BASH_ENV"; slipway --version`)
		return out, code, v
	}
	if out, code, v := install(srv.URL); code != 0 || !strings.Contains(out, "verified against the SHA256SUMS pinned in the orb") || !strings.HasPrefix(v, "slipway v2.3.4 ") {
		t.Errorf("install of the pinned release: exit %d, then slipway --version %q\n%s", code, v, out)
	}
	if out, code, _ := install(replaced.URL); code == 0 || !strings.Contains(out, "checksum mismatch") {
		t.Errorf("install of a replaced asset: exit %d; want a checksum mismatch\n%s", code, out)
	}
}
