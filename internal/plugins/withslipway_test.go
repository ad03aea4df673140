package plugins

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestWithSlipway runs the Jenkins library's withSlipway step (issue item 2)
// from a copy of the library pinned by scripts/release-pin.sh: it downloads
// the release asset, verifies it against the sums pinned in the library (a
// replaced asset is refused), and runs the body with it on PATH.
func TestWithSlipway(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	tool(t, "curl", "")
	asset := "slipway-linux-" + runtime.GOARCH
	good, replacement, other := fakeBinary("v2.3.4"), append(fakeBinary("v2.3.4"), '#'), fakeBinary("v6.6.6")

	root := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "plugins", "jenkins"), filepath.Join(root, "plugins", "jenkins"))
	dist := t.TempDir()
	os.WriteFile(filepath.Join(dist, asset), good, 0o755)
	os.WriteFile(filepath.Join(dist, "SHA256SUMS"), []byte(fmt.Sprintf("%s  %s\n", sha256Hex(good), asset)), 0o644)
	if out, code := run(t, time.Minute, repoRoot, environ("SLIPWAY_PIN_ROOT="+root), bash, filepath.Join(repoRoot, "scripts", "release-pin.sh"), "v2.3.4", dist); code != 0 {
		t.Fatalf("release-pin.sh: exit %d\n%s", code, out)
	}
	lib := filepath.Join(root, "plugins", "jenkins")

	srv := newReleaseServer(t, map[string]map[string][]byte{
		"v2.3.4": {asset: good, "SHA256SUMS": []byte("not these\n")},
		"v6.6.6": {asset: other, "SHA256SUMS": []byte(sha256Hex(other) + "  " + asset + "\n")},
	})
	replaced := newReleaseServer(t, map[string]map[string][]byte{
		"v2.3.4": {asset: replacement, "SHA256SUMS": []byte(sha256Hex(replacement) + "  " + asset + "\n")},
	})
	scenario := func(name, url, version string) *jenkinsScenario {
		ws := t.TempDir()
		args := "releaseUrl: '" + url + "/releases/download'"
		if version != "" {
			args += ", version: '" + version + "'"
		}
		jf := filepath.Join(ws, "Jenkinsfile")
		os.WriteFile(jf, []byte("withSlipway("+args+") {\n    echo('got ' + sh(script: 'slipway --version', returnStdout: true).trim())\n}\n"), 0o644)
		return &jenkinsScenario{Name: name, Jenkinsfile: jf, Workspace: ws, ProcessEnv: map[string]string{
			"PATH": "/usr/bin:/bin", "HOME": ws, "SLIPWAY_INSTALL_CACHE": filepath.Join(ws, "cache")}}
	}
	scenarios := []*jenkinsScenario{
		scenario("pinned", srv.URL, ""),
		scenario("replaced", replaced.URL, ""),
		scenario("other release", srv.URL, "v6.6.6"),
		scenario("bad version", srv.URL, "latest"),
	}
	results := runJenkinsLibrary(t, lib, scenarios)
	echoed := func(r jenkinsResult) string {
		var all []string
		for _, c := range r.called("echo") {
			all = append(all, string(c.Args))
		}
		return strings.Join(all, "\n")
	}
	cached := func(sc *jenkinsScenario, version string) string {
		return filepath.Join(sc.ProcessEnv["SLIPWAY_INSTALL_CACHE"], version, "linux-"+runtime.GOARCH, "slipway")
	}

	if r := results["pinned"]; r.Error != "" || !strings.Contains(echoed(r), "got slipway v2.3.4 ") {
		t.Errorf("withSlipway with the pinned release: error %q, echoed %q; want the body to run slipway v2.3.4", r.Error, echoed(r))
	}
	if r := results["replaced"]; r.Error == "" || strings.Contains(echoed(r), "got") {
		t.Errorf("withSlipway of a replaced asset: error %q, echoed %q; want the install to fail before the body", r.Error, echoed(r))
	}
	if _, err := os.Stat(cached(scenarios[1], "v2.3.4")); err == nil {
		t.Errorf("withSlipway installed a replaced asset in its cache")
	}
	if r := results["other release"]; r.Error != "" || !strings.Contains(echoed(r), "got slipway v6.6.6 ") {
		t.Errorf("withSlipway version v6.6.6: error %q, echoed %q", r.Error, echoed(r))
	}
	if r := results["bad version"]; r.Error != "withSlipway: version must be a release, vX.Y.Z, got 'latest'" {
		t.Errorf("withSlipway version latest: error %q", r.Error)
	}

	// The library as committed between releases pins nothing.
	unpinned := runJenkins(t, []*jenkinsScenario{scenario("unpinned", srv.URL, "")})["unpinned"]
	if !strings.Contains(unpinned.Error, "pins no release") {
		t.Errorf("withSlipway from an unpinned library: error %q, want one saying it pins no release", unpinned.Error)
	}
}
