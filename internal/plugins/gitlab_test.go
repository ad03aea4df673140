package plugins

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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

var verbs = []string{"pack", "gate", "build", "promote"}

// gitlabCILocal runs gitlab-ci-local in dir (a repository copy) with the
// shell executor and artifact isolation, so artifacts and dotenv reports
// really travel from job to job. GITLAB_CI is true as on GitLab
// (gitlab-ci-local sets it to false), so slipway writes its GitLab outputs.
func gitlabCILocal(t *testing.T, dir string, extraPath []string, extraEnv []string, args ...string) (string, int) {
	t.Helper()
	requireLinux(t)
	node := node22(t)
	gcl := tool(t, "", filepath.Join("npm", "node_modules", "gitlab-ci-local", "package.json"))
	tool(t, "rsync", "")
	tool(t, "git", "")
	entry := filepath.Join(filepath.Dir(gcl), "dist", "index.js")
	env := hermetic(environ(append([]string{withPath(append(extraPath, node)...), "NO_COLOR=1"}, extraEnv...)...))
	all := append([]string{entry, "--force-shell-executor", "--shell-isolation", "--no-color", "--variable", "GITLAB_CI=true", "--ignore-predefined-vars", "GITLAB_CI"}, args...)
	return run(t, 5*time.Minute, dir, env, filepath.Join(node, "node"), all...)
}

// TestGitLabPipeline runs examples/gitlab/.gitlab-ci.yml, the golden path
// with the components included from this repository, with the real slipway.
func TestGitLabPipeline(t *testing.T) {
	dir := copyRepo(t)
	out, code := gitlabCILocal(t, dir, []string{slipway(t)}, []string{"SLIPWAY_CACHE_DIR=" + filepath.Join(dir, ".cache")},
		"--file", "examples/gitlab/.gitlab-ci.yml")
	if code != 0 {
		t.Fatalf("gitlab-ci-local --file examples/gitlab/.gitlab-ci.yml: exit %d\n%s", code, out)
	}
	logHas(t, "gitlab-ci-local", out,
		"gate pass, attestation oci:.slipway/iris-classifier@sha256:",
		" PASS  slipway-pack", " PASS  slipway-gate", " PASS  slipway-build", " PASS  slipway-promote-staging", " PASS  verdict",
		"packed iris-classifier 1.0.0: oci:.slipway/iris-classifier@sha256:",
		// The outputs reached the last job through the dotenv reports.
		"gate pass, attestation oci:.slipway/iris-classifier@sha256:",
		"image oci:.slipway/iris-classifier@sha256:",
		"in staging: oci:.slipway/iris-classifier@sha256:",
	)
}

