package modelpack

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Artifact is a model artifact read back from a store: its manifest, its
// config, and what each layer holds.
type Artifact struct {
	Descriptor v1.Descriptor
	Manifest   manifest
	Config     json.RawMessage
	Format     string // "modelpack", "modelpack (vnd.cnai)" or "kitops"
	Name       string
	Version    string
	Layers     []Layer
}

// Layer is one layer of a model artifact.
type Layer struct {
	Descriptor v1.Descriptor
	Info       LayerInfo
	// Path is the file a raw layer holds; "" for a tar.
	Path string
	// Filepath is where the layer's content goes in the model folder: its
	// org.cncf.model.filepath (a file, or a folder for a tar of several),
	// or for a KitOps ModelKit the path its config gives the part; "" when
	// the artifact does not say.
	Filepath string
}

// Open reads the artifact that id (a tag or digest) names in store; it
// refuses a manifest that is not a model.
func Open(ctx context.Context, store oci.Store, id string) (*Artifact, error) {
	desc, err := store.Resolve(ctx, id)
	if errors.Is(err, oci.ErrNotFound) {
		return nil, fault.Wrap(fault.Usage, fmt.Errorf("%w: check the tag or digest, and that %s is the right repository", err, store.Ref()))
	}
	if err != nil {
		return nil, err
	}
	if desc.MediaType.IsIndex() {
		return nil, fault.Usagef("%s@%s is an image index, not a model artifact", store.Ref(), desc.Digest)
	}
	raw, err := store.Manifest(ctx, desc.Digest)
	if err != nil {
		return nil, err
	}
	a := &Artifact{Descriptor: desc}
	if err := json.Unmarshal(raw, &a.Manifest); err != nil {
		return nil, fault.Usagef("%s@%s: manifest does not parse: %w", store.Ref(), desc.Digest, err)
	}
	if !IsModelManifest(a.Manifest.ArtifactType, a.Manifest.Config.MediaType) {
		return nil, fault.Usagef("%s@%s is not a model artifact (artifactType %q, config %q): pack one with slipway pack",
			store.Ref(), desc.Digest, a.Manifest.ArtifactType, a.Manifest.Config.MediaType)
	}
	a.Format = formatOf(a.Manifest)
	for _, d := range a.Manifest.Layers {
		info, ok := ParseLayerMediaType(d.MediaType)
		if !ok {
			return nil, fault.Usagef("%s@%s: layer %s has media type %q, which is not a model layer", store.Ref(), desc.Digest, d.Digest, d.MediaType)
		}
		l := Layer{Descriptor: d, Info: info, Filepath: d.Annotations[AnnotationPath]}
		if info.Raw {
			l.Path = d.Annotations[AnnotationPath]
			if l.Path == "" {
				return nil, fault.Usagef("%s@%s: raw layer %s has no %s annotation", store.Ref(), desc.Digest, d.Digest, AnnotationPath)
			}
		}
		a.Layers = append(a.Layers, l)
	}
	cfg, err := readBlob(ctx, store, a.Manifest.Config.Digest, maxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("reading config of %s@%s: %w", store.Ref(), desc.Digest, err)
	}
	if !json.Valid(cfg) {
		return nil, fault.Usagef("%s@%s: its config %s is not JSON, so it is not a model artifact Slipway can read", store.Ref(), desc.Digest, a.Manifest.Config.Digest)
	}
	a.Config = cfg
	if a.Format == "kitops" {
		kitPartPaths(cfg, a.Layers)
	}
	if a.Name, a.Version, err = nameVersion(a.Format, cfg, a.Manifest.Annotations); err != nil {
		return nil, fault.Usagef("%s@%s: its config %s: %w", store.Ref(), desc.Digest, a.Manifest.Config.Digest, err)
	}
	return a, nil
}

// maxConfigSize bounds how much of a config blob is read into memory.
const maxConfigSize = 4 << 20

func formatOf(m manifest) string {
	switch {
	case m.Config.MediaType == kitConfig:
		return "kitops"
	case m.ArtifactType == legacyArtifact || m.Config.MediaType == legacyConfig:
		return "modelpack (vnd.cnai)"
	}
	return "modelpack"
}

// nameVersion reads the name and version from a config; only those fields
// are decoded, so an artifact is refused for a wrong name or version, not
// for fields Slipway does not read.
func nameVersion(format string, cfg []byte, annotations map[string]string) (string, string, error) {
	if format == "kitops" {
		var k struct {
			Package struct{ Name, Version string } `json:"package"`
		}
		if err := json.Unmarshal(cfg, &k); err != nil {
			return "", "", fmt.Errorf("package name and version: %w", err)
		}
		return k.Package.Name, k.Package.Version, nil
	}
	var c struct {
		Descriptor struct{ Name, Version string } `json:"descriptor"`
	}
	if err := json.Unmarshal(cfg, &c); err != nil {
		return "", "", fmt.Errorf("descriptor name and version: %w", err)
	}
	return cmp.Or(c.Descriptor.Name, annotations[annotationTitle]), cmp.Or(c.Descriptor.Version, annotations[annotationVer]), nil
}

// Size is the total size of the layers.
func (a *Artifact) Size() int64 {
	var n int64
	for _, l := range a.Layers {
		n += l.Descriptor.Size
	}
	return n
}

// RolesSummary counts layers per role, in a stable order.
func (a *Artifact) RolesSummary() map[Role]int {
	m := map[Role]int{}
	for _, l := range a.Layers {
		m[l.Info.Role]++
	}
	return m
}

// Paths lists the raw layers' file paths, sorted.
func (a *Artifact) Paths() []string {
	var ps []string
	for _, l := range a.Layers {
		if l.Path != "" {
			ps = append(ps, path.Clean(l.Path))
		}
	}
	sort.Strings(ps)
	return ps
}
