package imagebuild_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx23 "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/spdxlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/imagebuild"
)

// TestSBOMParsesWithSPDXTools reads the SBOM back with spdx/tools-golang's
// JSON reader, validates it, checks what it says, and checks that building
// the same image again writes the same bytes.
func TestSBOMParsesWithSPDXTools(t *testing.T) {
	o, _ := setup(t)
	res, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	require.NotNil(t, res.SBOM)
	raw := sbomBytes(t, o, res.SBOM.Digest)

	doc, err := spdxjson.Read(bytes.NewReader(raw))
	require.NoError(t, err, "tools-golang should read the SBOM:\n%s", raw)
	require.NoError(t, spdxlib.ValidateDocument(doc))
	assert.Equal(t, "SPDX-2.3", doc.SPDXVersion)
	assert.Equal(t, "CC0-1.0", doc.DataLicense)
	assert.Equal(t, "https://slipway.dev/spdx/sha256/"+res.Descriptor.Digest.Hex, doc.DocumentNamespace)
	assert.Equal(t, "2023-11-14T22:13:20Z", doc.CreationInfo.Created)
	described, err := spdxlib.GetDescribedPackageIDs(doc)
	require.NoError(t, err)
	assert.Equal(t, []common.ElementID{"Image"}, described)

	pkgs := map[common.ElementID]*spdx23.Package{}
	for _, p := range doc.Packages {
		pkgs[p.PackageSPDXIdentifier] = p
	}
	require.Contains(t, pkgs, common.ElementID("Image"))
	require.Contains(t, pkgs, common.ElementID("Base"))
	require.Contains(t, pkgs, common.ElementID("Model"))
	img := pkgs["Image"]
	assert.Equal(t, "CONTAINER", img.PrimaryPackagePurpose)
	assert.Equal(t, []common.Checksum{{Algorithm: common.SHA256, Value: res.Descriptor.Digest.Hex}}, img.PackageChecksums)
	require.Len(t, img.PackageExternalReferences, 1)
	assert.True(t, strings.HasPrefix(img.PackageExternalReferences[0].Locator, "pkg:oci/"), img.PackageExternalReferences[0].Locator)
	assert.Equal(t, "1.0.0", pkgs["Model"].PackageVersion)

	rels := map[string]int{}
	for _, r := range doc.Relationships {
		rels[string(r.RefA.ElementRefID)+" "+r.Relationship+" "+strings.SplitN(string(r.RefB.ElementRefID), "-", 2)[0]]++
	}
	assert.Equal(t, map[string]int{
		"DOCUMENT DESCRIBES Image": 1,
		"Image DESCENDANT_OF Base": 1,
		"Image CONTAINS Model":     1,
		"Model CONTAINS File":      8,
	}, rels)
	require.Len(t, doc.Files, 8)
	for _, f := range doc.Files {
		algs := map[common.ChecksumAlgorithm]int{}
		for _, c := range f.Checksums {
			algs[c.Algorithm] = len(c.Value)
		}
		assert.Equal(t, map[common.ChecksumAlgorithm]int{common.SHA1: 40, common.SHA256: 64}, algs, "checksums of %s", f.FileName)
	}

	again, err := imagebuild.Build(t.Context(), o)
	require.NoError(t, err)
	assert.Equal(t, res.SBOM.Digest, again.SBOM.Digest, "the same build should attach the same SBOM")
}

func sbomBytes(t *testing.T, o imagebuild.Options, h v1.Hash) []byte {
	t.Helper()
	raw, err := o.Dest.Manifest(t.Context(), h)
	require.NoError(t, err)
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Len(t, m.Layers, 1)
	rc, err := o.Dest.Blob(t.Context(), m.Layers[0].Digest)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}
