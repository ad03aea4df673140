package imagebuild

import (
	"github.com/slipwayhq/slipway/internal/oci"
)

// RunResult is what Run built: the result of slipway build, as -o json
// prints it.
type RunResult struct {
	// Reference is the image (or index) pinned to its digest in the destination.
	Reference string `json:"reference"`
	// Digest is the image's, or the index's when the base is an index.
	Digest string `json:"digest"`
	// MediaType is the OCI media type of the image or index manifest.
	MediaType string `json:"mediaType"`
	// Tags are the tags set on it in the destination.
	Tags []string `json:"tags"`
	// Unchanged is true when every tag already named this digest.
	Unchanged bool `json:"unchanged"`
	// Base is the image the model was appended to.
	Base BaseInfo `json:"base"`
	// Images are the platform images (one when the base is a single image).
	Images []ImageInfo `json:"images"`
	// Layers are the layers the build added (the same on every platform).
	Layers []LayerInfo `json:"layers"`
	// SBOM is the SPDX referrer pinned to its digest; empty with no SBOM.
	SBOM string `json:"sbom"`
	// Model is the model the image holds.
	Model ModelInfo `json:"model"`
}

// BaseInfo names the base of a build.
type BaseInfo struct {
	// Name is the base as given (tag latest when it had none), or scratch.
	Name string `json:"name"`
	// Digest is the base's digest; absent for scratch.
	Digest string `json:"digest,omitempty"`
}

// ModelInfo names the model in a built image.
type ModelInfo struct {
	// Name is the model's name.
	Name string `json:"name"`
	// Version is the model's version, empty when it has none.
	Version string `json:"version"`
	// Digest is the model artifact's manifest digest.
	Digest string `json:"digest"`
	// Dir is the absolute folder of the model's files in the image.
	Dir string `json:"dir"`
}

// ImageInfo is one platform's image in a build.
type ImageInfo struct {
	// Platform is os/arch[/variant].
	Platform string `json:"platform"`
	// Digest is the platform image's manifest digest.
	Digest string `json:"digest"`
}

// LayerInfo is a layer a build added.
type LayerInfo struct {
	// Digest is the layer's digest (also its diffID: it is uncompressed).
	Digest string `json:"digest"`
	// Size is the layer's size in bytes.
	Size int64 `json:"size"`
	// What the layer holds, as its history entry says.
	What string `json:"what"`
	// Cached is true when its digest came from the layer cache.
	Cached bool `json:"cached"`
	// Files are the files the layer holds.
	Files []FileInfo `json:"files"`
}

// FileInfo is a file a build put into the image.
type FileInfo struct {
	// Path is the absolute path in the image.
	Path string `json:"path"`
	// Size is the file's size in bytes.
	Size int64 `json:"size"`
	// SHA256 is the hex sha256 of the file's content.
	SHA256 string `json:"sha256"`
	// SHA1 is the hex sha1 of the file's content (SPDX wants one).
	SHA1 string `json:"sha1"`
}

// Platforms lists the platforms built, as os/arch[/variant].
func (r *RunResult) Platforms() []string {
	out := make([]string, len(r.Images))
	for i, img := range r.Images {
		out[i] = img.Platform
	}
	return out
}

// AddedSize is the size of the layers the build added.
func (r *RunResult) AddedSize() int64 {
	var n int64
	for _, l := range r.Layers {
		n += l.Size
	}
	return n
}

func newRunResult(o *Options, dst oci.Ref, res *Result) *RunResult {
	digest := res.Descriptor.Digest.String()
	out := &RunResult{
		Reference: dst.WithDigest(digest).String(),
		Digest:    digest,
		MediaType: string(res.Descriptor.MediaType),
		Tags:      o.Tags,
		Unchanged: res.Unchanged,
		Base:      BaseInfo{Name: o.BaseName},
		Model: ModelInfo{
			Name: o.Model.Name, Version: o.Model.Version,
			Digest: o.Model.Descriptor.Digest.String(), Dir: res.ModelDir,
		},
	}
	for _, img := range res.Images {
		out.Images = append(out.Images, ImageInfo{Platform: img.Platform, Digest: img.Digest.String()})
	}
	for _, l := range res.Layers {
		li := LayerInfo{Digest: l.Digest.String(), Size: l.Size, What: l.What, Cached: l.Cached}
		for _, f := range l.Files {
			li.Files = append(li.Files, FileInfo{Path: f.Path, Size: f.Size, SHA256: f.SHA256, SHA1: f.SHA1})
		}
		out.Layers = append(out.Layers, li)
	}
	if o.Base != nil {
		out.Base.Digest = res.BaseDigest.String()
	}
	if res.SBOM != nil {
		out.SBOM = dst.WithDigest(res.SBOM.Digest.String()).String()
	}
	return out
}
