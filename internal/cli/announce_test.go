package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ciVars are the variables that make a CI system detected, cleared for
// each case so that the machine running the tests does not leak in.
var ciVars = []string{
	"CI", "GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITLAB_CI", "JENKINS_URL",
	"CI_API_V4_URL", "CI_SERVER_URL", "CI_PROJECT_ID", "CI_PROJECT_PATH", "CI_MERGE_REQUEST_IID",
	"CI_JOB_TOKEN", "GITLAB_TOKEN", "SLIPWAY_GITLAB_TOKEN",
	"SLIPWAY_KEY", "SLIPWAY_POLICIES", "SLIPWAY_REGISTRY", "SLIPWAY_MODEL", "SLIPWAY_CONFIG",
}

// packedExample packs the example into oci:store:1.0.0 in a fresh working
// folder with no CI variables set.
func packedExample(t *testing.T) (example string) {
	t.Helper()
	example, err := filepath.Abs("../../testdata/iris")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("SLIPWAY_CACHE_DIR", filepath.Join(dir, ".cache"))
	t.Setenv("SOURCE_DATE_EPOCH", "0")
	for _, k := range ciVars {
		t.Setenv(k, "")
	}
	if out, code := slipway(t, "pack", example, "--version", "1.0.0", "--to", "oci:store"); code != 0 {
		t.Fatalf("pack: exit %d\n%s", code, out)
	}
	return example
}

// slipway runs the CLI and returns stdout then stderr, and the exit code.
func slipway(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	return stdout.String() + "\n--- stderr ---\n" + stderr.String(), code
}

// refusingNotes is a GitLab notes API that refuses every request with 401,
// as GitLab does to CI_JOB_TOKEN or a revoked token, and counts JOB-TOKENs.
func refusingNotes(t *testing.T) (srv *httptest.Server, jobTokens func() int) {
	var mu sync.Mutex
	n := 0
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Header.Get("JOB-TOKEN") != "" {
			n++
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"401 Unauthorized"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestCISideChannelsNeverDecide is issue 10, finding 9: a passing gate
// exits 0 and prints its verdict first whatever the merge-request note or
// the step summary does; their failures are warnings on stderr.
func TestCISideChannelsNeverDecide(t *testing.T) {
	tests := []struct {
		name    string
		env     func(t *testing.T) (vars map[string]string, check func(t *testing.T, out string))
		warning string
	}{
		{"gitlab merge request with only CI_JOB_TOKEN", func(t *testing.T) (map[string]string, func(*testing.T, string)) {
			srv, jobTokens := refusingNotes(t)
			return map[string]string{
					"GITLAB_CI": "true", "CI_API_V4_URL": srv.URL + "/api/v4", "CI_PROJECT_ID": "42",
					"CI_MERGE_REQUEST_IID": "7", "CI_JOB_TOKEN": "job-secret",
				}, func(t *testing.T, out string) {
					if n := jobTokens(); n != 0 {
						t.Errorf("the notes API got CI_JOB_TOKEN %d times; it is never to be sent there", n)
					}
				}
		}, "no project token"},
		{"gitlab merge request whose token the notes API refuses", func(t *testing.T) (map[string]string, func(*testing.T, string)) {
			srv, _ := refusingNotes(t)
			return map[string]string{
				"GITLAB_CI": "true", "CI_API_V4_URL": srv.URL + "/api/v4", "CI_PROJECT_ID": "42",
				"CI_MERGE_REQUEST_IID": "7", "SLIPWAY_GITLAB_TOKEN": "glpat-revoked",
			}, nil
		}, "warning: publishing the report"},
		{"github without GITHUB_STEP_SUMMARY", func(t *testing.T) (map[string]string, func(*testing.T, string)) {
			return map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(t.TempDir(), "output")}, nil
		}, "GITHUB_STEP_SUMMARY is not set"},
		{"github without GITHUB_OUTPUT or GITHUB_STEP_SUMMARY", func(t *testing.T) (map[string]string, func(*testing.T, string)) {
			return map[string]string{"GITHUB_ACTIONS": "true"}, nil
		}, "GITHUB_OUTPUT is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			example := packedExample(t)
			vars, check := tt.env(t)
			for k, v := range vars {
				t.Setenv(k, v)
			}
			out, code := slipway(t, "gate", "oci:store:1.0.0", "--metrics", filepath.Join(example, "eval.json"))
			if code != 0 {
				t.Fatalf("slipway gate of a passing model in CI (%v): exit %d, want 0\n%s", vars, code, out)
			}
			if !strings.HasPrefix(out, "PASS iris-classifier 1.0.0") {
				t.Errorf("stdout should start with the verdict:\n%s", out)
			}
			if !strings.Contains(out, tt.warning) {
				t.Errorf("stderr should say %q:\n%s", tt.warning, out)
			}
			if strings.Contains(out, "job-secret") || strings.Contains(out, "glpat-revoked") {
				t.Errorf("a token is printed:\n%s", out)
			}
			if check != nil {
				check(t, out)
			}
		})
	}
}

// TestBuildOutputsNeverDecide: an image that was built is reported, and
// exits 0, when the step outputs cannot be written.
func TestBuildOutputsNeverDecide(t *testing.T) {
	packedExample(t)
	t.Setenv("GITHUB_ACTIONS", "true")
	out, code := slipway(t, "build", "oci:store:1.0.0", "--base", "scratch", "--to", "oci:image", "-q")
	if code != 0 {
		t.Fatalf("slipway build with GITHUB_OUTPUT unset: exit %d, want 0\n%s", code, out)
	}
	if !strings.Contains(out, "warning: setting the outputs") || !strings.Contains(out, "GITHUB_OUTPUT is not set") {
		t.Errorf("stderr should warn that the outputs were not set:\n%s", out)
	}
	if _, err := os.Stat("image/index.json"); err != nil {
		t.Errorf("the image should be written: %v", err)
	}
}
