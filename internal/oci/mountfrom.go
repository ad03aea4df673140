package oci

import (
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/slipwayhq/slipway/internal/fault"
)

// MountFrom parses repos (--mount-from) as repositories of a registry and
// returns the option that mounts blobs from them. A layout is refused:
// only a registry can mount.
func (c Client) MountFrom(repos []string) (Option, error) {
	out := make([]name.Repository, 0, len(repos))
	for _, r := range repos {
		ref, err := c.Parse(r)
		if err != nil {
			return nil, err
		}
		if ref.IsLayout() {
			return nil, fault.Usagef("--mount-from %s: want a registry repository", r)
		}
		out = append(out, ref.Repo)
	}
	return WithMountFrom(out...), nil
}
