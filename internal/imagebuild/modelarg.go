package imagebuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// modelArg is MODEL_REF located: the model's reference, and for a model
// folder the folder to pack (ref is then its repository in the local store).
type modelArg struct {
	ref       oci.Ref
	dir, name string
}

// locateModel reads MODEL_REF without opening any store: a model folder,
// a lock file (its reference at its digest), or a reference with a tag or
// digest.
func locateModel(c oci.Client, arg, localStore string) (modelArg, error) {
	fi, statErr := os.Stat(arg)
	switch {
	case statErr == nil && fi.IsDir():
		if _, err := os.Stat(filepath.Join(arg, "oci-layout")); err == nil {
			return modelArg{}, fault.Usagef("%s is an OCI image layout, not a model folder: give it as oci:%s:TAG", arg, arg)
		}
		name, err := modelpack.Name(arg, "")
		if err != nil {
			return modelArg{}, err
		}
		return modelArg{ref: oci.Ref{Layout: filepath.Join(localStore, name)}, dir: arg, name: name}, nil
	case statErr == nil:
		lock, err := modelpack.ReadLock(arg)
		if err != nil {
			return modelArg{}, err
		}
		ref, err := c.Parse(lock.Reference)
		if err != nil {
			return modelArg{}, fmt.Errorf("lock file %s: %w", arg, err)
		}
		return modelArg{ref: ref.WithDigest(lock.Digest)}, nil
	case strings.HasPrefix(arg, ".") || filepath.IsAbs(arg):
		return modelArg{}, fault.Usagef("MODEL_REF %s: no such model folder or lock file", arg)
	}
	ref, err := c.Parse(arg)
	if err != nil {
		return modelArg{}, fault.Usagef("MODEL_REF %q is not a model folder, a lock file or a reference (host/repository:tag, oci:DIR:tag): %w", arg, err)
	}
	if ref.Identifier() == "" {
		return modelArg{}, fault.Usagef("MODEL_REF %s is no folder or file here, and as a reference it needs a tag or digest (%s:1.0.0 or %s@sha256:…)", arg, ref, ref)
	}
	return modelArg{ref: ref}, nil
}

// openModel sets the model and its store in opts: a folder is packed into
// the local store first (unchanged files come from the hash cache), and its
// reference pinned to the packed digest.
func openModel(ctx context.Context, c oci.Client, req Request, m *modelArg, opts *Options) error {
	if m.dir == "" {
		opts.ModelStore = c.Open(m.ref)
		a, err := modelpack.Open(ctx, opts.ModelStore, m.ref.Identifier())
		opts.Model = a
		return err
	}
	var cache *modelpack.HashCache
	if !req.NoCache && req.CacheDir != "" {
		cache = modelpack.OpenHashCache(req.CacheDir)
	}
	local := oci.OpenLayout(m.ref.Layout)
	bar := req.Progress.Start("pack", 0)
	packed, err := modelpack.Pack(ctx, local, modelpack.PackOptions{Dir: m.dir, Name: m.name, Epoch: opts.Epoch, Cache: cache, Progress: bar})
	bar.Finish()
	if err != nil {
		return err
	}
	digest := packed.Descriptor.Digest.String()
	m.ref = m.ref.WithDigest(digest)
	opts.ModelStore, opts.ModelVerified = local, true
	opts.Model, err = modelpack.Open(ctx, local, digest)
	return err
}
