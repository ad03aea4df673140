package oci

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// layoutWithReferrer writes a random image tagged 1.0.0 and one referrer
// of it into a new layout, and returns the layout's reference.
func layoutWithReferrer(t *testing.T) (string, LayoutStore) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	s := OpenLayout(dir)
	img := randomImage(t)
	require.NoError(t, s.WriteImage(context.Background(), img, "1.0.0"))
	require.NoError(t, s.WriteImage(context.Background(), referrerOf(t, img), ""))
	return LayoutPrefix + dir, s
}

func TestPush(t *testing.T) {
	ctx := context.Background()
	src, srcStore := layoutWithReferrer(t)
	desc, err := srcStore.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	host := registrytest.InProcess(t)

	tests := []struct {
		name, src, dst string
		wantTag        string
		wantRef        string
	}{
		{"layout to registry keeps the tag", src + ":1.0.0", host + "/acme/iris", "1.0.0", host + "/acme/iris@" + desc.Digest.String()},
		{"by digest with a tag in DST", src + "@" + desc.Digest.String(), host + "/acme/copy:staging", "staging", host + "/acme/copy@" + desc.Digest.String()},
		{"registry back to a layout", host + "/acme/iris:1.0.0", LayoutPrefix + filepath.Join(t.TempDir(), "back"), "1.0.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Push(ctx, PushRequest{Src: tt.src, Dst: tt.dst})
			require.NoError(t, err, "Push(%s, %s)", tt.src, tt.dst)
			assert.Equal(t, desc.Digest.String(), res.Digest)
			assert.Equal(t, tt.wantTag, res.Tag)
			assert.Equal(t, string(desc.MediaType), res.MediaType)
			if tt.wantRef != "" {
				assert.Equal(t, tt.wantRef, res.Reference)
			}
			dstRef, err := ParseRef(tt.dst, false)
			require.NoError(t, err)
			dst := Open(dstRef)
			got, err := dst.Resolve(ctx, tt.wantTag)
			require.NoError(t, err)
			assert.Equal(t, desc.Digest, got.Digest, "the tag in DST should name the pushed digest")
			refs, err := dst.Referrers(ctx, desc.Digest)
			require.NoError(t, err)
			assert.Len(t, refs, 1, "the referrer should travel with the artifact")
		})
	}
}

func TestPushRefusals(t *testing.T) {
	ctx := context.Background()
	src, srcStore := layoutWithReferrer(t)
	desc, err := srcStore.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	host := registrytest.InProcess(t)
	dst := host + "/acme/iris"
	_, err = Push(ctx, PushRequest{Src: src + ":1.0.0", Dst: dst})
	require.NoError(t, err)

	// Other bytes under 1.0.0 in a second layout.
	other, otherStore := layoutWithReferrer(t)
	otherDesc, err := otherStore.Resolve(ctx, "1.0.0")
	require.NoError(t, err)

	tests := []struct {
		name string
		req  PushRequest
		want fault.Kind
	}{
		{"a version tag naming other bytes", PushRequest{Src: other + ":1.0.0", Dst: dst}, fault.Denied},
		{"SRC without tag or digest", PushRequest{Src: src, Dst: dst}, fault.Usage},
		{"DST naming another digest", PushRequest{Src: src + ":1.0.0", Dst: dst + "@" + otherDesc.Digest.String()}, fault.Usage},
		{"--mount-from a layout", PushRequest{Src: src + ":1.0.0", Dst: dst, MountFrom: []string{src}}, fault.Usage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Push(ctx, tt.req)
			require.Error(t, err)
			assert.Equal(t, tt.want, fault.KindOf(err), "Push(%s, %s): %v", tt.req.Src, tt.req.Dst, err)
		})
	}

	d, err := Open(mustRef(t, dst)).Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, desc.Digest, d.Digest, "a refused push must leave the version tag alone")

	// --force moves it.
	res, err := Push(ctx, PushRequest{Src: other + ":1.0.0", Dst: dst, Force: true})
	require.NoError(t, err)
	assert.Equal(t, otherDesc.Digest.String(), res.Digest)
	d, err = Open(mustRef(t, dst)).Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, otherDesc.Digest, d.Digest, "--force should move the version tag")
}

// authRecorder is a transport that notes which hosts were sent credentials.
type authRecorder struct {
	mu    sync.Mutex
	hosts map[string]bool
}

func (a *authRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") != "" {
		a.mu.Lock()
		a.hosts[r.URL.Host] = true
		a.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestPushGivesCredentialsToTheDestination(t *testing.T) {
	ctx := context.Background()
	t.Setenv(EnvUsername, "")
	t.Setenv(EnvPassword, "")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	open := registrytest.InProcess(t)
	private := registrytest.InProcess(t, registrytest.WithBasicAuth("u", "p"))
	src, _ := layoutWithReferrer(t)
	_, err := Push(ctx, PushRequest{Src: src + ":1.0.0", Dst: open + "/acme/iris"})
	require.NoError(t, err)

	rec := &authRecorder{hosts: map[string]bool{}}
	client := Client{Username: "u", Password: "p", Transport: rec}
	_, err = Push(ctx, PushRequest{Client: client, Src: open + "/acme/iris:1.0.0", Dst: private + "/acme/iris"})
	require.NoError(t, err, "push from an open registry to one that needs the command-line credentials")
	assert.Equal(t, map[string]bool{private: true}, rec.hosts, "only the destination should be sent credentials")

	// Reading from the private registry into a layout: the source gets them.
	rec.hosts = map[string]bool{}
	_, err = Push(ctx, PushRequest{Client: client, Src: private + "/acme/iris:1.0.0", Dst: LayoutPrefix + filepath.Join(t.TempDir(), "back")})
	require.NoError(t, err, "push from the private registry into a layout")
	assert.Equal(t, map[string]bool{private: true}, rec.hosts)

	// From the private registry to another registry: the destination gets
	// them, so the source refuses.
	_, err = Push(ctx, PushRequest{Client: client, Src: private + "/acme/iris:1.0.0", Dst: open + "/acme/other"})
	require.Error(t, err, "the source should not be sent the destination's credentials")
	assert.Equal(t, fault.Usage, fault.KindOf(err), "a refused login is a usage error: %v", err)
}

func mustRef(t *testing.T, s string) Ref {
	t.Helper()
	r, err := ParseRef(s, false)
	require.NoError(t, err)
	return r
}
