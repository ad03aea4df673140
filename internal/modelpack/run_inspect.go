package modelpack

import (
	"cmp"
	"context"
	"encoding/json"
	"time"

	"github.com/slipwayhq/slipway/internal/oci"
)

// InspectRequest names the artifact InspectModel reads.
type InspectRequest struct {
	// Client reaches the reference; the command-line credentials go to its registry.
	Client oci.Client
	// Ref is the artifact, with a tag or digest.
	Ref string
}

// InspectResult summarises a model artifact.
type InspectResult struct {
	// Reference is the artifact pinned by digest.
	Reference string `json:"reference"`
	// Digest is the manifest digest.
	Digest string `json:"digest"`
	// Format is "modelpack", "modelpack (vnd.cnai)" or "kitops".
	Format string `json:"format"`
	// Name and Version are the model's, from its config.
	Name    string `json:"name"`
	Version string `json:"version"`
	// Size is the total size of the layers in bytes.
	Size int64 `json:"size"`
	// Manifest is the artifact's OCI manifest.
	Manifest manifest `json:"manifest"`
	// Config is the artifact's config blob as stored.
	Config json.RawMessage `json:"config"`
	// Created is when the model was made: the config's
	// descriptor.createdAt (where ModelPack and modctl put it), else the
	// manifest's org.opencontainers.image.created annotation.
	Created string `json:"created,omitempty"`
	// Layers say what each layer holds.
	Layers []InspectLayer `json:"layers"`
}

// InspectLayer is one layer of an inspected artifact.
type InspectLayer struct {
	// Role is what the layer holds: weights, config, docs, code or datasets.
	Role Role `json:"role"`
	// Size is the layer's size in bytes.
	Size int64 `json:"size"`
	// Digest is the layer's digest.
	Digest string `json:"digest"`
	// Kind is the layer's own name in its media type when it says more
	// than Role: "weight.config", or a KitOps "modelpart", "prompts".
	Kind string `json:"kind,omitempty"`
	// Path is where the layer's content goes: its org.cncf.model.filepath
	// (a file, or a folder for a tar of several), or the path a KitOps
	// config gives the part; "" when the artifact does not say.
	Path string `json:"path,omitempty"`
	// Tar says the layer is a tar (of Path, when Path is given).
	Tar bool `json:"tar,omitempty"`
	// Compression is the tar's compression ("" for none).
	Compression string `json:"compression,omitempty"`
}

// InspectModel reads the manifest and config of the model artifact req.Ref names.
func InspectModel(ctx context.Context, req InspectRequest) (*InspectResult, error) {
	ref, err := req.Client.ParseTagged(req.Ref, "")
	if err != nil {
		return nil, err
	}
	art, err := Open(ctx, req.Client.For(ref).Open(ref), ref.Identifier())
	if err != nil {
		return nil, err
	}
	res := &InspectResult{
		Reference: ref.WithDigest(art.Descriptor.Digest.String()).String(), Digest: art.Descriptor.Digest.String(),
		Format: art.Format, Name: art.Name, Version: art.Version, Size: art.Size(),
		Manifest: art.Manifest, Config: art.Config,
		Created: cmp.Or(createdAt(art.Config), art.Manifest.Annotations[annotationCreate]),
		Layers:  make([]InspectLayer, 0, len(art.Layers)),
	}
	for _, l := range art.Layers {
		res.Layers = append(res.Layers, InspectLayer{
			Role: l.Info.Role, Size: l.Descriptor.Size, Digest: l.Descriptor.Digest.String(),
			Kind: kindBeyondRole(l.Info), Path: cmp.Or(l.Filepath, l.Path), Tar: !l.Info.Raw, Compression: l.Info.Compression,
		})
	}
	return res, nil
}

// createdAt is the config's descriptor.createdAt, RFC 3339 in UTC; "" when
// there is none or it does not parse.
func createdAt(cfg []byte) string {
	var c struct {
		Descriptor struct {
			CreatedAt *time.Time `json:"createdAt"`
		} `json:"descriptor"`
	}
	if json.Unmarshal(cfg, &c) != nil || c.Descriptor.CreatedAt == nil {
		return ""
	}
	return c.Descriptor.CreatedAt.UTC().Format(time.RFC3339)
}

// kindBeyondRole is the media type's own name of a layer when the role
// alone does not say it ("" for the plain names of each role).
func kindBeyondRole(info LayerInfo) string {
	switch info.Kind {
	case "", "weight", "doc", "code", "dataset", "model", "docs":
		return ""
	}
	return info.Kind
}
