package modelpack

import (
	"context"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// LatestTag is the tag an artifact packed without a version gets.
const LatestTag = "latest"

// ResolveVersion returns the version to pack: the one given (validated as
// semver), or the highest semver tag in dst bumped by bump
// (patch|minor|major; a repository with none starts from 0.0.0), or "".
func ResolveVersion(ctx context.Context, dst oci.Store, version, bump string) (string, error) {
	switch {
	case version != "" && bump != "":
		return "", fault.Usagef("give --version or --bump, not both")
	case version != "":
		if _, err := semver.StrictNewVersion(strings.TrimPrefix(version, "v")); err != nil {
			return "", fault.Usagef("--version %q is not a semantic version (want MAJOR.MINOR.PATCH, e.g. 1.4.0): %w", version, err)
		}
		if strings.Contains(version, "+") {
			return "", fault.Usagef("--version %q: build metadata (+…) cannot be part of an OCI tag; drop it", version)
		}
		return version, nil
	case bump == "":
		return "", nil
	}
	tags, err := dst.Tags(ctx)
	if err != nil {
		return "", fmt.Errorf("listing versions in %s: %w", dst.Ref(), err)
	}
	latest := semver.New(0, 0, 0, "", "")
	prefix := ""
	for _, t := range tags {
		v, err := semver.StrictNewVersion(strings.TrimPrefix(t, "v"))
		if err != nil || v.Prerelease() != "" {
			continue
		}
		if v.GreaterThan(latest) {
			latest = v
			prefix = map[bool]string{true: "v"}[strings.HasPrefix(t, "v")]
		}
	}
	var next semver.Version
	switch bump {
	case "patch":
		next = latest.IncPatch()
	case "minor":
		next = latest.IncMinor()
	case "major":
		next = latest.IncMajor()
	default:
		return "", fault.Usagef("--bump %q: want patch, minor or major", bump)
	}
	return prefix + next.String(), nil
}

// Upload copies the packed artifact from the local staging store to its
// destination dst and tags it there (only tags it when dst is the local
// store). A version tag is immutable: if it already names other bytes
// Upload refuses (and leaves it untouched); if it names the same bytes it
// does nothing and reports unchanged. Blobs are all in dst before any tag
// points at the manifest.
func Upload(ctx context.Context, local oci.Store, dst oci.Store, desc v1.Descriptor, version string) (unchanged bool, err error) {
	tag := version
	if tag == "" {
		tag = LatestTag
	}
	present, err := oci.CheckVersionTag(ctx, dst, tag, desc.Digest)
	if err != nil || present {
		return present, err
	}
	if err := oci.Copy(ctx, local, dst, desc, tag); err != nil {
		return false, err
	}
	return false, nil
}