// TestGitLabComponents includes every component, with values full of shell
// metacharacters, against fake-slipway (the slipway input), and checks the
// exact command line each job ran and that each job's outputs reached the
// next one.
func TestGitLabComponents(t *testing.T) {
	dir := copyRepo(t)
	fake := t.TempDir()
	for name, content := range map[string]string{
		"pack.json":    "{\n  \"digest\": \"sha256:aaa\",\n  \"name\": \"iris\",\n  \"reference\": \"registry.example.com/ml/iris@sha256:aaa\",\n  \"version\": \"1.4.0\"\n}\n",
		"build.json":   "{\n  \"digest\": \"sha256:bbb\",\n  \"reference\": \"registry.example.com/ml/iris-server@sha256:bbb\"\n}\n",
		"promote.json": "{\n  \"record\": {\n    \"digest\": \"sha256:bbb\",\n    \"previous\": \"sha256:999\"\n  },\n  \"reference\": \"registry.example.com/ml/iris-server@sha256:bbb\"\n}\n",
		// What slipway writes to slipway.env itself: the same keys for every verb.
		"gate.env":    "SLIPWAY_DECISION=pass\nSLIPWAY_DIGEST=sha256:gate\n",
		"build.env":   "SLIPWAY_DIGEST=sha256:build\nSLIPWAY_IMAGE=x\n",
		"promote.env": "SLIPWAY_DIGEST=sha256:promote\n",
	} {
		os.WriteFile(filepath.Join(fake, name), []byte(content), 0o644)
	}
	pipeline := `include:
  - local: plugins/gitlab/templates/pack.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      dir: model
      name: "` + yamlEscape(gitlabHostile) + `"
      bump: minor
      to: registry.example.com/ml/iris
      dataset: |
        data/a.csv
        data/b dir
      no-cache: true
      no-local: true
  - local: plugins/gitlab/templates/gate.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      metrics: eval.json
      data: |
        thresholds.yaml
      policy: |
        policies
        extra.rego
      baseline: registry.example.com/ml/iris:1.3.0
      baseline-key: keys/gate.pub
      current: |
        data/today.csv
        data/yesterday dir/b.csv
      timeout: 2m
      fail-on-warn: true
      keyless: true
      pushgateway: https://ci:s3cret@push.example.com
      metrics-file: gate.prom
  - local: plugins/gitlab/templates/build.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      base: python:3.12-slim
      to: registry.example.com/ml/iris-server
      env: |
        WORKERS=2
      entrypoint: '["python", "serve.py"]'
  - local: plugins/gitlab/templates/promote.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      env: production
      key: gate.pub
      prometheus: http://prometheus:9090
      analysis: analysis/canary.yaml
      rollback-on-failure: true
      pushgateway: https://ci:s3cret@push.example.com
      metrics-file: promote.prom
check:
  stage: .post
  script:
    - 'echo "promoted=$SLIPWAY_PROMOTE_REFERENCE previous=$SLIPWAY_PROMOTE_PREVIOUS model=$SLIPWAY_MODEL_REFERENCE"'
    - 'echo "gate=$SLIPWAY_GATE_DECISION gate-digest=$SLIPWAY_GATE_DIGEST image-digest=$SLIPWAY_IMAGE_DIGEST unscoped=${SLIPWAY_DIGEST:-none}"'
`
	if err := os.WriteFile(filepath.Join(dir, "components.yml"), []byte(pipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := gitlabCILocal(t, dir, nil, []string{"FAKE_SLIPWAY_DIR=" + fake}, "--file", "components.yml")
	if code != 0 {
		t.Fatalf("gitlab-ci-local --file components.yml: exit %d\n%s", code, out)
	}
	want := map[string][]string{
		"pack": {"pack", "--output", "json", "--lock", "slipway.lock", "--name", gitlabHostileArg, "--bump", "minor",
			"--to", "registry.example.com/ml/iris", "--no-cache", "--no-local", "--dataset", "data/a.csv", "--dataset", "data/b dir", "--", "model"},
		// The model comes from the pack job's dotenv.
		"gate": {"gate", "--metrics", "eval.json", "--output", "text",
			"--report", "junit=slipway-gate.xml", "--report", "gitlab=gl-code-quality-report.json", "--report", "markdown=slipway-gate.md",
			"--baseline", "registry.example.com/ml/iris:1.3.0", "--baseline-key", "keys/gate.pub",
			"--timeout", "2m", "--fail-on-warn", "--keyless", "--pushgateway", "https://ci:s3cret@push.example.com", "--metrics-file", "gate.prom",
			"--policy", "policies", "--policy", "extra.rego", "--data", "thresholds.yaml",
			"--current", "data/today.csv", "--current", "data/yesterday dir/b.csv",
			"--", "registry.example.com/ml/iris@sha256:aaa"},
		"build": {"build", "--base", "python:3.12-slim", "--output", "json", "--sbom", "spdx",
			"--to", "registry.example.com/ml/iris-server", "--entrypoint", `["python", "serve.py"]`, "--env", "WORKERS=2",
			"--", "registry.example.com/ml/iris@sha256:aaa"},
		// The image comes from the build job's dotenv.
		"promote": {"promote", "--env", "production", "--output", "json", "--key", "gate.pub",
			"--prometheus", "http://prometheus:9090", "--analysis", "analysis/canary.yaml", "--rollback-on-failure",
			"--pushgateway", "https://ci:s3cret@push.example.com", "--metrics-file", "promote.prom",
			"--", "registry.example.com/ml/iris-server@sha256:bbb"},
	}
	for _, verb := range verbs {
		b, err := os.ReadFile(filepath.Join(fake, verb+".argv"))
		if err != nil {
			t.Errorf("the %s job never ran slipway: %v", verb, err)
			continue
		}
		got := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		if !slices.Equal(got, want[verb]) {
			t.Errorf("the %s job ran slipway with\n%q\nwant\n%q", verb, got, want[verb])
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "pwned*")); len(m) > 0 {
		t.Errorf("an input ran as shell: %v", m)
	}
	if w := "promoted=registry.example.com/ml/iris-server@sha256:bbb previous=sha256:999 model=registry.example.com/ml/iris@sha256:aaa"; !strings.Contains(out, w) {
		t.Errorf("the check job did not see the outputs: want %q in\n%s", w, out)
	}
	// Each verb's outputs are scoped to it (issue item 3): the gate's digest
	// survives the build and promote jobs that also set one.
	if w := "gate=pass gate-digest=sha256:gate image-digest=sha256:bbb unscoped=none"; !strings.Contains(out, w) {
		t.Errorf("the check job did not see the scoped outputs: want %q in\n%s", w, out)
	}
}

// gitlabHostile is hostile as an input: GitLab expands variable references
// in job variables (so that inputs such as to: $CI_REGISTRY_IMAGE/model work;
// that is not shell), and $$ is its escape for a literal $. slipway must get
// gitlabHostileArg, with $HOME unexpanded by any shell.
var (
	gitlabHostile    = strings.ReplaceAll(hostile, "${HOME}", "$$HOME")
	gitlabHostileArg = strings.ReplaceAll(hostile, "${HOME}", "$HOME")
)

// gatePublicPEM is a public key given as PEM (not a path), as a
// baseline-key input can be.
const gatePublicPEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAWNDBKnrwtVqczO4pVjpjt1rOQ2k4GjQMPoFTzcoIEtA=\n-----END PUBLIC KEY-----\n"

// yamlEscape makes s a YAML double-quoted scalar's content.
func yamlEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// TestGitLabInputs checks that gitlab-ci-local, like GitLab, refuses a
// missing required input and a value outside an input's options.
func TestGitLabInputs(t *testing.T) {
	dir := copyRepo(t)
	for _, tc := range []struct{ name, pipeline, want string }{
		{"missing required input", "stages: [gate]\ninclude:\n  - local: plugins/gitlab/templates/gate.yml\n", "`metrics` input: required value has not been provided"},
		{"value outside options", "stages: [pack]\ninclude:\n  - local: plugins/gitlab/templates/pack.yml\n    inputs:\n      bump: huge\n", "`bump` input: `huge` cannot be used"},
		{"wrong type", "stages: [pack]\ninclude:\n  - local: plugins/gitlab/templates/pack.yml\n    inputs:\n      no-cache: maybe\n", "`no-cache` input"},
		{"wrong type of no-local", "stages: [pack]\ninclude:\n  - local: plugins/gitlab/templates/pack.yml\n    inputs:\n      no-local: maybe\n", "`no-local` input"},
		// regex (issue item 3): env becomes a job name, an environment and a
		// resource group; job-prefix a job name; version a tag.
		{"env outside its regex", "include:\n  - local: plugins/gitlab/templates/promote.yml\n    inputs:\n      env: \"prod; x\"\n", "`env` input: `prod; x` does not match required regex"},
		{"job-prefix outside its regex", "include:\n  - local: plugins/gitlab/templates/pack.yml\n    inputs:\n      job-prefix: \"a b:\"\n", "`job-prefix` input: `a b:` does not match required regex"},
		{"version outside its regex", "include:\n  - local: plugins/gitlab/templates/pack.yml\n    inputs:\n      version: v1.0\n", "`version` input: `v1.0` does not match required regex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := strings.ReplaceAll(tc.name, " ", "-") + ".yml"
			if err := os.WriteFile(filepath.Join(dir, f), []byte(tc.pipeline), 0o644); err != nil {
				t.Fatal(err)
			}
			out, code := gitlabCILocal(t, dir, nil, nil, "--file", f)
			if code == 0 || !strings.Contains(out, tc.want) {
				t.Errorf("gitlab-ci-local --file %s: exit %d; want a failure saying %q\n%s", f, code, tc.want, out)
			}
		})
	}
}

type componentSpec struct {
	Spec struct {
		Inputs map[string]struct {
			Description string
			Default     any
			Type        string
			Options     []any
		}
	}
}

var interpolation = regexp.MustCompile(`\$\[\[ inputs\.([a-z0-9-]+) \]\]`)

// TestGitLabTemplates checks what gitlab-ci-local does not: every input is
// described and used, no input is interpolated into a script (only into job
// variables), and the inputs of a verb are its CLI flags.
func TestGitLabTemplates(t *testing.T) {
	notFlags := map[string]bool{"stage": true, "job-prefix": true, "image": true, "slipway": true, "rules": true, "when": true,
		"dir": true, "ref": true, "model": true, "analysis-job": true}
	for _, verb := range verbs {
		t.Run(verb, func(t *testing.T) {
			path := filepath.Join(repoRoot, "plugins", "gitlab", "templates", verb+".yml")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			header, body, ok := strings.Cut(string(b), "\n---\n")
			if !ok {
				t.Fatalf("%s.yml: no `---` after the spec header", verb)
			}
			var spec componentSpec
			if err := yaml.Unmarshal([]byte(header), &spec); err != nil {
				t.Fatalf("%s.yml spec: %v", verb, err)
			}
			var jobs map[string]map[string]any
			if err := yaml.Unmarshal([]byte(body), &jobs); err != nil {
				t.Fatalf("%s.yml jobs: %v", verb, err)
			}
			used := map[string]bool{}
			for _, m := range interpolation.FindAllStringSubmatch(body, -1) {
				used[m[1]] = true
			}
			for name, in := range spec.Spec.Inputs {
				if in.Description == "" {
					t.Errorf("%s.yml: input %s has no description", verb, name)
				}
				if !used[name] {
					t.Errorf("%s.yml: input %s is never used", verb, name)
				}
			}
			for name, job := range jobs {
				script, _ := yaml.Marshal(job["script"])
				if strings.Contains(string(script), "$[[") {
					t.Errorf("%s.yml job %s: an input is interpolated into the script; pass it as a job variable", verb, name)
				}
			}
			flags := verbFlags(t, verb)
			if flags == nil {
				t.Skipf("slipway %s has no flags yet", verb)
			}
			for name := range spec.Spec.Inputs {
				if !notFlags[name] && !flags[name] {
					t.Errorf("%s.yml: input %s is not a flag of slipway %s", verb, name, verb)
				}
			}
		})
	}
}

// TestAssembleCatalog assembles the catalog project and includes a
// component from it the way the CI/CD Catalog does (component: with the
// project's own path), with gitlab-ci-local.
func TestAssembleCatalog(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	out := t.TempDir()
	log, code := run(t, time.Minute, repoRoot, environ(), bash, filepath.Join(repoRoot, "plugins", "gitlab", "scripts", "assemble-catalog.sh"), out, "v1.2.3")
	if code != 0 {
		t.Fatalf("assemble-catalog.sh: exit %d\n%s", code, log)
	}
	for _, f := range []string{"README.md", ".gitlab-ci.yml", "templates/pack.yml", "templates/gate.yml", "templates/build.yml", "templates/promote.yml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the component project lacks %s", f)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "templates", "gate.yml"))
	if !strings.Contains(string(b), "default: ghcr.io/slipwayhq/slipway:v1.2.3") {
		t.Errorf("templates/gate.yml: the default image is not pinned to the release")
	}

	// Use it as a catalog user would, with the fake slipway.
	git := func(args ...string) {
		t.Helper()
		if l, c := run(t, time.Minute, out, environ("GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"), "git", args...); c != 0 {
			t.Fatalf("git %s: %s", strings.Join(args, " "), l)
		}
	}
	fake := t.TempDir()
	os.WriteFile(filepath.Join(fake, "pack.json"), []byte("{\n  \"reference\": \"oci:.slipway/m@sha256:ccc\"\n}\n"), 0o644)
	script, _ := os.ReadFile(filepath.Join(repoRoot, "internal", "plugins", "testdata", "fake-slipway"))
	os.WriteFile(filepath.Join(out, "fake-slipway"), script, 0o755)
	os.WriteFile(filepath.Join(out, "use.yml"), []byte(`include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/pack@$CI_COMMIT_SHA
    inputs:
      slipway: ./fake-slipway
      dir: model
`), 0o644)
	git("init", "-q", "-b", "main")
	git("remote", "add", "origin", "git@127.0.0.1:slipwayhq/slipway.git")
	git("add", "-A")
	git("commit", "-q", "-m", "components")
	log, code = gitlabCILocal(t, out, nil, []string{"FAKE_SLIPWAY_DIR=" + fake}, "--file", "use.yml")
	if code != 0 || !strings.Contains(log, "packed") {
		t.Fatalf("gitlab-ci-local with the component from the catalog project: exit %d\n%s", code, log)
	}
	if b, err := os.ReadFile(filepath.Join(fake, "pack.argv")); err != nil || !strings.HasPrefix(string(b), "pack\x00") || !strings.HasSuffix(string(b), "\x00--\x00model\x00") {
		t.Errorf("the catalog's pack component ran slipway with %q (%v)", b, err)
	}
}

