package cli

// Adapters for verbs not yet moved onto their use case; each goes when
// the last verb using it has moved.

import (
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

func (g *globalOptions) parseRef(s string) (oci.Ref, error) { return g.client.Parse(s) }

func (g *globalOptions) credentialsFor(ref oci.Ref) { g.client = g.client.For(ref) }

func (g *globalOptions) store(ref oci.Ref, bar *progress.Bar, extra ...oci.Option) oci.Store {
	return g.client.OpenWithProgress(ref, bar, extra...)
}

func (g *globalOptions) bar(streams IO, label string, total int64) *progress.Bar {
	return g.progress(streams).Start(label, total)
}

func (g *globalOptions) mountFrom(repos []string) (oci.Option, error) {
	var out []name.Repository
	for _, r := range repos {
		ref, err := g.parseRef(r)
		if err != nil {
			return nil, err
		}
		if ref.IsLayout() {
			return nil, fault.Usagef("--mount-from %s: want a registry repository", r)
		}
		out = append(out, ref.Repo)
	}
	return oci.WithMountFrom(out...), nil
}

func defaultStore(name string) string { return oci.LayoutPrefix + ".slipway/" + name }

func (g *globalOptions) openTagged(arg string) (oci.Ref, oci.Store, error) {
	ref, err := g.parseRef(arg)
	if err != nil {
		return oci.Ref{}, nil, err
	}
	if ref.Identifier() == "" {
		return oci.Ref{}, nil, fault.Usagef("%s: give a tag or digest (%s:1.0.0 or %s@sha256:…)", ref, ref, ref)
	}
	g.credentialsFor(ref)
	return ref, g.store(ref.WithTag(""), nil), nil
}
