package oci

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(1024, 2)
	require.NoError(t, err)
	return img
}

// referrerOf makes a small artifact whose subject is img.
func referrerOf(t *testing.T, img v1.Image) v1.Image {
	t.Helper()
	d, err := partial.Descriptor(img)
	require.NoError(t, err)
	ref, err := mutate.AppendLayers(empty.Image, static.NewLayer([]byte(`{"verdict":"pass"}`), "application/vnd.slipway.test+json"))
	require.NoError(t, err)
	ref = mutate.MediaType(ref, types.OCIManifestSchema1)
	ref = mutate.ConfigMediaType(ref, "application/vnd.slipway.test.config+json")
	return mutate.Subject(ref, *d).(v1.Image)
}

func TestLayoutStore(t *testing.T) {
	ctx := context.Background()
	s := OpenLayout(t.TempDir())
	img := randomImage(t)
	require.NoError(t, s.WriteImage(ctx, img, "1.0.0"))
	h, err := img.Digest()
	require.NoError(t, err)

	for _, id := range []string{"1.0.0", h.String()} {
		d, err := s.Resolve(ctx, id)
		require.NoError(t, err, "Resolve(%s)", id)
		assert.Equal(t, h, d.Digest)
	}
	_, err = s.Resolve(ctx, "2.0.0")
	assert.ErrorIs(t, err, ErrNotFound)

	require.NoError(t, s.Tag(ctx, v1.Descriptor{Digest: h, MediaType: types.OCIManifestSchema1}, "latest"))
	tags, err := s.Tags(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"1.0.0", "latest"}, tags)

	// A store may be shared between users and jobs: blobs and the index are readable by all.
	for _, name := range []string{filepath.Join("blobs", "sha256", h.Hex), "index.json"} {
		fi, err := os.Stat(filepath.Join(s.Ref().Layout, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "mode of %s", name)
	}

	got, err := s.Image(ctx, h)
	require.NoError(t, err)
	gotDigest, err := got.Digest()
	require.NoError(t, err)
	assert.Equal(t, h, gotDigest)

	// Re-tagging moves the tag; the old manifest stays readable by digest.
	other := randomImage(t)
	require.NoError(t, s.WriteImage(ctx, other, "latest"))
	d, err := s.Resolve(ctx, "latest")
	require.NoError(t, err)
	od, _ := other.Digest()
	assert.Equal(t, od, d.Digest)
	_, err = s.Resolve(ctx, h.String())
	assert.NoError(t, err, "a manifest a tag moved off must stay readable by digest")
	_, err = s.Image(ctx, h)
	assert.NoError(t, err)

	require.NoError(t, s.WriteImage(ctx, referrerOf(t, img), ""))
	refs, err := s.Referrers(ctx, h)
	require.NoError(t, err)
	assert.Len(t, refs, 1)
}

func TestCopyWithReferrers(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []registrytest.Option
	}{
		{"referrers API", nil},
		{"tag fallback", []registrytest.Option{registrytest.WithoutReferrers()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			host := registrytest.InProcess(t, tt.opts...)
			local := OpenLayout(t.TempDir())
			img := randomImage(t)
			require.NoError(t, local.WriteImage(ctx, img, "1.0.0"))
			require.NoError(t, local.WriteImage(ctx, referrerOf(t, img), ""))
			desc, err := local.Resolve(ctx, "1.0.0")
			require.NoError(t, err)

			dstRef, err := ParseRef(host+"/acme/model", false)
			require.NoError(t, err)
			dst := Open(dstRef)
			require.NoError(t, Copy(ctx, local, dst, desc, "1.0.0"))

			d, err := dst.Resolve(ctx, "1.0.0")
			require.NoError(t, err)
			assert.Equal(t, desc.Digest, d.Digest)
			refs, err := dst.Referrers(ctx, desc.Digest)
			require.NoError(t, err)
			assert.Len(t, refs, 1, "the referrer should travel with the artifact")

			// And back into a second layout, referrers included.
			back := OpenLayout(t.TempDir())
			require.NoError(t, Copy(ctx, dst, back, desc, "1.0.0"))
			refs, err = back.Referrers(ctx, desc.Digest)
			require.NoError(t, err)
			assert.Len(t, refs, 1)
		})
	}
}

