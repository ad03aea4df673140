package plugins

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostile is a value that would run commands if any shell read it as code.
const hostile = "a'b\"c; touch pwned-semicolon $(touch pwned-subshell) `touch pwned-backtick` \\ ${HOME} \n touch pwned-newline"

// jenkinsScenario is one run of harness.groovy: a step with its arguments, or
// a Jenkinsfile.
type jenkinsScenario struct {
	Name        string            `json:"name"`
	Step        string            `json:"step,omitempty"`
	Args        map[string]any    `json:"args"`
	Jenkinsfile string            `json:"jenkinsfile,omitempty"`
	Workspace   string            `json:"workspace"`
	ProcessEnv  map[string]string `json:"processEnv"`
	Plugins     []string          `json:"plugins,omitempty"` // Jenkins plugins it has: warnings-ng

	fake map[string]string // files for fake-slipway: VERB.json, VERB.exit
}

type jenkinsCall struct {
	Step string          `json:"step"`
	Args json.RawMessage `json:"args"`
	Env  []string        `json:"env"`
}

type jenkinsResult struct {
	Name     string         `json:"name"`
	Calls    []jenkinsCall  `json:"calls"`
	Returned map[string]any `json:"returned"`
	Error    string         `json:"error"`
	Crash    string         `json:"crash"`
}

func (r jenkinsResult) called(step string) []jenkinsCall {
	var out []jenkinsCall
	for _, c := range r.Calls {
		if c.Step == step {
			out = append(out, c)
		}
	}
	return out
}

func (r jenkinsResult) steps() []string {
	var out []string
	for _, c := range r.Calls {
		out = append(out, c.Step)
	}
	return out
}

// runJenkins runs the scenarios through harness.groovy in one JVM.
func runJenkins(t *testing.T, scenarios []*jenkinsScenario) map[string]jenkinsResult {
	t.Helper()
	return runJenkinsLibrary(t, filepath.Join(repoRoot, "plugins", "jenkins"), scenarios)
}

