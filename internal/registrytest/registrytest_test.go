package registrytest_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// go-containerregistry retries a failed blob after 1 s and 3 s; these keep
// such sleeps out of the tests.
var (
	fastRetries = remote.WithRetryBackoff(remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 3})
	noRetries   = remote.WithRetryBackoff(remote.Backoff{Steps: 1})
)

// randomImage is three random tar layers with a linux/amd64 config, so that
// umoci can unpack it.
func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(4096, 3)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg.OS, cfg.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cfg)
	require.NoError(t, err)
	return img
}

// uploadSize is what pushing img to an empty repository must send: every
// blob and the manifest.
func uploadSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	var n int64
	for _, l := range layers {
		size, err := l.Size()
		require.NoError(t, err)
		n += size
	}
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	manifest, err := img.RawManifest()
	require.NoError(t, err)
	return n + int64(len(cfg)) + int64(len(manifest))
}

func ref(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	require.NoError(t, err)
	return r
}

func TestInProcessReferrers(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []registrytest.Option
		want int
	}{
		{name: "on by default", want: http.StatusOK},
		{name: "WithoutReferrers", opts: []registrytest.Option{registrytest.WithoutReferrers()}, want: http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := registrytest.InProcess(t, tc.opts...)
			img := randomImage(t)
			require.NoError(t, remote.Write(ref(t, host+"/model/x:v1"), img))
			digest, err := img.Digest()
			require.NoError(t, err)

			url := fmt.Sprintf("http://%s/v2/model/x/referrers/%s", host, digest)
			resp, err := http.Get(url)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode, "GET %s", url)
		})
	}
}

func TestCountingCountsAPush(t *testing.T) {
	host, stats := registrytest.Counting(t, registrytest.InProcess(t))
	img := randomImage(t)
	r := ref(t, host+"/model/x:v1")

	require.NoError(t, remote.Write(r, img))
	assert.Equal(t, 1, stats.Count(http.MethodPut, "/manifests/"), "manifest PUTs in %v", stats.Requests())
	assert.Equal(t, 4, stats.Count(http.MethodPost, "/blobs/uploads/"), "upload starts (3 layers + config) in %v", stats.Requests())
	assert.Equal(t, uploadSize(t, img), stats.BytesUploaded(), "BytesUploaded after the first push")
	for _, req := range stats.Requests() {
		assert.NotZero(t, req.Status, "status of %s %s", req.Method, req.Path)
	}

	// The registry has the manifest now: a second push uploads nothing.
	stats.Reset()
	require.NoError(t, remote.Write(r, img))
	assert.Zero(t, stats.BytesUploaded(), "BytesUploaded on the second push: %v", stats.Requests())
	assert.Equal(t, 1, stats.Count(http.MethodHead, "/manifests/"), "manifest HEADs on the second push in %v", stats.Requests())
}

func TestCountingFailUploadsAfter(t *testing.T) {
	host, stats := registrytest.Counting(t, registrytest.InProcess(t))
	stats.FailUploadsAfter(2) // one blob gets through, the next fails
	r := ref(t, host+"/model/x:v1")

	err := remote.Write(r, randomImage(t), remote.WithJobs(1), noRetries)
	var terr *transport.Error
	require.ErrorAs(t, err, &terr, "remote.Write through a failing registry")
	assert.Equal(t, http.StatusInternalServerError, terr.StatusCode)
	assert.Zero(t, stats.Count(http.MethodPut, "/manifests/"), "a manifest was pushed after a failed upload: %v", stats.Requests())

	var failed int
	for _, req := range stats.Requests() {
		if req.Status == http.StatusInternalServerError {
			failed++
		}
	}
	assert.Equal(t, 1, failed, "requests answered 500 in %v", stats.Requests())
	_, err = remote.Head(r)
	assert.Error(t, err, "HEAD of a manifest that was never pushed")
}

func TestCountingOnRequestTransientFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		opts   []remote.Option
		wantOK bool
	}{
		{name: "retried 503 succeeds", status: http.StatusServiceUnavailable, opts: []remote.Option{fastRetries}, wantOK: true},
		{name: "400 is final", status: http.StatusBadRequest, opts: []remote.Option{fastRetries}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host, stats := registrytest.Counting(t, registrytest.InProcess(t))
			var failed atomic.Bool
			stats.OnRequest(func(r *http.Request) int {
				if r.Method == http.MethodPatch && failed.CompareAndSwap(false, true) {
					return tc.status
				}
				return 0
			})
			r := ref(t, host+"/model/x:v1")

			err := remote.Write(r, randomImage(t), append(tc.opts, remote.WithJobs(1))...)
			if !tc.wantOK {
				var terr *transport.Error
				require.ErrorAs(t, err, &terr)
				assert.Equal(t, tc.status, terr.StatusCode)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, stats.Count(http.MethodPut, "/manifests/"))
		})
	}
}

