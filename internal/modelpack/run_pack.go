package modelpack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

// PackRequest says which folder PackModel packs and where the artifact goes.
type PackRequest struct {
	// Client reaches the destination; the command-line credentials go to
	// its registry.
	Client oci.Client
	// Dir is the model folder.
	Dir string
	// Name is the model name ("" takes the Kitfile's, the model card's, or
	// the folder's).
	Name string
	// Version is the semantic version to tag; Bump (patch, minor, major)
	// computes it from the tags in the destination instead (and keeps the
	// latest version when its bytes are what this pack makes). With
	// neither, the version the Kitfile or model card declares is tagged.
	Version, Bump string
	// To is the destination repository, without tag or digest ("" means
	// DefaultRepository(name), else the local store oci:.slipway/<name>).
	To string
	// DefaultRepository gives the destination of a model without To; ""
	// (or a nil func) means the local store. The CLI passes the registry
	// setting's Config.Repository.
	DefaultRepository func(name string) string
	// Staging is the local layout folder that stages a registry
	// destination ("" means the local store, .slipway/<name>).
	Staging string
	// NoLocal, with a registry destination, keeps no local copy of the
	// large files (PackDirect): each is hashed on its way from the model
	// folder to the registry. The rest is staged in a temporary layout
	// that is removed when the pack ends; the local store is not touched.
	NoLocal bool
	// Lock is the lock file to write ("" writes none); the lock already
	// there lends its repository to MountFrom.
	Lock string
	// Datasets are extra files or folders packed as datasets.
	Datasets []string
	// GroupBelow lets small files of a role in one folder share a layer
	// (PackOptions.GroupBelow); 0 gives every file a layer of its own.
	GroupBelow int64
	// Cache skips reading files whose stat is unchanged; nil reads every file.
	Cache *HashCache
	// MountFrom lists repositories of the destination's registry that may
	// hold the blobs already.
	MountFrom []string
	// Epoch is the time recorded in tars and the config (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// Progress starts the "pack" and "push" bars.
	Progress progress.Factory
}

// PackResult is what PackModel packed and where it went.
type PackResult struct {
	// Name is the model name.
	Name string `json:"name"`
	// Version is the version tagged ("" when none was asked for).
	Version string `json:"version"`
	// Reference is the destination pinned by digest.
	Reference string `json:"reference"`
	// Tag is the destination with the tag set (the version, else latest).
	Tag string `json:"tag"`
	// Digest is the artifact's manifest digest.
	Digest string `json:"digest"`
	// Unchanged says the destination already held these bytes under the tag.
	Unchanged bool `json:"unchanged"`
	// Files are the packed files, as in the lock.
	Files []LockFile `json:"files"`
	// Size is the total size of the packed files in bytes.
	Size int64 `json:"size"`
	// BytesRead is how many bytes were read from the model folder.
	BytesRead int64 `json:"bytesRead"`
	// FilesCached is how many files' digests came from the hash cache.
	FilesCached int `json:"filesCached"`
	// Lock is the lock file written ("" when none).
	Lock string `json:"lock"`
}

// LocalStore is the local store of the model called name: the staging
// area of every pack, and the destination when none is given.
func LocalStore(name string) string { return oci.LayoutPrefix + oci.LocalStoreDir + "/" + name }