// TestCatalogPipeline runs the catalog project's own pipeline (issue item
// 3): it includes every component at $CI_COMMIT_SHA from the project itself
// and runs them, with the real slipway, on the example model.
func TestCatalogPipeline(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	out := t.TempDir()
	if log, code := run(t, time.Minute, repoRoot, environ(), bash, filepath.Join(repoRoot, "plugins", "gitlab", "scripts", "assemble-catalog.sh"), out, "v1.2.3"); code != 0 {
		t.Fatalf("assemble-catalog.sh: exit %d\n%s", code, log)
	}
	pipeline, _ := os.ReadFile(filepath.Join(out, ".gitlab-ci.yml"))
	for _, verb := range verbs {
		if w := "- component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/" + verb + "@$CI_COMMIT_SHA"; !strings.Contains(string(pipeline), w) {
			t.Errorf("the catalog pipeline lacks %q:\n%s", w, pipeline)
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"remote", "add", "origin", "git@127.0.0.1:slipwayhq/slipway.git"}, {"add", "-A"}, {"commit", "-q", "-m", "components"}} {
		if l, c := run(t, time.Minute, out, environ("GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"), "git", args...); c != 0 {
			t.Fatalf("git %s: %s", strings.Join(args, " "), l)
		}
	}
	log, code := gitlabCILocal(t, out, []string{slipway(t)}, []string{"SLIPWAY_CACHE_DIR=" + filepath.Join(out, ".cache")})
	if code != 0 {
		t.Fatalf("gitlab-ci-local of the catalog project's pipeline: exit %d\n%s", code, log)
	}
	logHas(t, "the catalog pipeline", log, " PASS  slipway-pack", " PASS  slipway-gate", " PASS  slipway-build", " PASS  slipway-promote-staging",
		"gate pass, attestation oci:.slipway/iris-classifier@sha256:")
}

