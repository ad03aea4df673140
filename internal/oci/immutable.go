package oci

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
)

// IsVersion reports whether tag is a semantic version (1.4.0 or v1.4.0).
func IsVersion(tag string) bool {
	_, err := semver.StrictNewVersion(strings.TrimPrefix(tag, "v"))
	return err == nil
}

// CheckVersionTag enforces that version tags are immutable: when tag is a
// version that names other bytes in dst it refuses (fault.Denied); present
// reports that it already names digest. Other tags (latest, staging) move
// freely and are never present.
func CheckVersionTag(ctx context.Context, dst Store, tag string, digest v1.Hash) (present bool, err error) {
	if !IsVersion(tag) {
		return false, nil
	}
	existing, err := dst.Resolve(ctx, tag)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("checking version %s in %s: %w", tag, dst.Ref(), err)
	case existing.Digest != digest:
		return false, versionTaken(tag, dst.Ref(), existing.Digest)
	}
	return true, nil
}

// versionTaken is the refusal to give version tag, which names existing in
// ref, other bytes.
func versionTaken(tag string, ref Ref, existing v1.Hash) error {
	return fault.Deniedf("version %s already exists in %s as %s and versions are immutable: "+
		"use a new version (slipway pack --bump patch, or another tag)", tag, ref, existing)
}

type versionMoveKey struct{}

// AllowVersionMove returns a context under which a local layout moves a
// version tag that names other bytes (push --force). Without it a layout
// refuses such a move under its index lock, which CheckVersionTag, a check
// made before the copy, cannot do for writers racing each other.
func AllowVersionMove(ctx context.Context) context.Context {
	return context.WithValue(ctx, versionMoveKey{}, true)
}

func versionMoveAllowed(ctx context.Context) bool {
	allowed, _ := ctx.Value(versionMoveKey{}).(bool)
	return allowed
}
