package oci

import (
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// WithMountFrom names repositories of the same registry that may already
// hold the blobs being pushed: the push asks the registry to mount each blob
// from the first of them (no bytes sent) before uploading it. Repositories on
// other registries are ignored. Copies between two repositories of one
// registry mount without this option.
func WithMountFrom(repos ...name.Repository) Option {
	return func(o *Options) { o.mountFrom = append(o.mountFrom, repos...) }
}

// mountable makes img's layers mountable from the first candidate
// repository on img's destination registry.
func mountable(img v1.Image, dst name.Repository, candidates []name.Repository) v1.Image {
	if from, ok := mountSource(dst, candidates); ok {
		return &mountableImage{Image: img, from: from}
	}
	return img
}

// mountSource is the first candidate repository on dst's registry (other
// than dst) that blobs may be mounted from.
func mountSource(dst name.Repository, candidates []name.Repository) (name.Repository, bool) {
	for _, c := range candidates {
		if c.RegistryStr() == dst.RegistryStr() && c.RepositoryStr() != dst.RepositoryStr() {
			return c, true
		}
	}
	return name.Repository{}, false
}

type mountableImage struct {
	v1.Image
	from name.Repository
}

func (m *mountableImage) Layers() ([]v1.Layer, error) {
	ls, err := m.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		if _, ok := l.(*remote.MountableLayer); ok {
			out[i] = l // already knows where it comes from
			continue
		}
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		out[i] = &remote.MountableLayer{Layer: l, Reference: m.from.Digest(d.String())}
	}
	return out, nil
}