// TestGitLabRemoteInclude includes the components the way the README tells a
// GitLab user to take them from this GitHub repository, `include: remote:`
// with inputs, from an HTTP server holding the repository's files.
func TestGitLabRemoteInclude(t *testing.T) {
	dir := copyRepo(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(repoRoot)))
	defer srv.Close()
	fake := t.TempDir()
	os.WriteFile(filepath.Join(fake, "pack.json"), []byte("{\n  \"reference\": \"oci:.slipway/m@sha256:ccc\"\n}\n"), 0o644)
	pipeline := `include:
  - remote: ` + srv.URL + `/plugins/gitlab/templates/pack.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      dir: model
      version: 1.2.0
  - remote: ` + srv.URL + `/plugins/gitlab/templates/gate.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      metrics: eval.json
`
	os.WriteFile(filepath.Join(dir, "remote.yml"), []byte(pipeline), 0o644)
	out, code := gitlabCILocal(t, dir, nil, []string{"FAKE_SLIPWAY_DIR=" + fake}, "--file", "remote.yml")
	if code != 0 {
		t.Fatalf("gitlab-ci-local with include: remote: exit %d\n%s", code, out)
	}
	b, err := os.ReadFile(filepath.Join(fake, "gate.argv"))
	if err != nil || !strings.HasSuffix(string(b), "\x00--\x00oci:.slipway/m@sha256:ccc\x00") {
		t.Errorf("the remotely included gate ran slipway with %q (%v), want the pack job's reference", b, err)
	}
}