// runJenkinsLibrary runs the scenarios against the library in lib.
func runJenkinsLibrary(t *testing.T, lib string, scenarios []*jenkinsScenario) map[string]jenkinsResult {
	t.Helper()
	requireLinux(t)
	groovy := tool(t, "groovy", "")
	tool(t, "bash", "")
	env := hermetic(environ())
	if _, err := os.Stat("/usr/lib/jvm/java-17-openjdk-amd64/bin/java"); err == nil && os.Getenv("JAVA_HOME") == "" {
		env = hermetic(environ("JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64"))
	}
	dir := t.TempDir()
	for _, sc := range scenarios {
		for name, content := range sc.fake {
			if err := os.WriteFile(filepath.Join(sc.ProcessEnv["FAKE_SLIPWAY_DIR"], name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	in, out := filepath.Join(dir, "scenarios.json"), filepath.Join(dir, "results.json")
	b, _ := json.MarshalIndent(scenarios, "", "  ")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	testdata := filepath.Join(repoRoot, "internal", "plugins", "testdata", "jenkins")
	log, code := run(t, 2*time.Minute, dir, env, groovy,
		"-cp", filepath.Join(lib, "src")+string(os.PathListSeparator)+filepath.Join(testdata, "stubs"),
		filepath.Join(testdata, "harness.groovy"), lib, in, out)
	if code != 0 {
		t.Fatalf("groovy harness.groovy: exit %d\n%s", code, log)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("groovy harness.groovy wrote no results: %v\n%s", err, log)
	}
	var results []jenkinsResult
	if err := json.Unmarshal(b, &results); err != nil {
		t.Fatalf("results of harness.groovy: %v\n%s", err, b)
	}
	byName := map[string]jenkinsResult{}
	for _, r := range results {
		if r.Crash != "" {
			t.Errorf("scenario %s: the step crashed (not an error step): %s", r.Name, r.Crash)
		}
		byName[r.Name] = r
	}
	t.Logf("harness log:\n%s", log)
	return byName
}

// fakeScenario is a scenario of one step run against fake-slipway.
func fakeScenario(t *testing.T, name, step string, args map[string]any, fake map[string]string) *jenkinsScenario {
	t.Helper()
	ws := t.TempDir()
	fakeDir := t.TempDir()
	bin := t.TempDir()
	script, err := os.ReadFile(filepath.Join(repoRoot, "internal", "plugins", "testdata", "fake-slipway"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "slipway"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	return &jenkinsScenario{
		Name: name, Step: step, Args: args, Workspace: ws, fake: fake,
		ProcessEnv: map[string]string{"PATH": bin + ":/usr/bin:/bin", "FAKE_SLIPWAY_DIR": fakeDir},
	}
}

// argvOf reads what fake-slipway recorded for verb.
func argvOf(t *testing.T, sc *jenkinsScenario, verb string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sc.ProcessEnv["FAKE_SLIPWAY_DIR"], verb+".argv"))
	if err != nil {
		t.Errorf("%s: slipway %s never ran: %v", sc.Name, verb, err)
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// wantEnv is withEnv's list for argv: the binary, the call's output folder,
// then one variable per argument.
func wantEnv(binary, dir string, argv ...string) []string {
	env := []string{"SLIPWAY_BIN=" + binary, "SLIPWAY_JENKINS_DIR=" + dir}
	for i, a := range argv {
		env = append(env, fmt.Sprintf("SLIPWAY_ARG_%d=%s", i, a))
	}
	return env
}

// wantScript is the fixed script the steps give sh for n arguments.
func wantScript(n int) string {
	s := `mkdir -p "$SLIPWAY_JENKINS_DIR" && "$SLIPWAY_BIN"`
	for i := range n {
		s += fmt.Sprintf(` "$SLIPWAY_ARG_%d"`, i)
	}
	return s + ` >"$SLIPWAY_JENKINS_DIR/result.json"`
}

// outputDir is the call's own folder a step returned: slipway-runs/VERB-….
func outputDir(t *testing.T, r jenkinsResult, verb string) string {
	t.Helper()
	dir, _ := r.Returned["outputDir"].(string)
	if !regexp.MustCompile(`^slipway-runs/` + verb + `-[0-9a-f]{8}$`).MatchString(dir) {
		t.Errorf("%s: outputDir %q, want slipway-runs/%s-<8 hex digits>", r.Name, dir, verb)
	}
	return dir
}

// TestJenkinsSteps loads each step of the shared library with the pipeline
// steps stubbed (sh really runs its script with bash, against fake-slipway)
// and checks the exact command line and environment, the Map returned, the
// reports published, and the errors.
func TestJenkinsSteps(t *testing.T) {
	packJSON := `{"name": "iris", "version": "1.4.0", "reference": "oci:.slipway/iris@sha256:aaa", "digest": "sha256:aaa", "lock": "slipway.lock", "unchanged": false}`
	gateJSON := func(decision string) string {
		return `{"decision": "` + decision + `", "model": {"name": "iris", "version": "1.4.0", "digest": "sha256:aaa", "reference": "oci:.slipway/iris@sha256:aaa"}}`
	}
	sc := map[string]*jenkinsScenario{}
	add := func(s *jenkinsScenario) { sc[s.Name] = s }
	add(fakeScenario(t, "pack", "slipwayPack", map[string]any{
		"dir": "model", "version": "1.4.0", "to": "registry.example.com/ml/iris", "dataset": []any{"data/a.csv", "data/b.csv"},
		"noCache": true, "noLocal": true, "insecure": true, "mountFrom": "registry.example.com/ml/old",
	}, map[string]string{"pack.json": packJSON}))
	add(fakeScenario(t, "pack-hostile", "slipwayPack", map[string]any{"name": hostile, "lock": hostile}, map[string]string{"pack.json": packJSON}))
	add(fakeScenario(t, "pack-unknown-key", "slipwayPack", map[string]any{"dir": "model", "colour": "red", "output": "text"}, nil))
	add(fakeScenario(t, "pack-wrong-type", "slipwayPack", map[string]any{"noCache": "yes", "noLocal": "yes", "dataset": []any{map[string]any{"a": 1}}}, nil))
	add(fakeScenario(t, "pack-usage-error", "slipwayPack", map[string]any{}, map[string]string{"pack.exit": "2"}))
	add(fakeScenario(t, "gate-pass", "slipwayGate", map[string]any{
		"ref": "oci:.slipway/iris:1.4.0", "metrics": "eval.json", "data": "thresholds.yaml", "policy": []any{"policies", "extra.rego"},
		"key": "gate.key", "report": "sarif=gate.sarif", "credentialsId": "registry",
		"baseline": "oci:.slipway/iris:1.3.0", "baselineKey": "keys/gate.pub", "current": []any{"data/today.csv", "data/b dir/y.csv"},
		"timeout": "2m",
	}, map[string]string{"gate.json": gateJSON("pass")}))
	warningsNG := fakeScenario(t, "gate-warnings-ng", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json"},
		map[string]string{"gate.json": gateJSON("pass")})
	warningsNG.Plugins = []string{"warnings-ng"}
	add(warningsNG)
	add(fakeScenario(t, "gate-insecure-unsigned", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json", "baseline": "r:0",
		"insecureUnsigned": true, "current": "today.csv"}, map[string]string{"gate.json": gateJSON("pass")}))
	add(fakeScenario(t, "gate-wrong-type", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json", "insecureUnsigned": "yes",
		"current": []any{map[string]any{"a": 1}}}, nil))
	add(fakeScenario(t, "gate-refused", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json"},
		map[string]string{"gate.json": gateJSON("fail"), "gate.exit": "1"}))
	add(fakeScenario(t, "gate-refused-no-propagate", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json", "propagate": false},
		map[string]string{"gate.json": gateJSON("fail"), "gate.exit": "1"}))
	add(fakeScenario(t, "gate-warn", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json", "failOnWarn": true},
		map[string]string{"gate.json": gateJSON("warn"), "gate.exit": "4"}))
	add(fakeScenario(t, "gate-no-metrics", "slipwayGate", map[string]any{"ref": "r:1"}, nil))
	add(fakeScenario(t, "build", "slipwayBuild", map[string]any{
		"model": "oci:.slipway/iris@sha256:aaa", "base": "python:3.12-slim", "to": "registry.example.com/ml/iris-server",
		"tag": []any{"1.4.0", "latest"}, "env": []any{"WORKERS=2"}, "entrypoint": []any{"python", "serve.py"}, "platform": "linux/amd64,linux/arm64",
	}, map[string]string{"build.json": `{"reference": "registry.example.com/ml/iris-server@sha256:bbb", "digest": "sha256:bbb"}`}))
	add(fakeScenario(t, "promote", "slipwayPromote", map[string]any{
		"ref": "registry.example.com/ml/iris-server@sha256:bbb", "env": "production", "key": "gate.pub", "binary": "slipway",
	}, map[string]string{"promote.json": `{"record": {"action": "promote", "environment": "production", "digest": "sha256:bbb", "previous": "sha256:999"}, "reference": "registry.example.com/ml/iris-server@sha256:bbb"}`}))
	// Issue 12 item 4 and issue 15 item 3: metrics, keyless signing and canary analysis.
	add(fakeScenario(t, "gate-keyless-metrics", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json",
		"keyless": true, "pushgateway": "https://ci:s3cret@push.example.com", "metricsFile": "gate.prom"},
		map[string]string{"gate.json": gateJSON("pass")}))
	add(fakeScenario(t, "gate-keyless-false", "slipwayGate", map[string]any{"ref": "r:1", "metrics": "m.json", "keyless": false, "pushgateway": ""},
		map[string]string{"gate.json": gateJSON("pass")}))
	add(fakeScenario(t, "drift-metrics", "slipwayDrift", map[string]any{"reference": "r:1", "current": "today.csv",
		"pushgateway": "http://push.example.com:9091", "metricsFile": "drift.prom"},
		map[string]string{"drift.json": `{"dataset_drift": false}`}))
	add(fakeScenario(t, "promote-analysis", "slipwayPromote", map[string]any{"ref": "x@sha256:bbb", "env": "production",
		"prometheus": "http://prometheus:9090", "analysis": "analysis/canary.yaml", "rollbackOnFailure": true,
		"pushgateway": "http://push.example.com:9091", "metricsFile": "promote.prom"},
		map[string]string{"promote.json": `{"record": {"digest": "sha256:bbb"}, "reference": "x@sha256:bbb"}`}))
	add(fakeScenario(t, "promote-rollback-wrong-type", "slipwayPromote", map[string]any{"ref": "x@sha256:bbb", "env": "production",
		"rollbackOnFailure": "yes"}, nil))
	add(fakeScenario(t, "promote-refused", "slipwayPromote", map[string]any{"ref": "x@sha256:bbb", "env": "production"},
		map[string]string{"promote.exit": "1"}))

	var list []*jenkinsScenario
	for _, s := range sc {
		list = append(list, s)
	}
	results := runJenkins(t, list)

	t.Run("pack runs the exact command line, every value through the environment", func(t *testing.T) {
		s, r := sc["pack"], results["pack"]
		argv := []string{"pack", "--version", "1.4.0", "--to", "registry.example.com/ml/iris",
			"--dataset", "data/a.csv", "--dataset", "data/b.csv", "--no-cache", "--no-local", "--mount-from", "registry.example.com/ml/old",
			"--insecure", "--output", "json", "--", "model"}
		sh := r.called("sh")
		if r.Error != "" || len(sh) != 1 {
			t.Fatalf("slipwayPack: error %q, %d sh calls; want none and one", r.Error, len(sh))
		}
		var args struct {
			Script       string
			ReturnStatus bool
		}
		json.Unmarshal(sh[0].Args, &args)
		if want := wantScript(len(argv)); args.Script != want || !args.ReturnStatus {
			t.Errorf("slipwayPack sh script = %q (returnStatus %v), want %q", args.Script, args.ReturnStatus, want)
		}
		dir := outputDir(t, r, "pack")
		if want := wantEnv("slipway", dir, argv...); !slices.Equal(sh[0].Env, want) {
			t.Errorf("slipwayPack withEnv = %q, want %q", sh[0].Env, want)
		}
		if got := argvOf(t, s, "pack"); !slices.Equal(got, argv) {
			t.Errorf("slipway got argv %q, want %q", got, argv)
		}
		want := map[string]any{"name": "iris", "version": "1.4.0", "reference": "oci:.slipway/iris@sha256:aaa",
			"digest": "sha256:aaa", "lock": "slipway.lock", "unchanged": false, "exitCode": float64(0), "outputDir": dir}
		if fmt.Sprint(r.Returned) != fmt.Sprint(want) {
			t.Errorf("slipwayPack returned %v, want %v", r.Returned, want)
		}
		if a := r.called("archiveArtifacts"); len(a) != 1 || !strings.Contains(string(a[0].Args), `"slipway.lock"`) {
			t.Errorf("slipwayPack archived %v, want the lock file", a)
		}
		// Plain Java maps and lists: what CPS can serialise (issue item 2).
		var keys []string
		if j := r.called("readJSON"); len(j) != 1 || json.Unmarshal(j[0].Args, &keys) != nil || !slices.Equal(keys, []string{"returnPojo", "text"}) {
			t.Errorf("slipwayPack readJSON calls %v, want one with returnPojo and text", j)
		}
	})

	t.Run("a hostile value reaches slipway as one intact argument", func(t *testing.T) {
		s, r := sc["pack-hostile"], results["pack-hostile"]
		if r.Error != "" {
			t.Fatalf("slipwayPack with a hostile name: error %q", r.Error)
		}
		got := argvOf(t, s, "pack")
		want := []string{"pack", "--name", hostile, "--lock", hostile, "--output", "json", "--", "."}
		if !slices.Equal(got, want) {
			t.Errorf("slipway got argv %q, want %q", got, want)
		}
		if m, _ := filepath.Glob(filepath.Join(s.Workspace, "pwned*")); len(m) > 0 {
			t.Errorf("a value ran as shell: %v", m)
		}
	})

	t.Run("unknown keys and wrong types are errors, before anything runs", func(t *testing.T) {
		for name, want := range map[string]string{
			"pack-unknown-key": "slipwayPack: unknown key 'colour' (known: binary, bump, credentialsId, dataset, dir, insecure, lock, mountFrom, name, noCache, noLocal, quiet, to, version); unknown key 'output' (known: binary, bump, credentialsId, dataset, dir, insecure, lock, mountFrom, name, noCache, noLocal, quiet, to, version)",
			"pack-wrong-type":  "slipwayPack: 'dataset' must be a string or a list of strings, got a map; 'noCache' must be true or false, got a string; 'noLocal' must be true or false, got a string",
			"gate-no-metrics":  "slipwayGate: 'metrics' is required",
		} {
			r := results[name]
			if r.Error != want {
				t.Errorf("%s: error %q, want %q", name, r.Error, want)
			}
			if len(r.called("sh")) != 0 {
				t.Errorf("%s: sh ran after a bad key", name)
			}
		}
	})

	t.Run("a usage error fails the step with what it means", func(t *testing.T) {
		r := results["pack-usage-error"]
		want := "slipwayPack: slipway pack failed with exit code 2 (a usage or configuration error); its messages are above"
		if r.Error != want {
			t.Errorf("error %q, want %q", r.Error, want)
		}
	})

	t.Run("gate publishes JUnit, archives the reports, returns the verdict", func(t *testing.T) {
		s, r := sc["gate-pass"], results["gate-pass"]
		if r.Error != "" {
			t.Fatalf("slipwayGate: error %q", r.Error)
		}
		dir := outputDir(t, r, "gate")
		argv := []string{"gate", "--metrics", "eval.json", "--policy", "policies", "--policy", "extra.rego",
			"--data", "thresholds.yaml", "--baseline", "oci:.slipway/iris:1.3.0", "--baseline-key", "keys/gate.pub",
			"--current", "data/today.csv", "--current", "data/b dir/y.csv",
			"--key", "gate.key", "--report", "sarif=gate.sarif", "--report", "junit=" + dir + "/slipway-gate.xml",
			"--report", "sarif=" + dir + "/slipway-gate.sarif", "--report", "markdown=" + dir + "/slipway-gate.md",
			"--timeout", "2m", "--output", "json", "--", "oci:.slipway/iris:1.4.0"}
		if got := argvOf(t, s, "gate"); !slices.Equal(got, argv) {
			t.Errorf("slipway got argv %q, want %q", got, argv)
		}
		if got, _ := os.ReadFile(filepath.Join(s.ProcessEnv["FAKE_SLIPWAY_DIR"], "gate.user")); string(got) != "user-of-registry" {
			t.Errorf("credentialsId: slipway saw SLIPWAY_REGISTRY_USERNAME %q, want the credential's", got)
		}
		for k, want := range map[string]any{"decision": "pass", "reference": "oci:.slipway/iris@sha256:aaa", "digest": "sha256:aaa",
			"version": "1.4.0", "report": dir + "/slipway-gate.md", "exitCode": float64(0)} {
			if r.Returned[k] != want {
				t.Errorf("slipwayGate returned %s=%v, want %v", k, r.Returned[k], want)
			}
		}
		wantSteps := []string{"withEnv", "withCredentials", "sh", "readFile", "readJSON", "junit", "echo", "archiveArtifacts"}
		if got := r.steps(); !slices.Equal(got, wantSteps) {
			t.Errorf("slipwayGate called %v, want %v", got, wantSteps)
		}
		if j := r.called("junit"); len(j) != 1 || !strings.Contains(string(j[0].Args), `"`+dir+`/slipway-gate.xml"`) {
			t.Errorf("slipwayGate junit calls %v, want %s/slipway-gate.xml", j, dir)
		}
		if a := r.called("archiveArtifacts"); len(a) != 1 || !strings.Contains(string(a[0].Args), `"`+dir+`/**"`) {
			t.Errorf("slipwayGate archived %v, want its own folder %s", a, dir)
		}
	})

	t.Run("gate hands its SARIF to warnings-ng when it is installed", func(t *testing.T) {
		r := results["gate-warnings-ng"]
		dir := outputDir(t, r, "gate")
		ri := r.called("recordIssues")
		var args struct {
			Tool struct{ Sarif struct{ Pattern string } }
		}
		if len(ri) == 1 {
			json.Unmarshal(ri[0].Args, &args)
		}
		if r.Error != "" || len(ri) != 1 || args.Tool.Sarif.Pattern != dir+"/slipway-gate.sarif" {
			t.Errorf("slipwayGate with warnings-ng: error %q, recordIssues calls %s; want one with the SARIF of %s", r.Error, ri, dir)
		}
		if len(results["gate-pass"].called("recordIssues")) != 0 {
			t.Errorf("slipwayGate without warnings-ng called recordIssues")
		}
	})

	t.Run("every call has its own output folder", func(t *testing.T) {
		dirs := map[string]bool{}
		for _, name := range []string{"gate-pass", "gate-warnings-ng", "gate-insecure-unsigned", "gate-warn"} {
			dirs[outputDir(t, results[name], "gate")] = true
		}
		if len(dirs) != 4 {
			t.Errorf("four gates wrote to %d folders, want four: %v", len(dirs), dirs)
		}
	})

	t.Run("gate takes insecureUnsigned as a boolean and current as a string or a list", func(t *testing.T) {
		r := results["gate-insecure-unsigned"]
		dir := outputDir(t, r, "gate")
		argv := []string{"gate", "--metrics", "m.json", "--baseline", "r:0", "--insecure-unsigned", "--current", "today.csv",
			"--report", "junit=" + dir + "/slipway-gate.xml", "--report", "sarif=" + dir + "/slipway-gate.sarif",
			"--report", "markdown=" + dir + "/slipway-gate.md", "--output", "json", "--", "r:1"}
		if got := argvOf(t, sc["gate-insecure-unsigned"], "gate"); r.Error != "" || !slices.Equal(got, argv) {
			t.Errorf("slipwayGate: error %q, argv %q; want argv %q", r.Error, got, argv)
		}
		r = results["gate-wrong-type"]
		if want := "slipwayGate: 'insecureUnsigned' must be true or false, got a string; 'current' must be a string or a list of strings, got a map"; r.Error != want {
			t.Errorf("error %q, want %q", r.Error, want)
		}
		if len(r.called("sh")) != 0 {
			t.Errorf("sh ran after a bad key")
		}
	})

	t.Run("a refused model fails the build after its reports are published", func(t *testing.T) {
		r := results["gate-refused"]
		if want := "slipwayGate: the gate refused oci:.slipway/iris@sha256:aaa; see slipway-runs/gate-"; !strings.HasPrefix(r.Error, want) || !strings.HasSuffix(r.Error, "/slipway-gate.md and the test results") {
			t.Errorf("error %q, want %q", r.Error, want)
		}
		if len(r.called("junit")) != 1 || len(r.called("archiveArtifacts")) != 1 {
			t.Errorf("refused: steps %v, want junit and archiveArtifacts before the error", r.steps())
		}
		r = results["gate-refused-no-propagate"]
		if r.Error != "" || r.Returned["decision"] != "fail" || r.Returned["exitCode"] != float64(1) {
			t.Errorf("propagate false: error %q, returned %v; want the fail verdict with exitCode 1", r.Error, r.Returned)
		}
		r = results["gate-warn"]
		if u := r.called("unstable"); r.Error != "" || len(u) != 1 || r.Returned["decision"] != "warn" {
			t.Errorf("warnings with failOnWarn: error %q, unstable %v, returned %v; want unstable and the warn verdict", r.Error, u, r.Returned)
		}
	})

	t.Run("build and promote", func(t *testing.T) {
		r := results["build"]
		argv := []string{"build", "--base", "python:3.12-slim", "--to", "registry.example.com/ml/iris-server",
			"--tag", "1.4.0", "--tag", "latest", "--entrypoint", "python", "--entrypoint", "serve.py", "--env", "WORKERS=2",
			"--platform", "linux/amd64,linux/arm64", "--output", "json", "--", "oci:.slipway/iris@sha256:aaa"}
		if got := argvOf(t, sc["build"], "build"); r.Error != "" || !slices.Equal(got, argv) {
			t.Errorf("slipwayBuild: error %q, argv %q; want argv %q", r.Error, got, argv)
		}
		if r.Returned["reference"] != "registry.example.com/ml/iris-server@sha256:bbb" || r.Returned["digest"] != "sha256:bbb" {
			t.Errorf("slipwayBuild returned %v", r.Returned)
		}
		r = results["promote"]
		argv = []string{"promote", "--env", "production", "--key", "gate.pub", "--output", "json", "--", "registry.example.com/ml/iris-server@sha256:bbb"}
		if got := argvOf(t, sc["promote"], "promote"); r.Error != "" || !slices.Equal(got, argv) {
			t.Errorf("slipwayPromote: error %q, argv %q; want argv %q", r.Error, got, argv)
		}
		if r.Returned["digest"] != "sha256:bbb" || r.Returned["previous"] != "sha256:999" || r.Returned["reference"] != "registry.example.com/ml/iris-server@sha256:bbb" {
			t.Errorf("slipwayPromote returned %v, want reference, digest and previous", r.Returned)
		}
		r = results["promote-refused"]
		if want := "slipwayPromote: promotion of x@sha256:bbb to production was refused; see the messages above"; r.Error != want {
			t.Errorf("refused promotion: error %q, want %q", r.Error, want)
		}
	})

	t.Run("metrics, keyless and analysis keys become their flags, only when set", func(t *testing.T) {
		for _, tc := range []struct {
			scenario, verb string
			want           []string
		}{
			{"gate-keyless-metrics", "gate", []string{"gate", "--keyless",
				"--pushgateway", "https://ci:s3cret@push.example.com", "--metrics-file", "gate.prom"}},
			{"gate-keyless-false", "gate", []string{"gate", "--metrics", "m.json", "--report"}},
			{"drift-metrics", "drift", []string{"drift", "--reference", "r:1", "--current", "today.csv", "--report", "markdown=slipway-drift.md",
				"--report", "html=slipway-drift.html", "--pushgateway", "http://push.example.com:9091", "--metrics-file", "drift.prom",
				"--output", "json"}},
			{"promote-analysis", "promote", []string{"promote", "--env", "production", "--prometheus", "http://prometheus:9090",
				"--analysis", "analysis/canary.yaml", "--rollback-on-failure", "--pushgateway", "http://push.example.com:9091",
				"--metrics-file", "promote.prom", "--output", "json", "--", "x@sha256:bbb"}},
		} {
			r := results[tc.scenario]
			got := argvOf(t, sc[tc.scenario], tc.verb)
			if r.Error != "" || len(got) == 0 || got[0] != tc.verb || !containsRun(got, tc.want[1:]) {
				t.Errorf("%s: error %q, argv %q; want slipway %s with the run %q", tc.scenario, r.Error, got, tc.verb, tc.want[1:])
			}
			for _, f := range []string{"--keyless", "--pushgateway"} {
				if tc.scenario == "gate-keyless-false" && slices.Contains(got, f) {
					t.Errorf("%s: %s with keyless: false or an empty pushgateway: %q", tc.scenario, f, got)
				}
			}
		}
		if r := results["promote-rollback-wrong-type"]; !strings.Contains(r.Error, "'rollbackOnFailure' must be true or false, got a string") {
			t.Errorf("rollbackOnFailure: 'yes': error %q, want one naming the key", r.Error)
		}
	})
}

// TestJenkinsfile runs examples/jenkins/Jenkinsfile with the real slipway:
// the golden path through the library's steps, as Jenkins would call them.
func TestJenkinsfile(t *testing.T) {
	ws := t.TempDir()
	for _, dir := range []string{"testdata/iris", "testdata/iris-gate"} {
		copyDir(t, filepath.Join(repoRoot, dir), filepath.Join(ws, dir))
	}
	sc := &jenkinsScenario{
		Name: "jenkinsfile", Jenkinsfile: filepath.Join(repoRoot, "examples", "jenkins", "Jenkinsfile"), Workspace: ws,
		ProcessEnv: map[string]string{
			"PATH":              slipway(t) + ":/usr/bin:/bin",
			"JENKINS_URL":       "http://jenkins.invalid/",
			"BUILD_URL":         "http://jenkins.invalid/job/iris/1/",
			"SLIPWAY_CACHE_DIR": filepath.Join(ws, ".cache"),
		},
	}
	r := runJenkins(t, []*jenkinsScenario{sc})["jenkinsfile"]
	if r.Error != "" || r.Crash != "" {
		t.Fatalf("Jenkinsfile: error %q %s", r.Error, r.Crash)
	}
	var echoes []string
	for _, c := range r.called("echo") {
		var s string
		json.Unmarshal(c.Args, &s)
		echoes = append(echoes, s)
	}
	all := strings.Join(echoes, "\n")
	for _, want := range []string{
		"packed iris-classifier 1.0.0: oci:.slipway/iris-classifier@sha256:",
		"gate: pass for oci:.slipway/iris-classifier@sha256:",
		"image: oci:.slipway/iris-classifier@sha256:",
		"staging: oci:.slipway/iris-classifier@sha256:",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("Jenkinsfile echoed\n%s\nwant a line with %q", all, want)
		}
	}
	// slipway wrote the Jenkins adapter's files and the gate's reports in the
	// gate call's own folder.
	for _, f := range []string{"slipway-runs/gate-*/slipway-outputs.json", "slipway-runs/gate-*/slipway-report.md", "slipway-runs/gate-*/slipway-gate.xml",
		"slipway-runs/gate-*/slipway-gate.sarif", "slipway-runs/gate-*/slipway-gate.md", "slipway-runs/promote-*/result.json", "testdata/iris/slipway.lock"} {
		if m, _ := filepath.Glob(filepath.Join(ws, f)); len(m) != 1 {
			t.Errorf("after the Jenkinsfile: %d files match %s, want one", len(m), f)
		}
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