// PackModel packs req.Dir into the local store, uploads it to the
// destination (blobs the registry holds in a repository of the lock's
// previous reference are mounted, not uploaded), tags it with the version
// given or bumped, and writes the lock. To a registry, each blob starts
// uploading as soon as it is staged, while the next one is read; the
// manifest and the tag go last. A version that already names
// other bytes is refused (fault.Denied) and no lock is written.
func PackModel(ctx context.Context, req PackRequest) (*PackResult, error) {
	name, err := Name(req.Dir, req.Name)
	if err != nil {
		return nil, err
	}
	to := req.To
	if to == "" && req.DefaultRepository != nil {
		to = req.DefaultRepository(name)
	}
	if to == "" {
		to = LocalStore(name)
	}
	dstRef, err := req.Client.Parse(to)
	if err != nil {
		return nil, err
	}
	if dstRef.Identifier() != "" {
		return nil, fault.Usagef("--to %s: give a repository without tag or digest; the version comes from --version or --bump", to)
	}
	if req.NoLocal && dstRef.IsLayout() {
		return nil, fault.Usagef("--no-local: %s is a local layout; give --to a registry repository", to)
	}
	local, cleanup, err := stagingStore(req, dstRef, name)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	mount, err := req.Client.MountFrom(slices.Concat(req.MountFrom, previousRepository(req.Client, req.Lock)))
	if err != nil {
		return nil, err
	}
	client := req.Client.For(dstRef)
	var dst oci.Store = local
	packBar, pushBar := req.Progress.Start("pack", 0), (*progress.Bar)(nil)
	if !dstRef.IsLayout() {
		pushBar = req.Progress.Start("push", 0)
		dst = client.OpenWithProgress(dstRef, pushBar, mount)
	}
	defer pushBar.Finish()

	requested := req.Version
	if requested == "" && req.Bump == "" {
		if requested, err = DeclaredVersion(req.Dir); err != nil {
			packBar.Finish()
			return nil, err
		}
	}
	version, err := ResolveVersion(ctx, dst, requested, req.Bump)
	if err != nil {
		packBar.Finish()
		return nil, err
	}
	opts := PackOptions{
		Dir: req.Dir, Name: name, Datasets: req.Datasets, GroupBelow: req.GroupBelow,
		Epoch: req.Epoch, Cache: req.Cache, Progress: packBar,
	}
	// A pack that must learn its digest before it may send anything reads
	// the large files without copying them when nothing is kept locally.
	hashing := func(o PackOptions) PackOptions {
		if req.NoLocal {
			o.Direct = hashOnly{}
		}
		return o
	}
	var packed *Packed
	if req.Bump != "" {
		// A bump of what did not change would give the same files a new
		// version: when the latest version is these very bytes, keep it.
		if packed, err = sameAsLatest(ctx, local, dst, hashing(opts)); err != nil {
			packBar.Finish()
			return nil, err
		}
		if packed != nil {
			version = packed.Version
		}
	}
	opts.Version = version
	tag := version
	if tag == "" {
		tag = LatestTag
	}
	if packed == nil {
		var stream oci.BlobWriter
		if stream, err = streamTo(ctx, dst, tag); err != nil {
			packBar.Finish()
			return nil, err
		}
		switch {
		case stream != nil && req.NoLocal:
			packed, err = PackDirect(ctx, local, stream, opts, pushBar.SetTotal)
		case stream != nil:
			packed, err = PackStreaming(ctx, local, stream, opts, pushBar.SetTotal)
		default:
			packed, err = Pack(ctx, local, hashing(opts))
		}
		if err == nil && stream == nil {
			pushBar.SetTotal(packed.TotalBytes)
		}
	}
	packBar.Finish()
	if err != nil {
		return nil, err
	}
	// The blobs are in dst already when streamed; Upload checks the
	// version again (another pack may have taken it meanwhile), then sends
	// the manifest and sets the tag, last.
	unchanged, err := Upload(ctx, local, dst, packed.Descriptor, version)
	if err != nil {
		return nil, err
	}
	lock := &Lock{
		LockVersion: LockVersion, Name: packed.Name, Version: version, Reference: dstRef.WithTag(tag).String(),
		Digest: packed.Descriptor.Digest.String(), ArtifactType: ArtifactType, Files: packed.Files,
	}
	if req.Lock != "" {
		if err := lock.Write(req.Lock); err != nil {
			return nil, err
		}
	}
	return &PackResult{
		Name: packed.Name, Version: version, Reference: dstRef.WithDigest(lock.Digest).String(),
		Tag: lock.Reference, Digest: lock.Digest, Unchanged: unchanged, Files: packed.Files,
		Size: packed.TotalBytes, BytesRead: packed.BytesRead, FilesCached: packed.FilesCached, Lock: req.Lock,
	}, nil
}

// stagingStore is where a pack to dstRef stages the artifact: dstRef
// itself when it is a local layout; for a registry, the local store (or
// req.Staging), from which an interrupted push resumes and unchanged
// files are not re-read; with req.NoLocal, a temporary layout that
// cleanup removes.
func stagingStore(req PackRequest, dstRef oci.Ref, name string) (store oci.LayoutStore, cleanup func(), err error) {
	cleanup = func() {}
	switch {
	case dstRef.IsLayout():
		return oci.OpenLayout(dstRef.Layout), cleanup, nil
	case req.NoLocal:
		return oci.OpenTempStaging()
	}
	staging := LocalStore(name)
	if req.Staging != "" {
		staging = oci.LayoutPrefix + req.Staging
	}
	ref, err := req.Client.Parse(staging)
	if err != nil {
		return nil, nil, err
	}
	return oci.OpenLayout(ref.Layout), cleanup, nil
}

// sameAsLatest packs opts as the latest version in dst and returns the
// result when dst's tag of that version names the same digest; nil when
// there is no version yet or the bytes differ.
func sameAsLatest(ctx context.Context, local oci.LayoutStore, dst oci.Store, opts PackOptions) (*Packed, error) {
	latest, err := latestVersion(ctx, dst)
	if err != nil || latest == "" {
		return nil, err
	}
	desc, err := dst.Resolve(ctx, latest)
	if err != nil {
		return nil, fmt.Errorf("reading version %s in %s: %w", latest, dst.Ref(), err)
	}
	opts.Version = latest
	packed, err := Pack(ctx, local, opts)
	if err != nil || packed.Descriptor.Digest != desc.Digest {
		return nil, err
	}
	return packed, nil
}

// streamTo returns dst when a pack may upload its blobs to dst while it
// packs: dst is a registry and tag is free or moves freely. A version
// tag that exists already is either this very artifact (nothing to send)
// or other bytes (refused): the pack is staged first and Upload decides,
// so a refused pack uploads nothing.
func streamTo(ctx context.Context, dst oci.Store, tag string) (oci.BlobWriter, error) {
	w, ok := dst.(oci.BlobWriter)
	if !ok {
		return nil, nil
	}
	if !oci.IsVersion(tag) {
		return w, nil
	}
	_, err := dst.Resolve(ctx, tag)
	switch {
	case errors.Is(err, oci.ErrNotFound):
		return w, nil
	case err != nil:
		return nil, fmt.Errorf("checking version %s in %s: %w", tag, dst.Ref(), err)
	}
	return nil, nil
}

// previousRepository is the registry repository of the lock at path, whose
// blobs a new pack to the same registry may mount. A missing or foreign
// lock lends nothing: it must not break a pack.
func previousRepository(c oci.Client, path string) []string {
	if path == "" {
		return nil
	}
	prev, err := ReadLock(path)
	if err != nil {
		return nil
	}
	ref, err := c.Parse(prev.Reference)
	if err != nil || ref.IsLayout() {
		return nil
	}
	return []string{ref.Repository()}
}
