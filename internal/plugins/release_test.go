package plugins

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestRelease cross-compiles this platform's release binary with
// scripts/release.sh (make release does all six), checks SHA256SUMS with
// sha256sum, and has the actions' install step download and verify it from
// a release server, as it does from GitHub releases.
func TestRelease(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	sha256sum := tool(t, "sha256sum", "")
	tool(t, "curl", "")
	dist := t.TempDir()
	target := runtime.GOOS + "/" + runtime.GOARCH
	out, code := run(t, 10*time.Minute, repoRoot, environ("DIST="+dist, "VERSION=v9.8.7", "SLIPWAY_RELEASE_TARGETS="+target),
		bash, filepath.Join(repoRoot, "scripts", "release.sh"))
	if code != 0 {
		t.Fatalf("release.sh for %s: exit %d\n%s", target, code, out)
	}
	asset := "slipway-" + runtime.GOOS + "-" + runtime.GOARCH
	if out, code := run(t, time.Minute, dist, environ(), sha256sum, "-c", "SHA256SUMS"); code != 0 || !strings.Contains(out, asset+": OK") {
		t.Fatalf("sha256sum -c SHA256SUMS: exit %d\n%s", code, out)
	}
	if b, err := exec.Command("file", filepath.Join(dist, asset)).Output(); err == nil && !strings.Contains(string(b), "statically linked") {
		t.Errorf("%s is not a static binary: %s", asset, b)
	}

	srv := httptest.NewServer(http.StripPrefix("/releases/download/v9.8.7/", http.FileServer(http.Dir(dist))))
	defer srv.Close()
	work := t.TempDir()
	output := filepath.Join(work, "output")
	out, code = run(t, time.Minute, work, environ(
		"SLIPWAY_SOURCE="+repoRoot, "SLIPWAY_ACTION_REF=v9.8.7", "SLIPWAY_ACTION_REPOSITORY=slipwayhq/slipway",
		"SLIPWAY_RELEASE_URL="+srv.URL+"/releases/download", "SLIPWAY_INSTALL_CACHE="+filepath.Join(work, "cache"),
		"GITHUB_OUTPUT="+output, "GITHUB_PATH="+filepath.Join(work, "path"), "PATH=/usr/bin:/bin",
	), bash, filepath.Join(repoRoot, "actions", "lib", "install.sh"))
	if code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("install.sh of the release: exit %d; want a verified download\n%s", code, out)
	}
	b, _ := os.ReadFile(output)
	if !strings.Contains(string(b), "version=v9.8.7") {
		t.Errorf("install.sh outputs %q, want version=v9.8.7", b)
	}
}

// TestImage builds Slipway's own image with scripts/image.sh (slipway build
// itself), unpacks it with umoci, and runs the slipway and the shell in it.
func TestImage(t *testing.T) {
	requireLinux(t)
	if runtime.GOARCH != "amd64" {
		t.Skipf("the image is linux/amd64; this is %s", runtime.GOARCH)
	}
	bash := tool(t, "bash", "")
	umoci := tool(t, "umoci", "")
	if _, err := os.Stat("/bin/busybox"); err != nil {
		unavailable(t, "no /bin/busybox (Debian's busybox-static)")
	}
	layout := filepath.Join(t.TempDir(), "image")
	out, code := run(t, 10*time.Minute, repoRoot, environ("VERSION=v9.8.7"), bash, filepath.Join(repoRoot, "scripts", "image.sh"), "oci:"+layout)
	if code != 0 {
		t.Fatalf("image.sh: exit %d\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "oci:"+layout+"@sha256:") {
		t.Errorf("image.sh: last line %q, want the pinned reference", last)
	}
	bundle := filepath.Join(t.TempDir(), "bundle")
	if out, code := run(t, time.Minute, repoRoot, environ(), umoci, "unpack", "--rootless", "--image", layout+":v9.8.7", bundle); code != 0 {
		t.Fatalf("umoci unpack: exit %d\n%s", code, out)
	}
	rootfs := filepath.Join(bundle, "rootfs")
	if out, err := exec.Command(filepath.Join(rootfs, "usr", "local", "bin", "slipway"), "--version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "slipway v9.8.7 ") {
		t.Errorf("the image's slipway --version: %q (%v)", out, err)
	}
	if out, err := exec.Command(filepath.Join(rootfs, "bin", "sh"), "-c", "echo shell; cat /dev/null").CombinedOutput(); err != nil || string(out) != "shell\n" {
		t.Errorf("the image's /bin/sh: %q (%v)", out, err)
	}
	for _, f := range []string{"etc/ssl/certs/ca-certificates.crt", "usr/share/doc/slipway/README.md", "tmp"} {
		if _, err := os.Stat(filepath.Join(rootfs, f)); err != nil {
			t.Errorf("the image lacks /%s", f)
		}
	}
	config, _ := os.ReadFile(filepath.Join(bundle, "config.json"))
	if !strings.Contains(string(config), `"/usr/local/bin/slipway"`) {
		t.Errorf("the image's entrypoint is not slipway: %s", config)
	}
}
