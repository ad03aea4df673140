package oci

import (
	"context"
	"fmt"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/progress"
)

// PushRequest says what Push copies where.
type PushRequest struct {
	// Client reaches the stores; the command-line credentials go to Dst's
	// registry, else Src's.
	Client Client
	// Src names the manifest or index to copy, with a tag or digest.
	Src string
	// Dst is where it goes; its tag defaults to Src's.
	Dst string
	// MountFrom lists repositories of Dst's registry that may hold the blobs.
	MountFrom []string
	// Force moves a version tag that already names other bytes in Dst.
	Force bool
	// Progress starts the bar that counts the bytes uploaded.
	Progress progress.Factory
}

// PushResult is what Push copied.
type PushResult struct {
	// Reference is the destination pinned by digest.
	Reference string `json:"reference"`
	// Digest is the digest of the copied manifest or index.
	Digest string `json:"digest"`
	// Tag is the tag set in the destination ("" when none).
	Tag string `json:"tag"`
	// MediaType is the media type of the copied manifest or index.
	MediaType string `json:"mediaType"`
	// Size is the bytes of the manifest and everything it refers to
	// (referrers not counted); 0 when unknown.
	Size int64 `json:"size,omitempty"`
}

// Push copies the manifest (or index) that req.Src names, its blobs and its
// referrers to req.Dst. Only missing blobs are sent. A version tag that
// already names other bytes in Dst is refused (fault.Denied) unless
// req.Force is set: versions are immutable.
func Push(ctx context.Context, req PushRequest) (*PushResult, error) {
	src, err := req.Client.Parse(req.Src)
	if err != nil {
		return nil, err
	}
	dst, err := req.Client.Parse(req.Dst)
	if err != nil {
		return nil, err
	}
	if src.Identifier() == "" {
		return nil, fault.Usagef("SRC %s: give a tag or digest (%s:1.0.0 or %s@sha256:…)", src, src, src)
	}
	mount, err := req.Client.MountFrom(req.MountFrom)
	if err != nil {
		return nil, err
	}
	client := req.Client.For(dst, src)
	bar := req.Progress.Start("push", 0)
	defer bar.Finish()
	srcStore, dstStore := client.Open(src), client.OpenWithProgress(dst, bar, mount)
	desc, err := srcStore.Resolve(ctx, src.Identifier())
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", src, err)
	}
	tag := dst.Tag
	if tag == "" && dst.Digest == "" {
		tag = src.Tag
	}
	if dst.Digest != "" && dst.Digest != desc.Digest.String() {
		return nil, fault.Usagef("DST %s names digest %s but SRC is %s", dst, dst.Digest, desc.Digest)
	}
	if req.Force {
		ctx = AllowVersionMove(ctx)
	} else if _, err := CheckVersionTag(ctx, dstStore, tag, desc.Digest); err != nil {
		return nil, err
	}
	size, err := ContentSize(ctx, srcStore, desc)
	if err == nil {
		bar.SetTotal(size)
	}
	if err := Copy(ctx, srcStore, dstStore, desc, tag); err != nil {
		return nil, err
	}
	return &PushResult{
		Reference: dst.WithDigest(desc.Digest.String()).String(),
		Digest:    desc.Digest.String(),
		Tag:       tag,
		MediaType: string(desc.MediaType),
		Size:      size,
	}, nil
}