func TestCountingWithAuth(t *testing.T) {
	// Counting must pass credentials through untouched; the in-process registry
	// ignores them, so this checks the proxy does not break the auth handshake.
	host, _ := registrytest.Counting(t, registrytest.InProcess(t))
	err := remote.Write(ref(t, host+"/model/x:v1"), randomImage(t),
		remote.WithAuth(&authn.Basic{Username: "u", Password: "p"}))
	require.NoError(t, err)
}

// fakeTB records how a helper ended a test. Skip and Fatal end the calling
// goroutine, as the testing package's do.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skip(args ...any) { f.Skipf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

func runFake(t *testing.T, fn func(testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

func TestRealSkipsLocallyButFailsInCI(t *testing.T) {
	for _, tc := range []struct {
		name                string
		env                 map[string]string
		wantHost            string
		wantSkip, wantFatal bool
	}{
		{name: "set", env: map[string]string{"SLIPWAY_TEST_REGISTRY": "127.0.0.1:5000", "CI": "true"}, wantHost: "127.0.0.1:5000"},
		{name: "unset locally", wantSkip: true},
		{name: "unset with CI=false", env: map[string]string{"CI": "false"}, wantSkip: true},
		{name: "unset in CI", env: map[string]string{"CI": "true"}, wantFatal: true},
		{name: "unset with SLIPWAY_INTEGRATION=1", env: map[string]string{"SLIPWAY_INTEGRATION": "1"}, wantFatal: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"SLIPWAY_TEST_REGISTRY", "SLIPWAY_INTEGRATION", "CI"} {
				t.Setenv(k, tc.env[k])
			}
			var got string
			f := runFake(t, func(tb testing.TB) { got = registrytest.Real(tb) })
			assert.Equal(t, tc.wantHost, got, "Real returned")
			assert.Equal(t, tc.wantSkip, f.skipped, "skipped (message %q)", f.msg)
			assert.Equal(t, tc.wantFatal, f.failed, "failed (message %q)", f.msg)
			if tc.wantSkip || tc.wantFatal {
				assert.Contains(t, f.msg, "make test", "the message should say how to run the integration tests")
			}
		})
	}
}

// TestRealRegistries checks the registries scripts/test.sh starts, through the
// Counting proxy, and reads the result back with skopeo and umoci.
func TestRealRegistries(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		host, stats := registrytest.Counting(t, registrytest.Real(t))
		img := randomImage(t)
		require.NoError(t, remote.Write(ref(t, host+"/registrytest/open:v1"), img))
		assert.Equal(t, uploadSize(t, img), stats.BytesUploaded(), "BytesUploaded through the proxy")

		digest, err := img.Digest()
		require.NoError(t, err)
		src := "docker://" + registrytest.Real(t) + "/registrytest/open:v1"
		out := registrytest.Skopeo(t, "inspect", "--tls-verify=false", "--format", "{{.Digest}}", src)
		assert.Equal(t, digest.String(), strings.TrimSpace(string(out)), "skopeo inspect %s", src)

		layout := filepath.Join(t.TempDir(), "layout")
		registrytest.Skopeo(t, "copy", "--src-tls-verify=false", src, "oci:"+layout+":v1")
		bundle := filepath.Join(t.TempDir(), "bundle")
		unpack := []string{"unpack", "--image", layout + ":v1"}
		if os.Geteuid() != 0 {
			unpack = append(unpack, "--rootless")
		}
		registrytest.Umoci(t, append(unpack, bundle)...)
		entries, err := os.ReadDir(filepath.Join(bundle, "rootfs"))
		require.NoError(t, err)
		assert.Len(t, entries, 3, "files in the unpacked rootfs (one per random layer)")
	})

	t.Run("auth", func(t *testing.T) {
		host, user, password := registrytest.RealAuth(t)
		r := ref(t, host+"/registrytest/auth:v1")
		img := randomImage(t)

		err := remote.Write(r, img)
		var terr *transport.Error
		require.ErrorAs(t, err, &terr, "anonymous push to %s", host)
		assert.Equal(t, http.StatusUnauthorized, terr.StatusCode)

		require.NoError(t, remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: user, Password: password})))
		registrytest.Skopeo(t, "inspect", "--raw", "--tls-verify=false", "--creds", user+":"+password, "docker://"+host+"/registrytest/auth:v1")
	})
}
