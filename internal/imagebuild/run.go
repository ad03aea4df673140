package imagebuild

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

// Scratch is the Base that builds on an empty image.
const Scratch = "scratch"

// Request is one build, as the build command asks for it: references as
// the user typed them, and the image settings already parsed.
type Request struct {
	// Client opens the stores; Run derives the client of the build's
	// references from it (the destination's registry gets the command-line
	// credentials, else the model's, else the base's).
	Client oci.Client

	// Model is MODEL_REF: a model folder (packed into the local store
	// first), a lock file (its reference at its digest), or a reference
	// with a tag or digest.
	Model string
	// Base is the base image or index (tag latest when it has none), or
	// Scratch.
	Base string
	// To is the destination repository, optionally with a tag. Empty means
	// <Registry>/<name>-image when Registry is set, else
	// oci:<LocalStore>/<name>-image.
	To string
	// Registry is the configured registry (slipway.yaml, SLIPWAY_REGISTRY).
	Registry string
	// LocalStore is the folder of the local store (default oci.LocalStoreDir).
	LocalStore string
	// Tags are set on the image after To's tag; latest when there are none.
	Tags []string

	// ModelDir, Config, Adds, Annotations, Platforms and SBOM are as in
	// Options.
	ModelDir    string
	Config      Config
	Adds        []Add
	Annotations map[string]string
	Platforms   []v1.Platform
	SBOM        bool

	// MountFrom are repositories of the destination's registry that may
	// hold the layers already (the model's repository is added when the
	// model is in a registry).
	MountFrom []string
	// CacheDir holds the hash cache (hashes/) and the layer cache
	// (layers/); empty means none.
	CacheDir string
	// NoCache reads and hashes everything again, using neither cache.
	NoCache bool
	// Epoch is the time the build records (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// Tool names the builder in the SBOM, e.g. slipway-1.2.0.
	Tool string
	// Getenv reads the CI job's variables, for the source and revision
	// annotations; nil reads none.
	Getenv func(string) string
	// Progress starts the pack, layers and push reports.
	Progress progress.Factory
}

// Run builds a serving image that holds the model: it reads the request's
// references, packs a model folder into the local store, appends the model
// to the base and writes the image to the destination (see Build).
func Run(ctx context.Context, req Request) (*RunResult, error) {
	if req.LocalStore == "" {
		req.LocalStore = oci.LocalStoreDir
	}
	opts := Options{
		ModelDir: req.ModelDir, Config: req.Config, Adds: req.Adds, Annotations: req.Annotations,
		Platforms: req.Platforms, SBOM: req.SBOM, Epoch: req.Epoch, Tool: req.Tool,
	}
	if err := opts.Check(); err != nil {
		return nil, err
	}
	r, err := readRefs(req)
	if err != nil {
		return nil, err
	}
	if r.base.Identifier() != "" {
		opts.Base, opts.BaseID = r.client.Open(r.base), r.base.Identifier()
	}
	opts.BaseName = baseName(req.Base, r.base)
	if !req.NoCache && req.CacheDir != "" {
		opts.CacheDir = filepath.Join(req.CacheDir, "layers")
	}
	if err := openModel(ctx, r.client, req, &r.model, &opts); err != nil {
		return nil, err
	}
	if req.To == "" {
		if r.dst, err = defaultDest(req, opts.Model.Name); err != nil {
			return nil, err
		}
	}
	if !r.model.ref.IsLayout() {
		r.mounts = append(r.mounts, r.model.ref.Repo)
	}
	// Repositories of this registry that earlier builds pushed these model
	// layers to come first: they hold the very layers, where the model's
	// own repository holds only the blobs they are made from.
	layers := openLayerCache(opts.CacheDir)
	blobs := modelBlobs(opts.Model)
	r.mounts = append(pushedMounts(layers, blobs, r.dst), r.mounts...)
	opts.Tags = tagsFor(r.dst, req.Tags)
	opts.Source, opts.Revision = provenance(req.Getenv)
	opts.Version = opts.Model.Version
	var pushBar *progress.Bar
	if !r.dst.IsLayout() {
		pushBar = req.Progress.Start("push", 0)
	}
	opts.Dest = r.client.OpenWithProgress(r.dst, pushBar, oci.WithMountFrom(r.mounts...))
	hashBar := req.Progress.Start("layers", 0)
	opts.Progress = hashBar
	res, err := Build(ctx, opts)
	hashBar.Finish()
	pushBar.Finish()
	if err != nil {
		return nil, err
	}
	if !r.dst.IsLayout() {
		layers.recordPush(blobs, r.dst.Repo.Name())
	}
	return newRunResult(&opts, r.dst, res), nil
}

// refs are a request's references, read (and bad ones refused) before any
// store is opened, and the client they give.
type refs struct {
	// dst is zero until the model's name is known when To is empty.
	dst, base oci.Ref
	model     modelArg
	mounts    []name.Repository
	// client gives the command-line credentials to the destination's
	// registry, else the model's, else the base's.
	client oci.Client
}

