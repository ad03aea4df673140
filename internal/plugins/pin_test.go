package plugins

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPinnedRelease checks the release pin (issue item 1): scripts/release-pin.sh
// records the version, SHA256SUMS and source hash in a tree, and install.sh
// run from that tree — whatever the pin (@v1, @vX.Y.Z, @<sha>) — downloads the
// asset and verifies it against the sums of the tree, not of the release; a
// changed source (an untagged commit) or slipway-version: source builds it.
func TestPinnedRelease(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	tool(t, "curl", "")
	tool(t, "sha256sum", "")
	good, replacement, other := fakeBinary("v2.3.4"), append(fakeBinary("v2.3.4"), '#'), fakeBinary("v6.6.6")

	// A tiny source tree and the release's dist folder.
	tree := t.TempDir()
	for rel, body := range map[string]string{
		"go.mod": "module example.com/x\n", "go.sum": "", "cmd/slipway/main.go": "package main\n",
		"plugins/jenkins/vars/withSlipway.groovy": "", "plugins/circleci/orb.yml": "x:\n  # BEGIN pinned release\n  old\n  # END pinned release\ny: 1\n",
	} {
		os.MkdirAll(filepath.Join(tree, filepath.Dir(rel)), 0o755)
		os.WriteFile(filepath.Join(tree, rel), []byte(body), 0o644)
	}
	dist := t.TempDir()
	os.WriteFile(filepath.Join(dist, "slipway-linux-amd64"), good, 0o755)
	os.WriteFile(filepath.Join(dist, "SHA256SUMS"), []byte(fmt.Sprintf("%s  slipway-linux-amd64\n", sha256Hex(good))), 0o644)
	out, code := run(t, time.Minute, repoRoot, environ("SLIPWAY_PIN_ROOT="+tree), bash, filepath.Join(repoRoot, "scripts", "release-pin.sh"), "v2.3.4", dist)
	if code != 0 {
		t.Fatalf("release-pin.sh v2.3.4: exit %d\n%s", code, out)
	}
	for _, rel := range []string{"release/VERSION", "release/SHA256SUMS", "release/SOURCE",
		"plugins/jenkins/resources/io/slipway/jenkins/VERSION", "plugins/jenkins/resources/io/slipway/jenkins/SHA256SUMS"} {
		if _, err := os.Stat(filepath.Join(tree, rel)); err != nil {
			t.Errorf("release-pin.sh did not write %s", rel)
		}
	}
	orb, _ := os.ReadFile(filepath.Join(tree, "plugins/circleci/orb.yml"))
	if !strings.Contains(string(orb), "SLIPWAY_PINNED_VERSION: v2.3.4\n") || !strings.Contains(string(orb), sha256Hex(good)+"  slipway-linux-amd64") ||
		strings.Contains(string(orb), "old") || !strings.HasSuffix(string(orb), "y: 1\n") {
		t.Errorf("release-pin.sh wrote the orb's pinned block as\n%s", orb)
	}

	// The release server holds a replaced asset for v2.3.4 with sums that
	// match it: only the sums pinned in the tree can tell.
	srv := newReleaseServer(t, map[string]map[string][]byte{
		"v2.3.4": {"slipway-linux-amd64": good, "SHA256SUMS": []byte("bad\n")},
		"v6.6.6": {"slipway-linux-amd64": other, "SHA256SUMS": []byte(sha256Hex(other) + "  slipway-linux-amd64\n")},
	})
	replaced := newReleaseServer(t, map[string]map[string][]byte{
		"v2.3.4": {"slipway-linux-amd64": replacement, "SHA256SUMS": []byte(sha256Hex(replacement) + "  slipway-linux-amd64\n")},
	})
	install := func(t *testing.T, src, url, ref, version string) (string, int, string) {
		t.Helper()
		work := t.TempDir()
		fakeBin := filepath.Join(work, "fakebin")
		os.MkdirAll(fakeBin, 0o755)
		fakeGo(t, fakeBin)
		output := filepath.Join(work, "output")
		env := environ("SLIPWAY_SOURCE="+src, "SLIPWAY_ACTION_REF="+ref, "SLIPWAY_ACTION_REPOSITORY=slipwayhq/slipway",
			"SLIPWAY_VERSION="+version, "SLIPWAY_RELEASE_URL="+url+"/releases/download",
			"SLIPWAY_INSTALL_CACHE="+filepath.Join(work, "cache"), "GITHUB_OUTPUT="+output, "GITHUB_PATH="+filepath.Join(work, "path"),
			"RUNNER_OS=Linux", "RUNNER_ARCH=X64", "FAKE_GO_LOG="+filepath.Join(work, "go.log"),
			"PATH="+fakeBin+":/usr/local/bin:/usr/bin:/bin")
		out, code := run(t, time.Minute, work, env, bash, filepath.Join(repoRoot, "actions", "lib", "install.sh"))
		o, _ := os.ReadFile(output)
		built, _ := os.ReadFile(filepath.Join(work, "go.log"))
		return out + string(built), code, string(o)
	}
	for _, ref := range []string{"v2", "v2.3.4", "0123456789abcdef0123456789abcdef01234567"} {
		t.Run("pin "+ref+" downloads and verifies against the tree's sums", func(t *testing.T) {
			out, code, outputs := install(t, tree, srv.URL, ref, "")
			if code != 0 || !strings.Contains(out, "verified against the SHA256SUMS pinned in this tree") || strings.Contains(out, "build") ||
				!strings.Contains(outputs, "version=v2.3.4") {
				t.Fatalf("install @%s: exit %d, outputs %q; want v2.3.4 downloaded, verified with the pinned sums, no go build\n%s", ref, code, outputs, out)
			}
		})
	}
	t.Run("a replaced asset is refused", func(t *testing.T) {
		out, code, _ := install(t, tree, replaced.URL, "v2", "")
		if code == 0 || !strings.Contains(out, "checksum mismatch") {
			t.Fatalf("install @v2 of a replaced asset: exit %d; want a checksum mismatch\n%s", code, out)
		}
	})
	t.Run("slipway-version picks another release, verified by its own sums", func(t *testing.T) {
		out, code, outputs := install(t, tree, srv.URL, "v2", "v6.6.6")
		if code != 0 || !strings.Contains(out, "verified against the release's own SHA256SUMS") || !strings.Contains(outputs, "version=v6.6.6") {
			t.Fatalf("install slipway-version v6.6.6: exit %d, outputs %q\n%s", code, outputs, out)
		}
	})
	t.Run("slipway-version source builds", func(t *testing.T) {
		out, code, outputs := install(t, tree, srv.URL, "v2", "source")
		if code != 0 || !strings.Contains(out, "build") || !strings.Contains(outputs, "+src.") {
			t.Fatalf("install slipway-version source: exit %d, outputs %q; want a build\n%s", code, outputs, out)
		}
	})
	t.Run("a bad slipway-version is refused", func(t *testing.T) {
		out, code, _ := install(t, tree, srv.URL, "v2", "latest")
		if code == 0 || !strings.Contains(out, "slipway-version must be") {
			t.Fatalf("install slipway-version latest: exit %d\n%s", code, out)
		}
	})
	t.Run("an untagged commit with changed source builds it", func(t *testing.T) {
		changed := t.TempDir()
		copyDir(t, tree, changed)
		os.WriteFile(filepath.Join(changed, "cmd", "slipway", "main.go"), []byte("package main // changed\n"), 0o644)
		out, code, outputs := install(t, changed, srv.URL, "0123456789abcdef0123456789abcdef01234567", "")
		if code != 0 || !strings.Contains(out, "source changed since") || !strings.Contains(out, "build") || !strings.Contains(outputs, "+src.") {
			t.Fatalf("install of a changed tree: exit %d, outputs %q; want a build from source\n%s", code, outputs, out)
		}
	})
}
