package plugins

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// releaseServer serves GitHub-style release assets from dir
// (/releases/download/TAG/FILE) and counts the requests.
type releaseServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newReleaseServer(t *testing.T, assets map[string]map[string][]byte) *releaseServer {
	t.Helper()
	s := &releaseServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.Path)
		s.mu.Unlock()
		rest, ok := strings.CutPrefix(r.URL.Path, "/releases/download/")
		tag, file, _ := strings.Cut(rest, "/")
		body, found := assets[tag][file]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *releaseServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// fakeBinary is a stand-in slipway that reports version v.
func fakeBinary(v string) []byte {
	return []byte(fmt.Sprintf("#!/bin/sh\necho 'slipway %s (commit 0123456789ab)'\n", v))
}

// fakeGo writes a `go` that "builds" a fake slipway reporting the version
// given with -X …cli.version=, and records that it ran.
func fakeGo(t *testing.T, dir string) {
	t.Helper()
	script := `#!/usr/bin/env bash
set -eu
if [[ $1 == version ]]; then echo "go version go1.26.8 linux/amd64"; exit 0; fi
echo build >>"$FAKE_GO_LOG"
version= out=
while (($#)); do
	case $1 in
	-ldflags) for w in $2; do [[ $w != *cli.version=* ]] || version=${w#*cli.version=}; done; shift ;;
	-o) out=$2; shift ;;
	esac
	shift
done
printf '#!/bin/sh\necho "slipway %s (commit unknown)"\n' "$version" >"$out"
chmod +x "$out"
`
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestInstall runs actions/lib/install.sh, the install step of every action,
// against a local release server and a fake Go.
func TestInstall(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	tool(t, "curl", "")
	good := fakeBinary("v9.9.9")
	sums := func(files map[string][]byte) []byte {
		var b strings.Builder
		for name, body := range files {
			fmt.Fprintf(&b, "%s  %s\n", sha256Hex(body), name)
		}
		return []byte(b.String())
	}
	srv := newReleaseServer(t, map[string]map[string][]byte{
		"v9.9.9": {"slipway-linux-amd64": good, "SHA256SUMS": sums(map[string][]byte{"slipway-linux-amd64": good})},
		"v6.6.6": {"slipway-linux-amd64": good, "SHA256SUMS": sums(map[string][]byte{"slipway-linux-amd64": fakeBinary("v6.6.6")})},
		"v7.7.7": {"SHA256SUMS": sums(map[string][]byte{"slipway-darwin-arm64": good})},
	})

	type result struct {
		out, path, ghPath string
		code              int
	}
	install := func(t *testing.T, cache, ref string, pathDirs ...string) result {
		t.Helper()
		work := t.TempDir()
		fakeBin := filepath.Join(work, "fakebin")
		os.MkdirAll(fakeBin, 0o755)
		fakeGo(t, fakeBin)
		output, ghPath := filepath.Join(work, "output"), filepath.Join(work, "path")
		env := environ(
			"SLIPWAY_SOURCE="+repoRoot,
			"SLIPWAY_ACTION_REF="+ref,
			"SLIPWAY_ACTION_REPOSITORY=slipwayhq/slipway",
			"SLIPWAY_RELEASE_URL="+srv.URL+"/releases/download",
			"SLIPWAY_INSTALL_CACHE="+cache,
			"GITHUB_OUTPUT="+output, "GITHUB_PATH="+ghPath,
			"RUNNER_OS=Linux", "RUNNER_ARCH=X64",
			"FAKE_GO_LOG="+filepath.Join(cache, "go.log"),
			"PATH="+strings.Join(append(pathDirs, fakeBin, "/usr/local/bin", "/usr/bin", "/bin"), ":"),
		)
		out, code := run(t, time.Minute, work, env, bash, filepath.Join(repoRoot, "actions", "lib", "install.sh"))
		o, _ := os.ReadFile(output)
		p, _ := os.ReadFile(ghPath)
		var path string
		for _, line := range strings.Split(string(o), "\n") {
			if v, ok := strings.CutPrefix(line, "path="); ok {
				path = v
			}
		}
		return result{out: out, path: path, ghPath: strings.TrimSpace(string(p)), code: code}
	}
	goBuilds := func(cache string) int {
		b, _ := os.ReadFile(filepath.Join(cache, "go.log"))
		return strings.Count(string(b), "build")
	}

	t.Run("release asset verified and cached", func(t *testing.T) {
		cache := t.TempDir()
		r := install(t, cache, "v9.9.9")
		want := filepath.Join(cache, "slipway", "v9.9.9", "linux-amd64", "slipway")
		if r.code != 0 || r.path != want || r.ghPath != filepath.Dir(want) {
			t.Fatalf("install v9.9.9: exit %d, path %q, GITHUB_PATH %q; want 0, %q, its folder\n%s", r.code, r.path, r.ghPath, want, r.out)
		}
		if !strings.Contains(r.out, "verified") || goBuilds(cache) != 0 {
			t.Errorf("install v9.9.9: want a verified download and no go build\n%s", r.out)
		}
		n := srv.count()
		r = install(t, cache, "v9.9.9")
		if r.code != 0 || r.path != want || srv.count() != n || !strings.Contains(r.out, "cached") {
			t.Errorf("second install v9.9.9: exit %d, path %q, %d new requests; want the cached binary and no request\n%s", r.code, r.path, srv.count()-n, r.out)
		}
	})

	t.Run("checksum mismatch is fatal", func(t *testing.T) {
		cache := t.TempDir()
		r := install(t, cache, "v6.6.6")
		if r.code == 0 || !strings.Contains(r.out, "checksum mismatch") {
			t.Fatalf("install v6.6.6 with a wrong checksum: exit %d; want a failure saying checksum mismatch\n%s", r.code, r.out)
		}
		if _, err := os.Stat(filepath.Join(cache, "slipway", "v6.6.6", "linux-amd64", "slipway")); err == nil || goBuilds(cache) != 0 {
			t.Errorf("install v6.6.6: a binary was installed or built after a checksum mismatch")
		}
	})

	t.Run("no release asset builds from source", func(t *testing.T) {
		for _, ref := range []string{"v7.7.7", "v8.8.8"} { // no asset for this platform; no release at all
			cache := t.TempDir()
			r := install(t, cache, ref)
			if r.code != 0 || goBuilds(cache) != 1 || !strings.Contains(r.out, "building from source") {
				t.Fatalf("install %s: exit %d, %d go builds; want one build from source\n%s", ref, r.code, goBuilds(cache), r.out)
			}
			if got, _ := os.ReadFile(r.path); !strings.Contains(string(got), "slipway "+ref+" ") {
				t.Errorf("install %s: the built binary reports %q", ref, got)
			}
		}
	})

	t.Run("moving ref builds this source once", func(t *testing.T) {
		cache := t.TempDir()
		r := install(t, cache, "v1")
		if r.code != 0 || goBuilds(cache) != 1 || !strings.Contains(r.path, string(filepath.Separator)+"src.") {
			t.Fatalf("install v1: exit %d, %d go builds, path %q; want one build keyed by the source hash\n%s", r.code, goBuilds(cache), r.path, r.out)
		}
		n := srv.count()
		r2 := install(t, cache, "v1")
		if r2.code != 0 || r2.path != r.path || goBuilds(cache) != 1 || srv.count() != n {
			t.Errorf("second install v1: exit %d, path %q, %d go builds, %d requests; want the cached build\n%s", r2.code, r2.path, goBuilds(cache), srv.count()-n, r2.out)
		}
	})

	t.Run("matching slipway on PATH is used", func(t *testing.T) {
		onPath := t.TempDir()
		if err := os.WriteFile(filepath.Join(onPath, "slipway"), good, 0o755); err != nil {
			t.Fatal(err)
		}
		cache := t.TempDir()
		n := srv.count()
		r := install(t, cache, "v9.9.9", onPath)
		if r.code != 0 || r.path != filepath.Join(onPath, "slipway") || srv.count() != n || goBuilds(cache) != 0 {
			t.Fatalf("install v9.9.9 with it on PATH: exit %d, path %q, %d requests, %d builds; want the one on PATH, nothing fetched\n%s", r.code, r.path, srv.count()-n, goBuilds(cache), r.out)
		}
		// Another version on PATH does not match.
		r = install(t, cache, "v8.8.8", onPath)
		if r.code != 0 || r.path == filepath.Join(onPath, "slipway") {
			t.Errorf("install v8.8.8 with v9.9.9 on PATH: exit %d, path %q; want another binary\n%s", r.code, r.path, r.out)
		}
	})
}