func readRefs(req Request) (r refs, err error) {
	if req.To != "" { // a bad destination fails before the model is read
		if r.dst, err = parseDest(req.Client, req.To); err != nil {
			return r, err
		}
	}
	if r.base, err = parseBase(req.Client, req.Base); err != nil {
		return r, err
	}
	if r.mounts, err = parseMounts(req.Client, req.MountFrom); err != nil {
		return r, err
	}
	if r.model, err = locateModel(req.Client, req.Model, req.LocalStore); err != nil {
		return r, err
	}
	dstRegistry, err := destRegistry(req, r.dst)
	if err != nil {
		return r, err
	}
	r.client = req.Client.For(dstRegistry, r.model.ref, r.base)
	return r, nil
}

// parseDest reads To: a repository, optionally with a tag.
func parseDest(c oci.Client, to string) (oci.Ref, error) {
	ref, err := c.Parse(to)
	if err != nil {
		return oci.Ref{}, fmt.Errorf("--to: %w", err)
	}
	if ref.Digest != "" {
		return oci.Ref{}, fault.Usagef("--to %s: give a repository (and a tag), not a digest", to)
	}
	return ref, nil
}

// parseBase reads Base: a reference (tag latest when it has none), or
// Scratch (the zero Ref).
func parseBase(c oci.Client, base string) (oci.Ref, error) {
	switch base {
	case "":
		return oci.Ref{}, fault.Usagef("--base is required: the image to build on (e.g. python:3.12-slim, oci:DIR:TAG, or scratch)")
	case Scratch:
		return oci.Ref{}, nil
	}
	ref, err := c.Parse(base)
	if err != nil {
		return oci.Ref{}, fmt.Errorf("--base: %w", err)
	}
	if ref.Identifier() == "" {
		ref = ref.WithTag("latest")
	}
	return ref, nil
}

func baseName(arg string, ref oci.Ref) string {
	if arg == Scratch {
		return Scratch
	}
	return ref.String()
}

// destRegistry is the reference whose registry the destination is in,
// known before the model is opened (the default destination's name needs
// the model's, its registry does not).
func destRegistry(req Request, dst oci.Ref) (oci.Ref, error) {
	if req.To != "" || req.Registry == "" {
		return dst, nil
	}
	return defaultDest(req, "model")
}

// defaultDest is where the image of model name goes without To.
func defaultDest(req Request, name string) (oci.Ref, error) {
	repo := oci.LayoutPrefix + filepath.ToSlash(filepath.Join(req.LocalStore, name+"-image"))
	if req.Registry != "" {
		repo = (&config.Config{Registry: req.Registry}).Repository(name + "-image")
	}
	ref, err := req.Client.Parse(repo)
	if err != nil {
		return oci.Ref{}, fmt.Errorf("destination of model %s: %w", name, err)
	}
	return ref, nil
}

// tagsFor lists the tags to set: dst's, then tags; latest when none.
func tagsFor(dst oci.Ref, tags []string) []string {
	out := append([]string(nil), tags...)
	if dst.Tag != "" {
		out = append([]string{dst.Tag}, out...)
	}
	if len(out) == 0 {
		out = []string{"latest"}
	}
	return out
}

// parseMounts reads MountFrom: repositories of a registry.
func parseMounts(c oci.Client, repos []string) ([]name.Repository, error) {
	var out []name.Repository
	for _, r := range repos {
		ref, err := c.Parse(r)
		if err != nil {
			return nil, fmt.Errorf("--mount-from: %w", err)
		}
		if ref.IsLayout() {
			return nil, fault.Usagef("--mount-from %s: want a registry repository", r)
		}
		out = append(out, ref.Repo)
	}
	return out, nil
}

// modelBlobs are the digests of the model's layers: what the image's model
// layers are made from.
func modelBlobs(a *modelpack.Artifact) []v1.Hash {
	out := make([]v1.Hash, 0, len(a.Layers))
	for _, l := range a.Layers {
		out = append(out, l.Descriptor.Digest)
	}
	return out
}

// pushedMounts lists the repositories of dst's registry, other than dst's,
// that earlier builds pushed images of these model blobs to: those holding
// the most of them first.
func pushedMounts(cache *layerCache, blobs []v1.Hash, dst oci.Ref) []name.Repository {
	if cache == nil || dst.IsLayout() {
		return nil
	}
	count := map[string]int{}
	var order []string
	for _, b := range blobs {
		for _, r := range cache.pushedTo(b) {
			if count[r] == 0 {
				order = append(order, r)
			}
			count[r]++
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	var out []name.Repository
	for _, r := range order {
		repo, err := name.NewRepository(r)
		if err != nil || repo.RegistryStr() != dst.Registry() || repo.Name() == dst.Repo.Name() {
			continue
		}
		out = append(out, repo)
	}
	return out
}
