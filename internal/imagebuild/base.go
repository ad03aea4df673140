package imagebuild

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// base is what the model is appended to: one image, or the chosen
// platforms of an index.
type base struct {
	// digest is the digest of what BaseID names (zero for scratch).
	digest v1.Hash
	// index is the media type of the base index; "" when the base is one image.
	index  types.MediaType
	images []baseImage
}

type baseImage struct {
	platform v1.Platform
	img      v1.Image
	digest   v1.Hash // zero for scratch
}

// resolveBase reads the base and picks its platforms; a platform asked for
// and missing is a usage error that lists the ones there are.
func resolveBase(ctx context.Context, o *Options) (*base, error) {
	if o.Base == nil {
		return scratch(o.Platforms)
	}
	name := o.BaseName
	desc, err := o.Base.Resolve(ctx, o.BaseID)
	if errors.Is(err, oci.ErrNotFound) {
		return nil, fault.Usagef("base image %s not found: check its name and tag, and that you may read it", name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading base image %s: %w", name, err)
	}
	if desc.MediaType.IsIndex() {
		return resolveIndex(ctx, o, desc)
	}
	if !desc.MediaType.IsImage() {
		return nil, fault.Usagef("base %s is a %s, not a container image", name, desc.MediaType)
	}
	img, err := o.Base.Image(ctx, desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading base image %s: %w", name, err)
	}
	p, err := imagePlatform(name, img)
	if err != nil {
		return nil, err
	}
	if len(o.Platforms) > 0 && !slices.ContainsFunc(o.Platforms, func(want v1.Platform) bool { return matches(want, p) }) {
		return nil, fault.Usagef("base image %s is one image for %s, not %s: pick a base that has it, or drop --platform", name, platformString(p), platformList(o.Platforms))
	}
	return &base{digest: desc.Digest, images: []baseImage{{platform: p, img: img, digest: desc.Digest}}}, nil
}

func resolveIndex(ctx context.Context, o *Options, desc v1.Descriptor) (*base, error) {
	name := o.BaseName
	idx, err := o.Base.Index(ctx, desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading base index %s: %w", name, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading base index %s: %w", name, err)
	}
	// Platform images only: attestation manifests (platform unknown/unknown)
	// describe the base, not what is built on it.
	var children []v1.Descriptor
	for _, d := range im.Manifests {
		if d.MediaType.IsImage() && d.Platform != nil && d.Platform.OS != "unknown" {
			children = append(children, d)
		}
	}
	if len(children) == 0 {
		return nil, fault.Usagef("base index %s lists no platform images", name)
	}
	var available []v1.Platform
	for _, d := range children {
		available = append(available, *d.Platform)
	}
	chosen := children
	if len(o.Platforms) > 0 {
		chosen = nil
		for _, want := range o.Platforms {
			if !slices.ContainsFunc(children, func(d v1.Descriptor) bool { return matches(want, *d.Platform) }) {
				return nil, fault.Usagef("base %s has no %s image; it has %s", name, platformString(want), platformList(available))
			}
			for _, d := range children {
				if matches(want, *d.Platform) && !slices.ContainsFunc(chosen, func(c v1.Descriptor) bool { return c.Digest == d.Digest }) {
					chosen = append(chosen, d)
				}
			}
		}
	}
	b := &base{digest: desc.Digest, index: desc.MediaType}
	for _, d := range chosen {
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading the %s image of base %s: %w", platformString(*d.Platform), name, err)
		}
		b.images = append(b.images, baseImage{platform: *d.Platform, img: img, digest: d.Digest})
	}
	return b, nil
}

// scratch is an empty OCI image per platform (linux/amd64 by default), for
// images that only carry a model (KServe modelcars, init containers).
func scratch(platforms []v1.Platform) (*base, error) {
	if len(platforms) == 0 {
		platforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}}
	}
	b := &base{}
	if len(platforms) > 1 {
		b.index = types.OCIImageIndex
	}
	for _, p := range platforms {
		img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
		img, err := mutate.ConfigFile(img, &v1.ConfigFile{
			OS: p.OS, Architecture: p.Architecture, Variant: p.Variant,
			RootFS: v1.RootFS{Type: "layers"},
		})
		if err != nil {
			return nil, err
		}
		b.images = append(b.images, baseImage{platform: p, img: img})
	}
	return b, nil
}

func imagePlatform(name string, img v1.Image) (v1.Platform, error) {
	m, err := img.Manifest()
	if err != nil {
		return v1.Platform{}, fmt.Errorf("reading base image %s: %w", name, err)
	}
	if m.Config.MediaType != types.OCIConfigJSON && m.Config.MediaType != types.DockerConfigJSON {
		return v1.Platform{}, fault.Usagef("base %s is not a container image: its config is %s (a model or other artifact?)", name, m.Config.MediaType)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return v1.Platform{}, fmt.Errorf("reading the config of base image %s: %w", name, err)
	}
	return v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant, OSVersion: cfg.OSVersion}, nil
}

// matches reports whether have is the platform want asks for; a want
// without a variant takes any variant.
func matches(want, have v1.Platform) bool {
	return want.OS == have.OS && want.Architecture == have.Architecture && (want.Variant == "" || want.Variant == have.Variant)
}

func platformString(p v1.Platform) string {
	if p.OS == "" && p.Architecture == "" {
		return "no platform"
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func platformList(ps []v1.Platform) string {
	ss := make([]string, len(ps))
	for i, p := range ps {
		ss[i] = platformString(p)
	}
	return strings.Join(ss, ", ")
}