func TestRemoteErrors(t *testing.T) {
	ctx := context.Background()
	unauthorized := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer unauthorized.Close()
	host := strings.TrimPrefix(unauthorized.URL, "http://")

	t.Run("401 names the credential, never its value", func(t *testing.T) {
		ref, err := ParseRef(host+"/acme/model:1.0.0", false)
		require.NoError(t, err)
		s := Open(ref, WithKeychain(Keychain("alice", "s3cret-value", host)))
		_, err = s.Resolve(ctx, "1.0.0")
		require.Error(t, err)
		assert.Equal(t, fault.Usage, fault.KindOf(err))
		assert.Contains(t, err.Error(), "--username alice")
		assert.Contains(t, err.Error(), host)
		assert.NotContains(t, err.Error(), "s3cret-value")
	})
	t.Run("401 anonymous", func(t *testing.T) {
		ref, err := ParseRef(host+"/acme/model", false)
		require.NoError(t, err)
		_, err = Open(ref, WithKeychain(authn.NewMultiKeychain())).Tags(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "anonymous")
	})
	t.Run("unreachable", func(t *testing.T) {
		ref, err := ParseRef("127.0.0.1:1/acme/model", false)
		require.NoError(t, err)
		_, err = Open(ref).Resolve(ctx, "1.0.0")
		require.Error(t, err)
		assert.Equal(t, fault.Runtime, fault.KindOf(err))
		assert.Contains(t, err.Error(), "unreachable")
		assert.NotContains(t, err.Error(), "Docker Hub")
	})
	t.Run("a bare name goes to Docker Hub, and the error says where the local store is", func(t *testing.T) {
		ref, err := ParseRef("wine:0.3.0", false)
		require.NoError(t, err)
		offline := roundTripFunc(func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("no route to host")}
		})
		_, err = Open(ref, WithTransport(offline)).Resolve(ctx, "0.3.0")
		require.Error(t, err)
		assert.Equal(t, fault.Runtime, fault.KindOf(err))
		assert.Contains(t, err.Error(), "registry index.docker.io is unreachable")
		assert.Contains(t, err.Error(), "without a registry host goes to Docker Hub: the local store is oci:.slipway/wine")
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestMountFromSendsNoBlobBytes needs the real registry: the in-process one
// shares blobs between repositories, so it never needs a mount.
func TestMountFromSendsNoBlobBytes(t *testing.T) {
	ctx := context.Background()
	host, stats := registrytest.Counting(t, registrytest.Real(t))
	local := OpenLayout(t.TempDir())
	img := randomImage(t)
	require.NoError(t, local.WriteImage(ctx, img, "1.0.0"))
	desc, err := local.Resolve(ctx, "1.0.0")
	require.NoError(t, err)

	repo := "mount-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "-" + desc.Digest.Hex[:8]
	a, err := ParseRef(host+"/"+repo+"/a", false)
	require.NoError(t, err)
	require.NoError(t, Copy(ctx, local, Open(a), desc, "1.0.0"))
	firstPush := stats.BytesUploaded()
	require.Positive(t, firstPush)

	stats.Reset()
	b, err := ParseRef(host+"/"+repo+"/b", false)
	require.NoError(t, err)
	require.NoError(t, Copy(ctx, local, Open(b, WithMountFrom(a.Repo)), desc, "1.0.0"))
	raw, err := img.RawManifest()
	require.NoError(t, err)
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	// Only the manifest and the (tiny, unmountable) config travel again.
	assert.LessOrEqual(t, stats.BytesUploaded(), int64(len(raw)+len(cfg)),
		"pushing blobs another repository holds should mount them, not upload them")
	assert.Positive(t, stats.Count(http.MethodPost, "mount="), "the push should ask the registry to mount")
}

func TestLayoutTagMoveKeepsOldManifest(t *testing.T) {
	ctx := context.Background()
	s := OpenLayout(t.TempDir())
	a, b := randomImage(t), randomImage(t)
	require.NoError(t, s.WriteImage(ctx, a, "production"))
	require.NoError(t, s.WriteImage(ctx, b, "production"))
	ha, _ := a.Digest()
	_, err := s.Resolve(ctx, ha.String())
	require.NoError(t, err, "the manifest the tag moved off should still resolve by digest")
	_, err = s.Image(ctx, ha)
	require.NoError(t, err)
	tags, err := s.Tags(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"production"}, tags)
}

// TestCopyCarriesCosignTags: the tags cosign keeps attachments under
// (sha256-<hex>.att, .sig) travel with the artifact, and a tag in dst
// holding a layer src's lacks is kept rather than overwritten.
func TestCopyCarriesCosignTags(t *testing.T) {
	ctx := context.Background()
	local := OpenLayout(t.TempDir())
	img := randomImage(t)
	require.NoError(t, local.WriteImage(ctx, img, "1.0.0"))
	desc, err := local.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	att, sig := randomImage(t), randomImage(t)
	require.NoError(t, local.WriteImage(ctx, att, CosignTag(desc.Digest, "att")))
	require.NoError(t, local.WriteImage(ctx, sig, CosignTag(desc.Digest, "sig")))

	host := registrytest.InProcess(t)
	dstRef, err := ParseRef(host+"/acme/model", false)
	require.NoError(t, err)
	dst := Open(dstRef)
	require.NoError(t, Copy(ctx, local, dst, desc, "1.0.0"))
	for kind, want := range map[string]v1.Image{"att": att, "sig": sig} {
		d, err := dst.Resolve(ctx, CosignTag(desc.Digest, kind))
		require.NoError(t, err, "the .%s tag in the registry", kind)
		h, _ := want.Digest()
		assert.Equal(t, h, d.Digest, "the .%s tag names what it named in the source", kind)
	}
	_, err = dst.Resolve(ctx, CosignTag(desc.Digest, "sbom"))
	assert.ErrorIs(t, err, ErrNotFound, "a .sbom tag the source lacks")

	// src's .att gains a layer (cosign appends): the copy moves dst's tag.
	grown, err := mutate.AppendLayers(att, static.NewLayer([]byte(`{"more":1}`), "application/vnd.dsse.envelope.v1+json"))
	require.NoError(t, err)
	require.NoError(t, local.WriteImage(ctx, grown, CosignTag(desc.Digest, "att")))
	require.NoError(t, Copy(ctx, local, dst, desc, "1.0.0"))
	d, err := dst.Resolve(ctx, CosignTag(desc.Digest, "att"))
	require.NoError(t, err)
	gh, _ := grown.Digest()
	assert.Equal(t, gh, d.Digest, "a .att tag src grew is copied over dst's")

	// dst's .att holds a layer src's lacks: dst keeps its own.
	own := randomImage(t)
	require.NoError(t, dst.WriteImage(ctx, own, CosignTag(desc.Digest, "att")))
	require.NoError(t, Copy(ctx, local, dst, desc, "1.0.0"))
	d, err = dst.Resolve(ctx, CosignTag(desc.Digest, "att"))
	require.NoError(t, err)
	oh, _ := own.Digest()
	assert.Equal(t, oh, d.Digest, "a .att tag of dst's own is not overwritten")
}
