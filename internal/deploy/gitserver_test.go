package deploy

import (
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// gitRun runs Debian's git in dir and returns its output.
func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(registrytest.Tool(t, "git"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@localhost",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@localhost", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// bareRepo makes a bare repository whose main branch holds testdata/repo
// (two commits, so that a shallow clone has history behind it) and
// returns its folder.
func bareRepo(t *testing.T) string {
	t.Helper()
	work := copyTree(t)
	gitRun(t, work, "init", "-q", "-b", "main")
	gitRun(t, work, "add", "base")
	gitRun(t, work, "commit", "-q", "-m", "base")
	gitRun(t, work, "add", ".")
	gitRun(t, work, "commit", "-q", "-m", "environments")
	bare := filepath.Join(t.TempDir(), "acme", "deploy.git")
	gitRun(t, work, "clone", "-q", "--bare", work, bare)
	gitRun(t, bare, "config", "http.receivepack", "true")
	return bare
}

// serveGit serves the bare repository over HTTP with git http-backend; a
// non-empty token must come as the password of basic auth.
func serveGit(t *testing.T, bare, token string) string {
	t.Helper()
	git := registrytest.Tool(t, "git")
	backend := &cgi.Handler{
		Path: git, Args: []string{"http-backend"}, Dir: bare,
		Env:    []string{"GIT_PROJECT_ROOT=" + filepath.Dir(filepath.Dir(bare)), "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=slipway"},
		Stderr: io.Discard,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			if _, pw, ok := r.BasicAuth(); !ok || pw != token {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/acme/" + filepath.Base(bare)
}

// cloneOf clones what the remote holds now, for checking.
func cloneOf(t *testing.T, bare string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "check")
	gitRun(t, filepath.Dir(dir), "clone", "-q", "file://"+bare, dir)
	return dir
}
