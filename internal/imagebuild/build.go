package imagebuild

import (
	"context"
	"fmt"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"golang.org/x/sync/errgroup"

	"github.com/slipwayhq/slipway/internal/oci"
)

// Result is what Build wrote.
type Result struct {
	// Descriptor is the image's, or the index's when the base is an index.
	Descriptor v1.Descriptor
	// Images are the platform images (one when the base is a single image).
	Images []PlatformImage
	// Layers are the layers the build added (the same on every platform).
	Layers []Layer
	// BaseDigest is the digest of the base (zero for scratch).
	BaseDigest v1.Hash
	// ModelDir is where the model's files are in the image.
	ModelDir string
	// SBOM is the SPDX referrer's descriptor; nil with no SBOM.
	SBOM *v1.Descriptor
	// Unchanged is true when every tag already named this digest.
	Unchanged bool
}

// PlatformImage is one platform's image in the result.
type PlatformImage struct {
	Platform string  `json:"platform"`
	Digest   v1.Hash `json:"digest"`
}

// Build appends the model (and the extra layers) to the base, sets the
// config and annotations, and writes the image, or a new index over every
// chosen platform, to Dest with its tags and its SBOM. The same inputs and
// Epoch give the same digest on any machine. Blobs Dest already has are not
// written again, so a rebuild with an unchanged model sends no model bytes.
func Build(ctx context.Context, o Options) (*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	adds, err := addSources(o.Adds, o.Epoch, true)
	if err != nil {
		return nil, err
	}
	b, err := resolveBase(ctx, &o)
	if err != nil {
		return nil, err
	}
	srcs := append(modelSources(o.Model, o.ModelStore, o.ModelDir, o.Epoch), adds...)
	layers, err := hashLayers(ctx, &o, srcs)
	if err != nil {
		return nil, err
	}

	res := &Result{BaseDigest: b.digest, ModelDir: o.ModelDir}
	for _, l := range layers {
		res.Layers = append(res.Layers, l.info)
	}
	anns := annotations(&o)
	imgs := make([]v1.Image, len(b.images))
	platforms := make([]v1.Platform, len(b.images))
	for i, bi := range b.images {
		if imgs[i], err = assemble(&o, bi, layers, anns); err != nil {
			return nil, fmt.Errorf("appending the model to the %s base image: %w", platformString(bi.platform), err)
		}
		platforms[i] = bi.platform
		d, err := imgs[i].Digest()
		if err != nil {
			return nil, err
		}
		res.Images = append(res.Images, PlatformImage{Platform: platformString(bi.platform), Digest: d})
	}

	var top partial.Describable
	if b.index != "" {
		if b.digest != (v1.Hash{}) {
			anns["org.opencontainers.image.base.digest"] = b.digest.String()
		}
		top = assembleIndex(b.index, platforms, imgs, anns)
	} else {
		top = imgs[0]
	}
	desc, err := partial.Descriptor(top)
	if err != nil {
		return nil, err
	}
	res.Descriptor = v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}
	if res.Unchanged, err = write(ctx, &o, top, res.Descriptor); err != nil {
		return nil, err
	}
	if o.SBOM {
		sbom, err := attachSBOM(ctx, &o, res)
		if err != nil {
			return nil, err
		}
		res.SBOM = &sbom
	}
	return res, nil
}

// hashLayers computes every layer's digest, several layers at once.
func hashLayers(ctx context.Context, o *Options, srcs []source) ([]*streamLayer, error) {
	cache := openLayerCache(o.CacheDir)
	progress := func(int64) {}
	if o.Progress != nil {
		var total int64
		for _, s := range srcs {
			total += s.size()
		}
		o.Progress.SetTotal(total)
		progress = o.Progress.Add
	}
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	layers := make([]*streamLayer, len(srcs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, s := range srcs {
		g.Go(func() error {
			var err error
			layers[i], err = hashLayer(gctx, s, cache, !o.ModelVerified, progress)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Layers stream from their sources under the build's context, not the
	// hashing group's, which ends here.
	for _, l := range layers {
		l.ctx = ctx
	}
	return layers, nil
}

// write stores the image or index in Dest under its tags. Version tags are
// immutable: one that names other bytes is refused before anything is
// written. unchanged is true when every tag already named this digest.
func write(ctx context.Context, o *Options, top partial.Describable, desc v1.Descriptor) (unchanged bool, err error) {
	unchanged = len(o.Tags) > 0
	for _, t := range o.Tags {
		present, err := oci.CheckVersionTag(ctx, o.Dest, t, desc.Digest)
		if err != nil {
			return false, err
		}
		if !present {
			if existing, err := o.Dest.Resolve(ctx, t); err != nil || existing.Digest != desc.Digest {
				unchanged = false
			}
		}
	}
	first := ""
	if len(o.Tags) > 0 {
		first = o.Tags[0]
	}
	switch t := top.(type) {
	case v1.ImageIndex:
		err = o.Dest.WriteIndex(ctx, t, first)
	case v1.Image:
		err = o.Dest.WriteImage(ctx, t, first)
	}
	if err != nil {
		return false, fmt.Errorf("writing the image to %s: %w", o.Dest.Ref(), err)
	}
	for _, t := range o.Tags[min(1, len(o.Tags)):] {
		if err := o.Dest.Tag(ctx, desc, t); err != nil {
			return false, fmt.Errorf("tagging %s in %s: %w", t, o.Dest.Ref(), err)
		}
	}
	return unchanged, nil
}
