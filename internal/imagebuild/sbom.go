package imagebuild

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// SBOMArtifactType is the artifactType (and layer media type) of the SBOM referrer.
const SBOMArtifactType = "application/spdx+json"

// spdxDocument is the part of SPDX 2.3 (JSON) the build writes.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreation       `json:"creationInfo"`
	DocumentDescribes []string           `json:"documentDescribes"`
	Packages          []spdxPackage      `json:"packages"`
	Files             []spdxFile         `json:"files"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID           string       `json:"SPDXID"`
	Name             string       `json:"name"`
	VersionInfo      string       `json:"versionInfo,omitempty"`
	DownloadLocation string       `json:"downloadLocation"`
	FilesAnalyzed    bool         `json:"filesAnalyzed"`
	Purpose          string       `json:"primaryPackagePurpose,omitempty"`
	Checksums        []spdxSum    `json:"checksums,omitempty"`
	ExternalRefs     []spdxExtRef `json:"externalRefs,omitempty"`
	Comment          string       `json:"comment,omitempty"`
}

type spdxFile struct {
	SPDXID    string    `json:"SPDXID"`
	FileName  string    `json:"fileName"`
	Checksums []spdxSum `json:"checksums"`
}

type spdxSum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxExtRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// sbom describes the image: the base (name, digest), the model (name,
// version, digest) and every file the build put in, with its path, SHA256
// and SHA1 (which SPDX 2.3 requires of every file).
func sbom(o *Options, res *Result) ([]byte, error) {
	img := res.Descriptor.Digest
	repo := o.Dest.Ref().Repository()
	doc := spdxDocument{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:              repo + "@" + img.String(),
		DocumentNamespace: "https://slipway.dev/spdx/" + img.Algorithm + "/" + img.Hex,
		CreationInfo:      spdxCreation{Created: o.Epoch.UTC().Format(time.RFC3339), Creators: []string{"Tool: " + tool(o.Tool)}},
		DocumentDescribes: []string{"SPDXRef-Image"},
		Packages:          []spdxPackage{ociPackage("SPDXRef-Image", repo, img, "CONTAINER")},
	}
	rel := func(a, typ, b string) {
		doc.Relationships = append(doc.Relationships, spdxRelationship{Element: a, Type: typ, Related: b})
	}
	rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image")
	if o.Base != nil {
		doc.Packages = append(doc.Packages, ociPackage("SPDXRef-Base", o.BaseName, res.BaseDigest, "CONTAINER"))
		rel("SPDXRef-Image", "DESCENDANT_OF", "SPDXRef-Base")
	}
	model := ociPackage("SPDXRef-Model", o.Model.Name, o.Model.Descriptor.Digest, "OTHER")
	model.VersionInfo = o.Model.Version
	model.Comment = "machine-learning model (ModelPack artifact " + o.Model.Descriptor.Digest.String() + ") in " + o.ModelDir
	doc.Packages = append(doc.Packages, model)
	rel("SPDXRef-Image", "CONTAINS", "SPDXRef-Model")
	n := 0
	for i, l := range res.Layers {
		owner := "SPDXRef-Image"
		if i < len(o.Model.Layers) {
			owner = "SPDXRef-Model"
		}
		for _, f := range l.Files {
			n++
			id := fmt.Sprintf("SPDXRef-File-%d", n)
			doc.Files = append(doc.Files, spdxFile{SPDXID: id, FileName: f.Path, Checksums: []spdxSum{{"SHA1", f.SHA1}, {"SHA256", f.SHA256}}})
			rel(owner, "CONTAINS", id)
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func ociPackage(id, name string, digest v1.Hash, purpose string) spdxPackage {
	p := spdxPackage{SPDXID: id, Name: name, VersionInfo: digest.String(), DownloadLocation: "NOASSERTION", Purpose: purpose}
	if digest != (v1.Hash{}) {
		p.Checksums = []spdxSum{{"SHA256", digest.Hex}}
		p.ExternalRefs = []spdxExtRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: purl(name, digest)}}
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
