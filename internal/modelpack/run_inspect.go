package modelpack

import (
	"context"
	"encoding/json"

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
	// Created is the manifest's org.opencontainers.image.created annotation.
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
	// Path is the file a raw layer holds; "" for a tar.
	Path string `json:"path,omitempty"`
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
		Created: art.Manifest.Annotations["org.opencontainers.image.created"],
		Layers:  make([]InspectLayer, 0, len(art.Layers)),
	}
	for _, l := range art.Layers {
		res.Layers = append(res.Layers, InspectLayer{
			Role: l.Info.Role, Size: l.Descriptor.Size, Digest: l.Descriptor.Digest.String(),
			Path: l.Path, Compression: l.Info.Compression,
		})
	}
	return res, nil
}
