package imagebuild

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations Slipway sets on what it builds, beside the OCI ones.
const (
	AnnotationModelDigest = "dev.slipway.model.digest"
	AnnotationModelName   = "dev.slipway.model.name"
	// AnnotationModelReference says where the model lives (REPO@sha256:…), so
	// promote can find the model's gate attestation from the image.
	AnnotationModelReference = "dev.slipway.model.reference"
)

// Env variables every image gets, so serving code finds the model without configuration.
const (
	EnvModelPath   = "MODEL_PATH"
	EnvModelName   = "MODEL_NAME"
	EnvModelDigest = "MODEL_DIGEST"
)

// historyPrefix starts the created_by of every history entry the build adds.
const historyPrefix = "slipway build: "

// assemble appends layers to one base image and sets its config and annotations.
func assemble(o *Options, b baseImage, layers []*streamLayer, annotations map[string]string) (v1.Image, error) {
	mt, err := b.img.MediaType()
	if err != nil {
		return nil, err
	}
	// A Docker manifest gets Docker's name for an uncompressed layer, so
	// that it does not mix the two specifications; the bytes are the same.
	layerType := types.OCIUncompressedLayer
	if mt == types.DockerManifestSchema2 {
		layerType = types.DockerUncompressedLayer
	}
	created := v1.Time{Time: o.Epoch.UTC()}
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		adds[i] = mutate.Addendum{Layer: l, MediaType: layerType, History: v1.History{Created: created, CreatedBy: historyPrefix + l.info.What}}
	}
	img, err := mutate.Append(b.img, adds...)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	applyConfig(&cfg.Config, o)
	cfg.Created = created
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, err
	}
	anns := maps.Clone(annotations)
	if b.digest != (v1.Hash{}) {
		anns["org.opencontainers.image.base.digest"] = b.digest.String()
	}
	return mutate.Annotations(img, anns).(v1.Image), nil
}

// applyConfig sets the model's env, then what the options say, on the base's config.
func applyConfig(c *v1.Config, o *Options) {
	c.Env = setEnv(c.Env, []string{
		EnvModelPath + "=" + o.ModelDir,
		EnvModelName + "=" + o.Model.Name,
		EnvModelDigest + "=" + o.Model.Descriptor.Digest.String(),
	})
	c.Env = setEnv(c.Env, o.Config.Env)
	if o.Config.Entrypoint != nil {
		c.Entrypoint = o.Config.Entrypoint
		c.Cmd = nil // as a Dockerfile ENTRYPOINT does
	}
	if o.Config.Cmd != nil {
		c.Cmd = o.Config.Cmd
	}
	if o.Config.WorkingDir != "" {
		c.WorkingDir = o.Config.WorkingDir
	}
	if o.Config.User != "" {
		c.User = o.Config.User
	}
	for _, p := range o.Config.Ports {
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		c.ExposedPorts[p] = struct{}{}
	}
	if len(o.Config.Labels) > 0 {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		maps.Copy(c.Labels, o.Config.Labels)
	}
}

// setEnv sets each KEY=VALUE of set in env: in place when KEY is there,
// appended in the order given when not.
func setEnv(env, set []string) []string {
	out := slices.Clone(env)
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		if i := slices.IndexFunc(out, func(e string) bool { return strings.HasPrefix(e, k+"=") || e == k }); i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// annotations are the manifest annotations every image (and index) gets;
// the base digest is added per manifest.
func annotations(o *Options) map[string]string {
	a := map[string]string{
		"org.opencontainers.image.created": o.Epoch.UTC().Format(time.RFC3339),
		AnnotationModelDigest:              o.Model.Descriptor.Digest.String(),
		AnnotationModelName:                o.Model.Name,
	}
	if ref := o.ModelStore.Ref(); !ref.IsLayout() || !filepath.IsAbs(ref.Layout) {
		// A registry reference, or a layout relative to the working folder
		// (the local store, oci:.slipway/<name>); an absolute layout path is
		// local to this machine and would make the image differ from one to the next.
		a[AnnotationModelReference] = ref.WithDigest(o.Model.Descriptor.Digest.String()).String()
	}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	if o.Base != nil {
		set("org.opencontainers.image.base.name", o.BaseName)
	}
	set("org.opencontainers.image.source", o.Source)
	set("org.opencontainers.image.revision", o.Revision)
	set("org.opencontainers.image.version", o.Version)
	maps.Copy(a, o.Annotations)
	return a
}

// assembleIndex puts the platform images in a new index of the base's kind.
func assembleIndex(mt types.MediaType, platforms []v1.Platform, imgs []v1.Image, anns map[string]string) v1.ImageIndex {
	adds := make([]mutate.IndexAddendum, len(imgs))
	for i, img := range imgs {
		adds[i] = mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &platforms[i]}}
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, mt), adds...)
	return mutate.Annotations(idx, anns).(v1.ImageIndex)
}
