package integration

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestAuthRegistry talks to the registry with htpasswd auth: without
// credentials or with a wrong password Slipway exits 2 naming the registry
// and the credential it tried, never a password; with --password-stdin or
// the SLIPWAY_REGISTRY_* variables it works.
func TestAuthRegistry(t *testing.T) {
	host, user, password := registrytest.RealAuth(t)
	isolate(t)
	const wrong = "wrong-Pa55word-that-must-not-leak"

	noLeak := func(t *testing.T, r result) {
		t.Helper()
		for _, secret := range []string{password, wrong} {
			assert.NotContains(t, r.stdout, secret, "stdout leaks a password\n%s", r)
			assert.NotContains(t, r.stderr, secret, "stderr leaks a password\n%s", r)
		}
	}

	t.Run("anonymous", func(t *testing.T) {
		dst := host + "/" + repo("iris")
		r := wantExit(t, 2, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")
		assert.Contains(t, r.stderr, "registry "+host, "the error should name the registry")
		assert.Contains(t, r.stderr, "anonymous", "the error should say no credentials were sent")
		assert.Contains(t, r.stderr, "--password-stdin", "the error should say how to log in")
		assert.Empty(t, r.stdout)
		noLeak(t, r)

		r = wantExit(t, 2, "pull", dst+":1.0.0", filepath.Join(t.TempDir(), "model"))
		assert.Contains(t, r.stderr, "anonymous")
		noLeak(t, r)
	})

	t.Run("password on stdin", func(t *testing.T) {
		dst := host + "/" + repo("iris")
		r := slipwayIn(t, password+"\n", "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock",
			"--username", user, "--password-stdin")
		assert.Equal(t, 0, r.code, "pack with --password-stdin\n%s", r)
		assert.Regexp(t, pinnedLine, r.lastLine())
		noLeak(t, r)

		dir := filepath.Join(t.TempDir(), "model")
		r = slipwayIn(t, password, "pull", dst+":1.0.0", dir, "--username", user, "--password-stdin")
		assert.Equal(t, 0, r.code, "pull with --password-stdin\n%s", r)
		assert.Equal(t, pulledFiles, listFiles(t, dir))
		registrytest.Skopeo(t, "inspect", "--raw", "--tls-verify=false", "--creds", user+":"+password, "docker://"+dst+":1.0.0")

		// A copy within the auth registry (blobs mounted, referrers looked up).
		other := host + "/" + repo("iris")
		r = slipwayIn(t, password, "push", dst+":1.0.0", other, "--username", user, "--password-stdin")
		assert.Equal(t, 0, r.code, "push within the auth registry\n%s", r)
		noLeak(t, r)
		registrytest.Skopeo(t, "inspect", "--raw", "--tls-verify=false", "--creds", user+":"+password, "docker://"+other+":1.0.0")
	})

	t.Run("environment", func(t *testing.T) {
		t.Setenv("SLIPWAY_REGISTRY_USERNAME", user)
		t.Setenv("SLIPWAY_REGISTRY_PASSWORD", password)
		dst := host + "/" + repo("iris")
		r := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")
		noLeak(t, r)
		r = mustSlipway(t, "inspect", dst+":1.0.0")
		assert.Contains(t, r.stdout, "iris-classifier")
		noLeak(t, r)
	})

	t.Run("docker config", func(t *testing.T) {
		cfg := t.TempDir()
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
		writeFile(t, filepath.Join(cfg, "config.json"), `{"auths":{"`+host+`":{"auth":"`+auth+`"}}}`)
		t.Setenv("DOCKER_CONFIG", cfg)
		dst := host + "/" + repo("iris")
		r := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")
		noLeak(t, r)

		wrongAuth := base64.StdEncoding.EncodeToString([]byte(user + ":" + wrong))
		writeFile(t, filepath.Join(cfg, "config.json"), `{"auths":{"`+host+`":{"auth":"`+wrongAuth+`"}}}`)
		r = wantExit(t, 2, "inspect", dst+":1.0.0")
		assert.Contains(t, r.stderr, "docker config", "the error should name the credential tried")
		noLeak(t, r)
		assert.NotContains(t, r.stderr, wrongAuth, "stderr leaks the docker config's auth")
	})

	t.Run("wrong password on stdin", func(t *testing.T) {
		r := slipwayIn(t, wrong+"\n", "pack", example(t), "--version", "1.0.0", "--to", host+"/"+repo("iris"), "--lock", "iris.lock",
			"--username", user, "--password-stdin")
		assert.Equal(t, 2, r.code, "pack with a wrong password\n%s", r)
		assert.Contains(t, r.stderr, "registry "+host)
		assert.Contains(t, r.stderr, "--username "+user, "the error should name the credential tried")
		noLeak(t, r)
	})

	t.Run("wrong password in the environment", func(t *testing.T) {
		t.Setenv("SLIPWAY_REGISTRY_USERNAME", user)
		t.Setenv("SLIPWAY_REGISTRY_PASSWORD", wrong)
		r := wantExit(t, 2, "pack", example(t), "--version", "1.0.0", "--to", host+"/"+repo("iris"), "--lock", "iris.lock")
		assert.Contains(t, r.stderr, "SLIPWAY_REGISTRY_USERNAME", "the error should name the credential tried")
		noLeak(t, r)
		r = wantExit(t, 2, "-o", "json", "inspect", host+"/"+repo("iris")+":1.0.0")
		noLeak(t, r)
	})
}

// TestUnreachableRegistry exits 3 and says the registry is unreachable,
// quickly.
func TestUnreachableRegistry(t *testing.T) {
	isolate(t)
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--lock", "local.lock")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"pack --version", []string{"pack", example(t), "--version", "1.0.0", "--to", "127.0.0.1:1/x/y", "--lock", "iris.lock"}},
		{"pack --bump", []string{"pack", example(t), "--bump", "patch", "--to", "127.0.0.1:1/x/y", "--lock", "iris.lock"}},
		{"pull", []string{"pull", "127.0.0.1:1/x/y:1.0.0", "model"}},
		{"inspect", []string{"inspect", "127.0.0.1:1/x/y:1.0.0"}},
		{"push from it", []string{"push", "127.0.0.1:1/x/y:1.0.0", "oci:layout"}},
		{"push to it", []string{"push", "oci:.slipway/iris-classifier:1.0.0", "127.0.0.1:1/x/y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			start := time.Now()
			r := wantExit(t, 3, args...)
			assert.Less(t, time.Since(start), 5*time.Second, "time to give up on an unreachable registry")
			assert.Contains(t, r.stderr, "unreachable")
			assert.Contains(t, r.stderr, "127.0.0.1:1")
			assert.Empty(t, r.stdout)
			assert.NoFileExists(t, "iris.lock", "lock written by a failed pack")
			assert.NoDirExists(t, "model", "folder made by a failed pull")
		})
	}
}

