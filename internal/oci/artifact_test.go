package oci_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/oci"
)

func sha(data string) v1.Hash {
	h, _, _ := v1.SHA256(strings.NewReader(data))
	return h
}

func TestArtifactBuild(t *testing.T) {
	subject := &v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: sha("subject"), Size: 7}
	tests := []struct {
		name string
		a    oci.Artifact
		want string
	}{
		{
			name: "empty config, no layers",
			a:    oci.Artifact{ArtifactType: "application/x.test"},
			want: `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":null,"artifactType":"application/x.test"}`,
		},
		{
			name: "given config, annotated layer, subject, annotations",
			a: oci.Artifact{
				Config:      &oci.Blob{MediaType: "application/x.config", Data: []byte("{}")},
				Layers:      []oci.Blob{{MediaType: "text/plain", Data: []byte("hi"), Annotations: map[string]string{"t": "hi.txt"}}},
				Subject:     subject,
				Annotations: map[string]string{"b": "2", "a": "1"},
			},
			want: `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/x.config","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[{"mediaType":"text/plain","size":2,"digest":"` + sha("hi").String() + `","annotations":{"t":"hi.txt"}}],"annotations":{"a":"1","b":"2"},"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,"digest":"` + sha("subject").String() + `"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.a.Build()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b.Manifest))
			raw, err := b.Image.RawManifest()
			require.NoError(t, err)
			assert.Equal(t, b.Manifest, raw, "the image's manifest")
			assert.Equal(t, sha(tt.want), b.Descriptor.Digest)
			assert.Equal(t, int64(len(tt.want)), b.Descriptor.Size)
			assert.Equal(t, tt.a.ArtifactType, b.Descriptor.ArtifactType)
			assert.Equal(t, tt.a.Annotations, b.Descriptor.Annotations)
			d, err := b.Image.Digest()
			require.NoError(t, err)
			assert.Equal(t, b.Descriptor.Digest, d, "the image's digest")
			cfg, err := b.Image.RawConfigFile()
			require.NoError(t, err)
			assert.Equal(t, "{}", string(cfg))
		})
	}
}

func TestWriteArtifact(t *testing.T) {
	ctx := context.Background()
	store := oci.OpenLayout(t.TempDir())
	subject, err := oci.WriteArtifact(ctx, store, oci.Artifact{ArtifactType: "application/x.subject"}, "subject")
	require.NoError(t, err)

	desc, err := oci.WriteArtifact(ctx, store, oci.Artifact{
		ArtifactType: "application/x.note",
		Layers:       []oci.Blob{{MediaType: "text/plain", Data: []byte("a note")}},
		Subject:      &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
	}, "")
	require.NoError(t, err)

	got, err := store.Resolve(ctx, "subject")
	require.NoError(t, err)
	assert.Equal(t, subject.Digest, got.Digest, "the tag points at the written manifest")
	refs, err := store.Referrers(ctx, subject.Digest)
	require.NoError(t, err)
	require.Len(t, refs, 1, "referrers of the subject")
	assert.Equal(t, desc.Digest, refs[0].Digest)
	assert.Equal(t, "application/x.note", refs[0].ArtifactType)
	rc, err := store.Blob(ctx, sha("a note"))
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, "a note", string(data))
}

func TestStoredBlob(t *testing.T) {
	ctx := context.Background()
	src := oci.OpenLayout(t.TempDir())
	page := []byte(`{"records":[]}`)
	_, err := oci.WriteArtifact(ctx, src, oci.Artifact{Layers: []oci.Blob{{MediaType: "application/json", Data: page}}}, "")
	require.NoError(t, err)
	stored := v1.Descriptor{MediaType: "application/json", Digest: sha(string(page)), Size: int64(len(page)), Annotations: map[string]string{"n": "0"}}

	t.Run("copied from its store when the destination lacks it", func(t *testing.T) {
		dst := oci.OpenLayout(t.TempDir())
		b := oci.StoredBlob(src, stored)
		assert.Equal(t, stored, b.Descriptor())
		_, err := oci.WriteArtifact(ctx, dst, oci.Artifact{Layers: []oci.Blob{b}}, "head")
		require.NoError(t, err)
		rc, err := dst.Blob(ctx, stored.Digest)
		require.NoError(t, err)
		defer rc.Close()
		data, _ := io.ReadAll(rc)
		assert.True(t, bytes.Equal(page, data), "blob copied: got %q", data)
	})
	t.Run("missing everywhere is an error naming the blob", func(t *testing.T) {
		dst := oci.OpenLayout(t.TempDir())
		gone := v1.Descriptor{MediaType: "application/json", Digest: sha("gone"), Size: 4}
		_, err := oci.WriteArtifact(ctx, dst, oci.Artifact{Layers: []oci.Blob{oci.StoredBlob(src, gone)}}, "head")
		require.Error(t, err)
		assert.Contains(t, err.Error(), gone.Digest.Hex)
		_, err = dst.Resolve(ctx, "head")
		assert.Error(t, err, "no tag on a manifest whose blobs are missing")
	})
}