// TestGitLabScriptsBusybox runs each component's script with busybox sh, the
// shell of Slipway's own image (the components' default), against
// fake-slipway: the scripts must be POSIX, not bash.
func TestGitLabScriptsBusybox(t *testing.T) {
	requireLinux(t)
	busybox := tool(t, "busybox", "")
	fakeSlipway := filepath.Join(repoRoot, "internal", "plugins", "testdata", "fake-slipway")
	inputs := map[string]map[string]string{
		"pack": {"dir": "model", "dataset": "a.csv\nb dir/\n", "no-cache": "true", "name": gitlabHostileArg},
		"gate": {"metrics": "eval.json", "data": "t.yaml\n", "key": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
			"baseline": "oci:.slipway/m:0.9.0", "baseline-key": gatePublicPEM, "insecure-unsigned": "true", "current": "a.csv\nb dir/c.csv\n"},
		"build": {"base": "scratch", "tag": "1.0.0\nlatest\n"},
		"promote": {"env": "staging", "force": "true", "reason": "it's fine",
			"prometheus": "http://prometheus:9090", "analysis": "canary.yaml", "analysis-job": "true"},
	}
	want := map[string][]string{
		"pack": {"pack", "--output", "json", "--lock", "slipway.lock", "--name", gitlabHostileArg, "--no-cache",
			"--dataset", "a.csv", "--dataset", "b dir/", "--", "model"},
		"gate": {"gate", "--metrics", "eval.json", "--output", "text", "--report", "junit=slipway-gate.xml",
			"--report", "gitlab=gl-code-quality-report.json", "--report", "markdown=slipway-gate.md",
			"--baseline", "oci:.slipway/m:0.9.0", "--baseline-key", "BASELINEKEYFILE", "--insecure-unsigned",
			"--key", "KEYFILE", "--data", "t.yaml", "--current", "a.csv", "--current", "b dir/c.csv",
			"--", "oci:.slipway/m@sha256:aaa"},
		"build": {"build", "--base", "scratch", "--output", "json", "--sbom", "spdx", "--tag", "1.0.0", "--tag", "latest",
			"--", "oci:.slipway/m@sha256:aaa"},
		"promote": {"promote", "--env", "staging", "--output", "json", "--force", "--reason", "it's fine",
			"--", "oci:.slipway/m-image@sha256:bbb"},
	}
	for _, verb := range verbs {
		t.Run(verb, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(repoRoot, "plugins", "gitlab", "templates", verb+".yml"))
			if err != nil {
				t.Fatal(err)
			}
			header, body, _ := strings.Cut(string(b), "\n---\n")
			var spec componentSpec
			var jobs map[string]struct {
				Variables map[string]string
				Script    []string
			}
			if err := yaml.Unmarshal([]byte(header), &spec); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal([]byte(body), &jobs); err != nil {
				t.Fatal(err)
			}
			// The verb's own job, and promote.yml's analysis job (its hidden
			// job only holds the rules).
			for name := range jobs {
				if strings.HasPrefix(name, ".") {
					delete(jobs, name)
				}
			}
			if want := map[bool]int{true: 2, false: 1}[verb == "promote"]; len(jobs) != want {
				t.Fatalf("%s.yml: %d jobs, want %d", verb, len(jobs), want)
			}
			fake := t.TempDir()
			work := t.TempDir()
			os.WriteFile(filepath.Join(fake, "pack.json"), []byte("{\n  \"reference\": \"oci:.slipway/m@sha256:aaa\",\n  \"name\": \"m\"\n}\n"), 0o644)
			os.WriteFile(filepath.Join(fake, "build.json"), []byte("{\n  \"reference\": \"oci:.slipway/m-image@sha256:bbb\"\n}\n"), 0o644)
			os.WriteFile(filepath.Join(fake, "promote.json"), []byte("{\n  \"record\": {\n    \"digest\": \"sha256:bbb\"\n  },\n  \"reference\": \"oci:.slipway/m-image@sha256:bbb\"\n}\n"), 0o644)
			// The job's variables as GitLab interpolates them: the inputs given, else the defaults.
			env := []string{"PATH=/nonexistent", "FAKE_SLIPWAY_DIR=" + fake, "SLIPWAY_MODEL_REFERENCE=oci:.slipway/m@sha256:aaa",
				"SLIPWAY_IMAGE_REFERENCE=oci:.slipway/m-image@sha256:bbb", "TMPDIR=" + work}
			for _, job := range jobs {
				for k, v := range job.Variables {
					if m := interpolation.FindStringSubmatch(v); m != nil {
						in, ok := inputs[verb][m[1]]
						if !ok {
							in = fmt.Sprint(spec.Spec.Inputs[m[1]].Default)
						}
						v = in
					}
					if k == "SLIPWAY_BIN" {
						v = fakeSlipway
					}
					env = append(env, k+"="+v)
				}
				script := strings.Join(job.Script, "\n")
				// busybox provides the utilities the script calls, as in the image.
				bin := t.TempDir()
				for _, applet := range []string{"sed", "head", "mktemp", "rm", "cat", "printf", "env", "bash"} {
					target := busybox
					if applet == "bash" { // fake-slipway is a bash script; the real slipway is a binary
						target, _ = exec.LookPath("bash")
					}
					os.Symlink(target, filepath.Join(bin, applet))
				}
				env[0] = "PATH=" + bin
				out, code := run(t, time.Minute, work, env, busybox, "sh", "-c", script)
				if code != 0 {
					t.Fatalf("busybox sh -c <%s script>: exit %d\n%s", verb, code, out)
				}
			}
			got, err := os.ReadFile(filepath.Join(fake, verb+".argv"))
			if err != nil {
				t.Fatalf("%s: slipway never ran", verb)
			}
			args := strings.Split(strings.TrimSuffix(string(got), "\x00"), "\x00")
			if i := slices.Index(args, "--key"); i >= 0 && i+1 < len(args) && strings.HasPrefix(args[i+1], work) {
				args[i+1] = "KEYFILE" // a private temporary file
			}
			if i := slices.Index(args, "--baseline-key"); i >= 0 && i+1 < len(args) && strings.HasPrefix(args[i+1], work) {
				// The PEM went to a temporary file, removed after the run.
				if _, err := os.Stat(args[i+1]); !os.IsNotExist(err) {
					t.Errorf("the baseline key's temporary file %s was not removed (%v)", args[i+1], err)
				}
				args[i+1] = "BASELINEKEYFILE"
			}
			if !slices.Equal(args, want[verb]) {
				t.Errorf("%s under busybox sh ran slipway with\n%q\nwant\n%q", verb, args, want[verb])
			}
			if verb == "promote" {
				got, _ := os.ReadFile(filepath.Join(fake, "analyze.argv"))
				w := "analyze\x00--prometheus\x00http://prometheus:9090\x00--analysis\x00canary.yaml\x00--env\x00staging\x00--digest\x00sha256:bbb\x00" +
					"--report\x00junit=slipway-analysis.xml\x00--report\x00markdown=slipway-analysis.md\x00"
				if string(got) != w {
					t.Errorf("the analysis job under busybox sh ran slipway with %q, want %q", got, w)
				}
			}
			dotenv, err := os.ReadFile(filepath.Join(work, "slipway-"+verb+".env"))
			if err != nil || !strings.Contains(string(dotenv), "_REFERENCE=oci:.slipway/m") {
				t.Errorf("%s: slipway-%s.env = %q (%v), want the reference", verb, verb, dotenv, err)
			}
		})
	}
}

