package imagebuild_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/imagebuild"
)

// spdx is what the test reads of an SPDX 2.3 document.
type spdx struct {
	SPDXVersion       string `json:"spdxVersion"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      struct {
		Created string `json:"created"`
	} `json:"creationInfo"`
	Packages []struct {
		SPDXID, Name, VersionInfo string
	} `json:"packages"`
	Files []struct {
		FileName  string `json:"fileName"`
		Checksums []struct {
			Algorithm string `json:"algorithm"`
			Value     string `json:"checksumValue"`
		} `json:"checksums"`
	} `json:"files"`
}

// TestSBOM finds the SPDX document as a referrer of the image and checks
// that it names the base and every file with its checksums.
func TestSBOM(t *testing.T) {
	o, _ := setup(t)
	serve := filepath.Join(t.TempDir(), "serve.py")
	require.NoError(t, os.WriteFile(serve, []byte("print('hi')\n"), 0o644))
	o.Adds = []imagebuild.Add{{Src: serve, Dst: "/app/serve.py"}}
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)

	refs, err := o.Dest.Referrers(t.Context(), res.Descriptor.Digest)
	require.NoError(t, err)
	require.Len(t, refs, 1, "referrers of the image: %+v", refs)
	assert.Equal(t, res.SBOM.Digest, refs[0].Digest)
	doc := readSBOM(t, o, refs[0].Digest)

	assert.Equal(t, "SPDX-2.3", doc.SPDXVersion)
	assert.Equal(t, "2023-11-14T22:13:20Z", doc.CreationInfo.Created)
	assert.Contains(t, doc.DocumentNamespace, res.Descriptor.Digest.Hex)
	baseDesc, err := o.Base.Resolve(t.Context(), "base")
	require.NoError(t, err)
	byID := map[string][2]string{}
	for _, p := range doc.Packages {
		byID[p.SPDXID] = [2]string{p.Name, p.VersionInfo}
	}
	assert.Equal(t, [2]string{"example.com/acme/base:base", baseDesc.Digest.String()}, byID["SPDXRef-Base"])
	assert.Equal(t, [2]string{"iris-classifier", "1.0.0"}, byID["SPDXRef-Model"])

	sums := map[string]map[string]string{}
	for _, f := range doc.Files {
		sums[f.FileName] = map[string]string{}
		for _, c := range f.Checksums {
			sums[f.FileName][c.Algorithm] = c.Value
		}
	}
	for image, local := range map[string]string{
		"/models/iris-classifier/model.safetensors": "../../testdata/iris/model.safetensors",
		"/models/iris-classifier/data/iris.csv":     "../../testdata/iris/data/iris.csv",
		"/app/serve.py":                             serve,
	} {
		assert.Equal(t, map[string]string{"SHA256": sha256File(t, local), "SHA1": sha1File(t, local)}, sums[image], "checksums of %s", image)
	}
	assert.Len(t, doc.Files, 9, "the 8 files of the example and serve.py")

	o.SBOM = false
	o.Config.Env = []string{"X=1"}
	res, err = imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	refs, err = o.Dest.Referrers(t.Context(), res.Descriptor.Digest)
	require.NoError(t, err)
	assert.Empty(t, refs, "no SBOM when it is turned off")
	assert.Nil(t, res.SBOM)
}

func readSBOM(t *testing.T, o imagebuild.Options, h v1.Hash) spdx {
	t.Helper()
	raw, err := o.Dest.Manifest(t.Context(), h)
	require.NoError(t, err)
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Len(t, m.Layers, 1)
	require.NotNil(t, m.Subject, "the SBOM manifest has no subject")
	assert.Equal(t, imagebuild.SBOMArtifactType, m.ArtifactType)
	assert.Equal(t, imagebuild.SBOMArtifactType, string(m.Layers[0].MediaType))
	rc, err := o.Dest.Blob(t.Context(), m.Layers[0].Digest)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	var doc spdx
	require.NoError(t, json.Unmarshal(b, &doc), "SBOM:\n%s", b)
	return doc
}

func sha1File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}
