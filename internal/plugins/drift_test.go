package plugins

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestGitLabDriftComponent checks the drift component as TestGitLabTemplates
// and TestGitLabScriptsBusybox check the others: every input described,
// used, a flag of slipway drift and never interpolated into the script; the
// script, under busybox sh against fake-slipway, runs slipway with the
// inputs as arguments.
func TestGitLabDriftComponent(t *testing.T) {
	requireLinux(t)
	busybox := tool(t, "busybox", "")
	b, err := os.ReadFile(filepath.Join(repoRoot, "plugins", "gitlab", "templates", "drift.yml"))
	if err != nil {
		t.Fatal(err)
	}
	header, body, ok := strings.Cut(string(b), "\n---\n")
	if !ok {
		t.Fatal("drift.yml: no `---` after the spec header")
	}
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
	used := map[string]bool{}
	for _, m := range interpolation.FindAllStringSubmatch(body, -1) {
		used[m[1]] = true
	}
	flags := verbFlags(t, "drift")
	notFlags := map[string]bool{"stage": true, "job-prefix": true, "image": true, "slipway": true, "rules": true}
	for name, in := range spec.Spec.Inputs {
		switch {
		case in.Description == "":
			t.Errorf("drift.yml: input %s has no description", name)
		case !used[name]:
			t.Errorf("drift.yml: input %s is never used", name)
		case !notFlags[name] && !flags[name]:
			t.Errorf("drift.yml: input %s is not a flag of slipway drift", name)
		}
	}
	if len(jobs) != 1 {
		t.Fatalf("drift.yml: %d jobs, want 1", len(jobs))
	}
	inputs := map[string]string{
		"current": "today.csv\nb dir/c.parquet\n", "ignore": "id\n", "prediction": "pred", "target": "species",
		"baseline-key": gatePublicPEM, "psi": "0.3", "insecure-unsigned": "true",
		"pushgateway": "http://push.example.com:9091", "metrics-file": "drift metrics.prom",
	}
	fake, work, bin := t.TempDir(), t.TempDir(), t.TempDir()
	env := []string{"PATH=" + bin, "FAKE_SLIPWAY_DIR=" + fake, "SLIPWAY_MODEL_REFERENCE=oci:.slipway/m@sha256:aaa", "TMPDIR=" + work}
	for _, applet := range []string{"sed", "head", "mktemp", "rm", "cat", "printf", "env", "bash"} {
		target := busybox
		if applet == "bash" { // fake-slipway is a bash script; the real slipway is a binary
			target, _ = exec.LookPath("bash")
		}
		os.Symlink(target, filepath.Join(bin, applet))
	}
	for _, job := range jobs {
		for k, v := range job.Variables {
			if m := interpolation.FindStringSubmatch(v); m != nil {
				in, ok := inputs[m[1]]
				if !ok {
					in = fmt.Sprint(spec.Spec.Inputs[m[1]].Default)
				}
				v = in
			}
			if k == "SLIPWAY_BIN" {
				v = filepath.Join(repoRoot, "internal", "plugins", "testdata", "fake-slipway")
			}
			env = append(env, k+"="+v)
		}
		script, _ := yaml.Marshal(job.Script)
		if strings.Contains(string(script), "$[[") {
			t.Errorf("drift.yml: an input is interpolated into the script; pass it as a job variable")
		}
		out, code := run(t, time.Minute, work, env, busybox, "sh", "-c", strings.Join(job.Script, "\n"))
		if code != 0 {
			t.Fatalf("busybox sh -c <drift script>: exit %d\n%s", code, out)
		}
	}
	got, err := os.ReadFile(filepath.Join(fake, "drift.argv"))
	if err != nil {
		t.Fatal("slipway never ran")
	}
	args := strings.Split(strings.TrimSuffix(string(got), "\x00"), "\x00")
	if i := slices.Index(args, "--baseline-key"); i >= 0 && i+1 < len(args) && strings.HasPrefix(args[i+1], work) {
		if _, err := os.Stat(args[i+1]); !os.IsNotExist(err) {
			t.Errorf("the baseline key's temporary file %s was not removed (%v)", args[i+1], err)
		}
		args[i+1] = "BASELINEKEYFILE"
	}
	want := []string{"drift", "--reference", "oci:.slipway/m@sha256:aaa", "--output", "text",
		"--report", "markdown=slipway-drift.md", "--report", "html=slipway-drift.html",
		"--prediction", "pred", "--target", "species", "--baseline-key", "BASELINEKEYFILE", "--insecure-unsigned", "--psi", "0.3",
		"--pushgateway", "http://push.example.com:9091", "--metrics-file", "drift metrics.prom",
		"--current", "today.csv", "--current", "b dir/c.parquet", "--ignore", "id"}
	if !slices.Equal(args, want) {
		t.Errorf("drift under busybox sh ran slipway with\n%q\nwant\n%q", args, want)
	}
}