// TestGitLabAnalysisJob runs the promote component with a canary analysis in
// a job of its own before a manual production promotion (issue 12 item 4):
// the analysis job runs slipway analyze with the candidate's digest and the
// model's name and version from the pack job, the promotion needs it and
// does not analyse again, and a failed analysis leaves the promotion unrun.
// Without analysis-job there is no analysis job and the promotion analyses.
func TestGitLabAnalysisJob(t *testing.T) {
	dir := copyRepo(t)
	pipeline := `include:
  - local: plugins/gitlab/templates/pack.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      dir: model
  - local: plugins/gitlab/templates/promote.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      env: production
      when: manual
      ref: registry.example.com/ml/iris-server@sha256:bbb
      prometheus: http://prometheus:9090
      analysis: analysis/canary.yaml
      analysis-job: true
      quiet: true
`
	// Without analysis-job, the promotion analyses.
	inside := `include:
  - local: plugins/gitlab/templates/promote.yml
    inputs:
      slipway: internal/plugins/testdata/fake-slipway
      env: staging
      ref: registry.example.com/ml/iris-server@sha256:bbb
      prometheus: http://prometheus:9090
      analysis: analysis/canary.yaml
`
	for name, content := range map[string]string{"analysis.yml": pipeline, "inside.yml": inside} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The plan: the analysis job only for production, and production's
	// manual promotion needs it.
	type job struct {
		Name  string
		When  string
		Needs []struct{ Job string }
	}
	list := func(file string) (map[string]job, []job) {
		out, code := gitlabCILocal(t, dir, nil, nil, "--file", file, "--list-json")
		i := strings.Index(out, "[")
		if code != 0 || i < 0 {
			t.Fatalf("gitlab-ci-local --file %s --list-json: exit %d\n%s", file, code, out)
		}
		var jobs []job
		if err := json.Unmarshal([]byte(out[i:]), &jobs); err != nil {
			t.Fatalf("gitlab-ci-local --list-json: %v\n%s", err, out)
		}
		byName := map[string]job{}
		for _, j := range jobs {
			byName[j.Name] = j
		}
		return byName, jobs
	}
	if staging, all := list("inside.yml"); staging["slipway-analyze-staging"].When != "never" {
		t.Errorf("staging (no analysis-job) has an analysis job that runs: %+v", all)
	}
	byName, jobs := list("analysis.yml")
	if j := byName["slipway-analyze-production"]; j.When != "on_success" {
		t.Errorf("slipway-analyze-production: when %q, want on_success (it runs by itself): %+v", j.When, jobs)
	}
	prod, ok := byName["slipway-promote-production"]
	if !ok {
		t.Fatalf("no slipway-promote-production job in %+v", jobs)
	}
	needs := []string{}
	for _, n := range prod.Needs {
		needs = append(needs, n.Job)
	}
	if prod.When != "manual" || !slices.Contains(needs, "slipway-analyze-production") {
		t.Errorf("slipway-promote-production: when %q, needs %q; want manual, needing slipway-analyze-production", prod.When, needs)
	}

	fakeDir := func(analyzeExit string) string {
		fake := t.TempDir()
		for name, content := range map[string]string{
			"pack.json":    "{\n  \"digest\": \"sha256:aaa\",\n  \"name\": \"iris\",\n  \"reference\": \"registry.example.com/ml/iris@sha256:aaa\",\n  \"version\": \"1.4.0\"\n}\n",
			"promote.json": "{\n  \"record\": {\n    \"digest\": \"sha256:bbb\"\n  },\n  \"reference\": \"registry.example.com/ml/iris-server@sha256:bbb\"\n}\n",
			"analyze.exit": analyzeExit,
		} {
			os.WriteFile(filepath.Join(fake, name), []byte(content), 0o644)
		}
		return fake
	}
	read := func(fake, name string) []string {
		b, err := os.ReadFile(filepath.Join(fake, name))
		if err != nil {
			return nil
		}
		return strings.Split(strings.TrimSuffix(strings.TrimSuffix(string(b), "\x00"), "\n"), map[bool]string{true: "\n", false: "\x00"}[name == "order"])
	}

	t.Run("passing analysis", func(t *testing.T) {
		fake := fakeDir("0")
		out, code := gitlabCILocal(t, dir, nil, []string{"FAKE_SLIPWAY_DIR=" + fake}, "--file", "analysis.yml",
			"--manual", "slipway-promote-production")
		if code != 0 {
			t.Fatalf("gitlab-ci-local: exit %d\n%s", code, out)
		}
		if got, want := read(fake, "analyze.argv"), []string{"analyze", "--prometheus", "http://prometheus:9090", "--analysis", "analysis/canary.yaml",
			"--env", "production", "--digest", "sha256:bbb", "--report", "junit=slipway-analysis.xml", "--report", "markdown=slipway-analysis.md",
			"--model", "iris", "--version", "1.4.0", "--quiet"}; !slices.Equal(got, want) {
			t.Errorf("the analysis job ran slipway with\n%q\nwant\n%q", got, want)
		}
		if got, want := read(fake, "promote.argv"), []string{"promote", "--env", "production", "--output", "json", "--quiet",
			"--", "registry.example.com/ml/iris-server@sha256:bbb"}; !slices.Equal(got, want) {
			t.Errorf("the promotion ran slipway with\n%q\nwant\n%q (the analysis job already analysed)", got, want)
		}
		if got, want := read(fake, "order"), []string{"pack", "analyze", "promote"}; !slices.Equal(got, want) {
			t.Errorf("slipway ran %q, want %q: the analysis before the promotion", got, want)
		}
	})
	t.Run("failed analysis", func(t *testing.T) {
		fake := fakeDir("1")
		out, code := gitlabCILocal(t, dir, nil, []string{"FAKE_SLIPWAY_DIR=" + fake}, "--file", "analysis.yml",
			"--manual", "slipway-promote-production")
		if code == 0 {
			t.Errorf("gitlab-ci-local passed with a failed analysis\n%s", out)
		}
		if read(fake, "analyze.argv") == nil {
			t.Errorf("the analysis job never ran slipway\n%s", out)
		}
		if got := read(fake, "promote.argv"); got != nil {
			t.Errorf("the promotion ran after a failed analysis: %q", got)
		}
	})
	t.Run("analysis inside the promotion", func(t *testing.T) {
		fake := fakeDir("0")
		out, code := gitlabCILocal(t, dir, nil, []string{"FAKE_SLIPWAY_DIR=" + fake}, "--file", "inside.yml")
		if code != 0 {
			t.Fatalf("gitlab-ci-local: exit %d\n%s", code, out)
		}
		if got, want := read(fake, "promote.argv"), []string{"promote", "--env", "staging", "--output", "json",
			"--prometheus", "http://prometheus:9090", "--analysis", "analysis/canary.yaml",
			"--", "registry.example.com/ml/iris-server@sha256:bbb"}; !slices.Equal(got, want) {
			t.Errorf("the staging promotion ran slipway with\n%q\nwant\n%q", got, want)
		}
		if got := read(fake, "analyze.argv"); got != nil {
			t.Errorf("an analysis job ran without analysis-job: %q", got)
		}
	})
}

