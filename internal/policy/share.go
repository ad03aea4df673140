package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// PushRequest is what `slipway policy push` stores.
type PushRequest struct {
	// Client opens the destination (it gets the credentials) and any
	// policy bundle among Policies.
	Client oci.Client
	// Policies are the folders, files, bundles or references to push.
	Policies []string
	// Reference is where to: a repository with an optional tag ("latest"
	// when none).
	Reference string
}

// PushResult says where the policies went.
type PushResult struct {
	// Reference is the pushed bundle, pinned by digest.
	Reference string `json:"reference"`
	// Digest is the bundle manifest's digest.
	Digest string `json:"digest"`
	// Tag is the tag that now points at it.
	Tag string `json:"tag"`
	// Files are the files in the bundle, by their path inside it.
	Files []string `json:"files"`
}

// Push stores the policies (tests included) and data as a conftest-
// compatible bundle and tags it. Every policy must compile first.
func Push(ctx context.Context, req PushRequest) (*PushResult, error) {
	ref, err := req.Client.Parse(req.Reference)
	if err != nil {
		return nil, err
	}
	tag := ref.Tag
	if tag == "" {
		tag = "latest"
	}
	sel := Selection{Policies: req.Policies}
	c := req.Client.For(append([]oci.Ref{ref}, sel.Refs(req.Client)...)...)
	src, err := sel.Sources(c)
	if err != nil {
		return nil, err
	}
	store := c.Open(ref)
	d, err := PushOCI(ctx, store, tag, src)
	if err != nil {
		return nil, err
	}
	files, err := bundleFiles(ctx, store, d.Digest)
	if err != nil {
		return nil, err
	}
	return &PushResult{Reference: ref.WithDigest(d.Digest.String()).String(), Digest: d.Digest.String(), Tag: tag, Files: files}, nil
}

// bundleFiles lists the titles of a pushed bundle's layers.
func bundleFiles(ctx context.Context, store oci.Store, h v1.Hash) ([]string, error) {
	raw, err := store.Manifest(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("reading back the policy bundle %s: %w", h, err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fault.Runtimef("policy bundle %s in %s: manifest does not parse: %w", h, store.Ref(), err)
	}
	files := make([]string, 0, len(m.Layers))
	for _, l := range m.Layers {
		files = append(files, l.Annotations[annotationTitle])
	}
	return files, nil
}

// PullRequest is what `slipway policy pull` fetches.
type PullRequest struct {
	// Client opens the bundle's store.
	Client oci.Client
	// Reference names the bundle by tag or digest.
	Reference string
	// Dir is the folder the files are written into.
	Dir string
}

// PullResult says what was written where.
type PullResult struct {
	// Reference is the bundle pulled, pinned by digest.
	Reference string `json:"reference"`
	// Digest is the bundle manifest's digest.
	Digest string `json:"digest"`
	// Dir is the folder written into.
	Dir string `json:"dir"`
	// Files are the paths written.
	Files []string `json:"files"`
}

// Pull writes the policy bundle (Slipway's or conftest's) that the
// reference names into req.Dir, each file at its path in the bundle.
func Pull(ctx context.Context, req PullRequest) (*PullResult, error) {
	ref, err := req.Client.ParseTagged(req.Reference, "")
	if err != nil {
		return nil, err
	}
	store := req.Client.For(ref).Open(ref)
	d, err := store.Resolve(ctx, ref.Identifier())
	if errors.Is(err, oci.ErrNotFound) {
		return nil, fault.Usagef("policy bundle %s: not found", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("resolving policy bundle %s: %w", ref, err)
	}
	files, err := PullOCI(ctx, store, d.Digest.String(), req.Dir)
	if err != nil {
		return nil, err
	}
	return &PullResult{Reference: ref.WithDigest(d.Digest.String()).String(), Digest: d.Digest.String(), Dir: req.Dir, Files: files}, nil
}