// challenging starts a plain-HTTP front to the open registry upstream that
// demands HTTP Basic auth, accepts any credentials, and records the
// passwords it was sent: a registry other than the one the credentials
// were given for.
func challenging(t *testing.T, upstream string) (host string, passwords func() []string) {
	t.Helper()
	target := &url.URL{Scheme: "http", Host: upstream}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host
		pr.Out.Header.Del("Authorization")
	}}
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, password, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="other"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		seen = append(seen, password)
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestCredentialsStayWithTheirRegistry copies a model from one registry to
// the auth registry with --password-stdin: the password is for the
// destination, so the source registry, which also asks for credentials,
// must never receive it; it is refused with the credential it was offered
// (none) named.
func TestCredentialsStayWithTheirRegistry(t *testing.T) {
	reg := env(t)
	host, user, password := registrytest.RealAuth(t)
	src, sent := challenging(t, reg)
	name := repo("iris")
	// The source is filled directly, without the front.
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", reg+"/"+name, "--lock", "iris.lock")

	r := slipwayIn(t, password+"\n", "push", src+"/"+name+":1.0.0", host+"/"+repo("iris"), "--username", user, "--password-stdin")
	assert.Equal(t, 2, r.code, "push from a registry that wants credentials of its own\n%s", r)
	assert.Contains(t, r.stderr, "registry "+src+" refused")
	assert.Contains(t, r.stderr, "anonymous")
	assert.NotContains(t, r.stderr+r.stdout, password)
	for _, p := range sent() {
		if p == password {
			t.Errorf("BUG: the password given with --password-stdin for the destination %s was sent to the source registry %s "+
				"(credentials are offered to every registry that asks)", host, src)
			break
		}
	}
}
