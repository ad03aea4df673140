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
// semver; a leading v is kept, as in v1.4.0), or the highest semver tag in
// dst bumped by bump (patch|minor|major; a repository with none starts from
// 0.0.0), or "".
func ResolveVersion(ctx context.Context, dst oci.Store, version, bump string) (string, error) {
	switch {
	case version != "" && bump != "":
		return "", fault.Usagef("give --version or --bump, not both")
	case version != "":
		if err := checkVersion(version); err != nil {
			return "", fault.Usagef("--version %w", err)
		}
		return version, nil
	case bump == "":
		return "", nil
	}
	if bump != "patch" && bump != "minor" && bump != "major" {
		return "", fault.Usagef("--bump %q: want patch, minor or major", bump)
	}
	tag, err := latestVersion(ctx, dst)
	if err != nil {
		return "", err
	}
	latest := semver.New(0, 0, 0, "", "")
	prefix := ""
	if tag != "" {
		latest = semver.MustParse(strings.TrimPrefix(tag, "v"))
		prefix = map[bool]string{true: "v"}[strings.HasPrefix(tag, "v")]
	}
	var next semver.Version
	switch bump {
	case "patch":
		next = latest.IncPatch()
	case "minor":
		next = latest.IncMinor()
	default:
		next = latest.IncMajor()
	}
	return prefix + next.String(), nil
}

// checkVersion accepts MAJOR.MINOR.PATCH with an optional leading v and
// pre-release (1.4.0, v1.4.0, 1.4.0-rc.1); the error starts with the
// version quoted, for the caller to say where it came from.
func checkVersion(version string) error {
	if _, err := semver.StrictNewVersion(strings.TrimPrefix(version, "v")); err != nil {
		return fmt.Errorf("%q is not a semantic version (want MAJOR.MINOR.PATCH, optionally with a leading v: 1.4.0 or v1.4.0): %w", version, err)
	}
	if strings.Contains(version, "+") {
		return fmt.Errorf("%q: build metadata (+…) cannot be part of an OCI tag; drop it", version)
	}
	return nil
}

// latestVersion is the highest release tag (semver, no pre-release) in
// dst, as spelt there; "" when there is none.
func latestVersion(ctx context.Context, dst oci.Store) (string, error) {
	tags, err := dst.Tags(ctx)
	if err != nil {
		return "", fmt.Errorf("listing versions in %s: %w", dst.Ref(), err)
	}
	var latest *semver.Version
	found := ""
	for _, t := range tags {
		v, err := semver.StrictNewVersion(strings.TrimPrefix(t, "v"))
		if err != nil || v.Prerelease() != "" {
			continue
		}
		if latest == nil || v.GreaterThan(latest) {
			latest, found = v, t
		}
	}
	return found, nil
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
