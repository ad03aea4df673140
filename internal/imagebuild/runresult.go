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
	Images []PlatformImage `json:"images"`
	// Layers are the layers the build added (the same on every platform).
	Layers []Layer `json:"layers"`
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
		Images:    res.Images,
		Layers:    res.Layers,
		Model: ModelInfo{
			Name: o.Model.Name, Version: o.Model.Version,
			Digest: o.Model.Descriptor.Digest.String(), Dir: res.ModelDir,
		},
	}
	if o.Base != nil {
		out.Base.Digest = res.BaseDigest.String()
	}
	if res.SBOM != nil {
		out.SBOM = dst.WithDigest(res.SBOM.Digest.String()).String()
	}
	return out
}