// TestGitLabAnalysisJobRefusesRollback: rollback-on-failure rolls back from
// inside the promotion (promote --rollback-on-failure needs --analysis), so
// the analysis job refuses it with exit 2 and a message saying what to do,
// rather than dropping it.
func TestGitLabAnalysisJobRefusesRollback(t *testing.T) {
	requireLinux(t)
	busybox := tool(t, "busybox", "")
	b, err := os.ReadFile(filepath.Join(repoRoot, "plugins", "gitlab", "templates", "promote.yml"))
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(b), "\n---\n")
	var jobs map[string]struct{ Script []string }
	if err := yaml.Unmarshal([]byte(body), &jobs); err != nil {
		t.Fatal(err)
	}
	job, ok := jobs["$[[ inputs.job-prefix ]]analyze-$[[ inputs.env ]]"]
	if !ok {
		t.Fatalf("promote.yml has no analysis job: %v", jobs)
	}
	fake := t.TempDir()
	env := []string{"PATH=/nonexistent", "FAKE_SLIPWAY_DIR=" + fake, "SLIPWAY_BIN=" + filepath.Join(repoRoot, "internal", "plugins", "testdata", "fake-slipway"),
		"SLIPWAY_IN_REF=r@sha256:bbb", "SLIPWAY_IN_ENV=production", "SLIPWAY_IN_PROMETHEUS=http://p:9090", "SLIPWAY_IN_ANALYSIS=a.yaml",
		"SLIPWAY_IN_ANALYSIS_JOB=true", "SLIPWAY_IN_ROLLBACK_ON_FAILURE=true", "SLIPWAY_IN_CONFIG=", "SLIPWAY_IN_QUIET=false"}
	out, code := run(t, time.Minute, t.TempDir(), env, busybox, "sh", "-c", strings.Join(job.Script, "\n"))
	if code != 2 || !strings.Contains(out, "rollback-on-failure rolls back from inside the promotion") {
		t.Errorf("the analysis job with rollback-on-failure: exit %d, want 2 and the reason\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(fake, "analyze.argv")); err == nil {
		t.Error("slipway ran anyway")
	}
}
