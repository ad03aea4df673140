package imagebuild

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/spdxlib"
)

// SBOMArtifactType is the artifactType (and layer media type) of the SBOM referrer.
const SBOMArtifactType = "application/spdx+json"

// sbom describes the image in SPDX 2.3 JSON, written by spdx/tools-golang:
// the base (name, digest), the model (name, version, digest) and every file
// the build put in, with its path, SHA256 and SHA1 (which SPDX 2.3 requires
// of every file). Nothing in it depends on the moment: created is the
// build's epoch and the namespace is derived from the image digest.
func sbom(o *Options, res *Result) ([]byte, error) {
	img := res.Descriptor.Digest
	repo := o.Dest.Ref().Repository()
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      repo + "@" + img.String(),
		DocumentNamespace: "https://slipway.dev/spdx/" + img.Algorithm + "/" + img.Hex,
		CreationInfo: &spdx.CreationInfo{
			Created:  o.Epoch.UTC().Format(time.RFC3339),
			Creators: []common.Creator{{CreatorType: "Tool", Creator: tool(o.Tool)}},
		},
		Packages: []*spdx.Package{ociPackage("Image", repo, img, "CONTAINER")},
	}
	rel := func(a common.ElementID, typ string, b common.ElementID) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(a)), Relationship: typ, RefB: common.MakeDocElementID("", string(b)),
		})
	}
	rel("DOCUMENT", common.TypeRelationshipDescribe, "Image")
	if o.Base != nil {
		doc.Packages = append(doc.Packages, ociPackage("Base", o.BaseName, res.BaseDigest, "CONTAINER"))
		rel("Image", common.TypeRelationshipDescendantOf, "Base")
	}
	model := ociPackage("Model", o.Model.Name, o.Model.Descriptor.Digest, "OTHER")
	model.PackageVersion = o.Model.Version
	model.PackageComment = "machine-learning model (ModelPack artifact " + o.Model.Descriptor.Digest.String() + ") in " + o.ModelDir
	doc.Packages = append(doc.Packages, model)
	rel("Image", common.TypeRelationshipContains, "Model")
	n := 0
	for i, l := range res.Layers {
		owner := common.ElementID("Image")
		if i < len(o.Model.Layers) {
			owner = "Model"
		}
		for _, f := range l.Files {
			n++
			id := common.ElementID(fmt.Sprintf("File-%d", n))
			doc.Files = append(doc.Files, &spdx.File{
				FileSPDXIdentifier: id,
				FileName:           f.Path,
				Checksums:          []common.Checksum{{Algorithm: common.SHA1, Value: f.SHA1}, {Algorithm: common.SHA256, Value: f.SHA256}},
				FileCopyrightText:  noAssertion,
			})
			rel(owner, common.TypeRelationshipContains, id)
		}
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		return nil, fmt.Errorf("the SBOM of %s: %w", img, err)
	}
	var b bytes.Buffer
	if err := spdxjson.Write(doc, &b, spdxjson.Indent("  ")); err != nil {
		return nil, fmt.Errorf("encoding the SBOM of %s: %w", img, err)
	}
	return b.Bytes(), nil
}

// noAssertion is SPDX's "this document says nothing about it".
const noAssertion = "NOASSERTION"

func ociPackage(id common.ElementID, name string, digest v1.Hash, purpose string) *spdx.Package {
	p := &spdx.Package{
		PackageSPDXIdentifier:     id,
		PackageName:               name,
		PackageVersion:            digest.String(),
		PackageDownloadLocation:   noAssertion,
		IsFilesAnalyzedTagPresent: true,
		PrimaryPackagePurpose:     purpose,
	}
	if digest != (v1.Hash{}) {
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: digest.Hex}}
		p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: purl(name, digest)}}
	}
	return p
}

// purl is the package URL of an OCI manifest: pkg:oci/NAME@DIGEST?repository_url=REPO.
func purl(ref string, digest v1.Hash) string {
	repo, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i] // drop a tag
	}
	last := repo[strings.LastIndex(repo, "/")+1:]
	return "pkg:oci/" + url.PathEscape(strings.ToLower(last)) + "@" + url.QueryEscape(digest.String()) + "?repository_url=" + url.QueryEscape(repo)
}

func tool(t string) string {
	if t == "" {
		return "slipway"
	}
	return t
}

// attachSBOM stores the SBOM as an OCI 1.1 referrer of the image: an
// empty config, one application/spdx+json layer, and the image as subject.
func attachSBOM(ctx context.Context, o *Options, res *Result) (v1.Descriptor, error) {
	doc, err := sbom(o, res)
	if err != nil {
		return v1.Descriptor{}, err
	}
	art, err := newReferrer(res.Descriptor, SBOMArtifactType, doc, o.Epoch)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := o.Dest.WriteImage(ctx, art.Image, ""); err != nil {
		return v1.Descriptor{}, fmt.Errorf("attaching the SBOM to %s in %s: %w", res.Descriptor.Digest, o.Dest.Ref(), err)
	}
	d := art.Descriptor
	d.Annotations = nil // as partial.Descriptor reported it before oci.Artifact
	return d, nil
}
