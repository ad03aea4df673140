package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

type packOptions struct {
	name     string
	version  string
	bump     string
	to       string
	lock     string
	datasets []string
	noCache  bool
	mount    []string
}

func newPackCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &packOptions{}
	cmd := &cobra.Command{
		Use:   "pack DIR",
		Short: "Version a model folder as a reproducible ModelPack OCI artifact",
		Long: `Pack a model folder into a CNCF ModelPack OCI artifact and write slipway.lock.

Roles are inferred from file names (weights, config, docs, code, datasets); a
KitOps Kitfile in DIR is honoured; .slipwayignore (gitignore syntax) excludes
files. The same folder gives the same digest on any machine (set
SOURCE_DATE_EPOCH to fix the recorded time). Without --to the artifact goes to
the local store oci:.slipway/<name>. The pinned reference is the last line of
stdout.`,
		Example: `  slipway pack ./model --bump minor
  slipway pack ./model --version 1.4.0 --to ghcr.io/acme/iris`,
		Args: exactArgs(1, "DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPack(cmd, g, o, streams, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "model name (default: the Kitfile's, the model card's, or the folder's)")
	f.StringVar(&o.version, "version", "", "semantic version to tag (immutable once pushed)")
	f.StringVar(&o.bump, "bump", "", "next version from the tags in the destination: patch, minor or major")
	f.StringVar(&o.to, "to", "", "destination: registry repository or oci:DIR (default oci:.slipway/<name>)")
	f.StringVar(&o.lock, "lock", modelpack.LockFileName, "lock file to write")
	f.StringArrayVar(&o.datasets, "dataset", nil, "extra file or folder to pack as a dataset (repeatable)")
	f.BoolVar(&o.noCache, "no-cache", false, "read every file even when the hash cache says it is unchanged")
	f.StringArrayVar(&o.mount, "mount-from", nil, "repository of the same registry that may hold these blobs already (default: the lock's previous repository)")
	return cmd
}

func runPack(cmd *cobra.Command, g *globalOptions, o *packOptions, streams IO, dir string) error {
	ctx := cmd.Context()
	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	name, err := modelpack.Name(dir, o.name)
	if err != nil {
		return err
	}
	to := o.to
	if to == "" {
		to = defaultStore(name)
	}
	dstRef, err := g.parseRef(to)
	if err != nil {
		return err
	}
	if dstRef.Identifier() != "" {
		return usageError(fmt.Errorf("--to %s: give a repository without tag or digest; the version comes from --version or --bump", to))
	}
	// The local store doubles as the staging area for a registry destination:
	// an interrupted push resumes from it, and unchanged files are not re-read.
	localRef := dstRef
	if !dstRef.IsLayout() {
		if localRef, err = g.parseRef(defaultStore(name)); err != nil {
			return err
		}
	}
	// A model packed before to another repository of the same registry
	// (its lock says where) lends its blobs: they are mounted, not uploaded.
	mounts := o.mount
	if prev, err := modelpack.ReadLock(o.lock); err == nil {
		mounts = append(mounts, validRepos(g, []string{prev.Reference})...)
	}
	mountFrom, err := g.mountFrom(mounts)
	if err != nil {
		return err
	}
	g.credentialsFor(dstRef)
	packBar, pushBar := g.bar(streams, "pack", 0), (*progress.Bar)(nil)
	if !dstRef.IsLayout() {
		pushBar = g.bar(streams, "push", 0)
	}
	local := oci.OpenLayout(localRef.Layout)
	dst := g.store(dstRef, pushBar, mountFrom)
	if dstRef.IsLayout() {
		dst = local
	}

	version, err := modelpack.ResolveVersion(ctx, dst, o.version, o.bump)
	if err != nil {
		return err
	}
	var cache *modelpack.HashCache
	if !o.noCache {
		cache = modelpack.OpenHashCache(modelpack.DefaultCachePath())
	}
	started := time.Now()
	packed, err := modelpack.Pack(ctx, local, modelpack.PackOptions{
		Dir: dir, Name: name, Version: version, Datasets: o.datasets,
		Epoch: time.Unix(epoch, 0), Cache: cache, Progress: packBar,
	})
	packBar.Finish()
	if err != nil {
		return err
	}
	pushBar.SetTotal(packed.TotalBytes)
	unchanged, err := modelpack.Publish(ctx, local, dst, packed.Descriptor, version)
	pushBar.Finish()
	if err != nil {
		return err
	}
	tag := version
	if tag == "" {
		tag = modelpack.LatestTag
	}
	pinned := dstRef.WithDigest(packed.Descriptor.Digest.String()).String()
	lock := &modelpack.Lock{
		LockVersion: modelpack.LockVersion, Name: packed.Name, Version: version, Reference: dstRef.WithTag(tag).String(),
		Digest: packed.Descriptor.Digest.String(), ArtifactType: modelpack.ArtifactType, Files: packed.Files,
	}
	if o.lock != "" {
		if err := lock.Write(o.lock); err != nil {
			return err
		}
	}
	if g.output == "json" {
		return printJSON(streams.Stdout, map[string]any{
			"name": packed.Name, "version": version, "reference": pinned, "tag": lock.Reference,
			"digest": lock.Digest, "unchanged": unchanged, "files": packed.Files, "size": packed.TotalBytes,
			"bytesRead": packed.BytesRead, "filesCached": packed.FilesCached, "lock": o.lock,
		})
	}
	state := "packed"
	if unchanged {
		state = "unchanged"
	}
	fmt.Fprintf(streams.Stderr, "%s %s %s: %d files, %s, read %s (%d from cache) in %s\n",
		state, packed.Name, tag, len(packed.Files), progress.Bytes(packed.TotalBytes), progress.Bytes(packed.BytesRead),
		packed.FilesCached, time.Since(started).Round(time.Millisecond))
	fmt.Fprintln(streams.Stdout, pinned)
	return nil
}

// validRepos keeps the repositories among refs that parse, dropping the
// tag or digest; a lock from elsewhere must not break a pack.
func validRepos(g *globalOptions, refs []string) []string {
	var out []string
	for _, r := range refs {
		if ref, err := g.parseRef(r); err == nil && !ref.IsLayout() {
			out = append(out, ref.Repository())
		}
	}
	return out
}
