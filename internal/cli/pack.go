package cli

import (
	"cmp"
	"fmt"
	"io"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
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
	noLocal  bool
	mount    []string
	group    string
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
<registry>/<name> when the registry setting is given, else to the local store
oci:.slipway/<name>. The pinned reference is the last line of stdout.`,
		Example: `  slipway pack ./model --bump minor
  slipway pack ./model --version 1.4.0 --to ghcr.io/acme/iris`,
		Args: exactArgs(1, "DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPack(cmd, g, o, streams, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "model name (default: the model setting, the Kitfile's, the model card's, or the folder's)")
	bindSetting(f, "name", config.SettingModel)
	f.StringVar(&o.version, "version", "", "semantic version to tag (immutable once pushed)")
	f.StringVar(&o.bump, "bump", "", "next version from the tags in the destination: patch, minor or major")
	f.StringVar(&o.to, "to", "", "destination: registry repository or oci:DIR (default <registry>/<name> with the registry setting, else oci:.slipway/<name>)")
	f.StringVar(&o.lock, "lock", "", "lock file to write (default DIR/"+modelpack.LockFileName+")")
	f.StringArrayVar(&o.datasets, "dataset", nil, "extra file or folder to pack as a dataset (repeatable)")
	f.BoolVar(&o.noLocal, "no-local", false, "with --to a registry: upload the large files straight from DIR, hashing them on the way, and keep no copy in the local store (for runners short of disk; a re-run skips what the registry holds)")
	f.BoolVar(&o.noCache, "no-cache", false, "read every file even when the hash cache says it is unchanged")
	f.StringVar(&o.group, "group-below", "", "let the files of one role in one sub-folder that are each smaller than this size (e.g. 64KiB) share one layer named by the folder (default: one layer per file)")
	f.StringArrayVar(&o.mount, "mount-from", nil, "repository of the same registry that may hold these blobs already (default: the lock's previous repository)")
	return cmd
}

func runPack(cmd *cobra.Command, g *globalOptions, o *packOptions, streams IO, dir string) error {
	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	var groupBelow int64
	if o.group != "" {
		if groupBelow, err = extract.ParseSize(o.group); err != nil {
			return fault.Usagef("--group-below %q: %w", o.group, err)
		}
	}
	var cache *modelpack.HashCache
	if !o.noCache {
		cache = modelpack.OpenHashCache(modelpack.DefaultCacheDir())
	}
	started := time.Now()
	res, err := modelpack.PackModel(cmd.Context(), modelpack.PackRequest{
		Client: g.client, Dir: dir, Name: g.cfg.Model, Version: o.version, Bump: o.bump,
		To: o.to, NoLocal: o.noLocal, DefaultRepository: g.cfg.Repository, Lock: cmp.Or(o.lock, modelpack.DefaultLock(dir)), Datasets: o.datasets, GroupBelow: groupBelow,
		Cache: cache, MountFrom: o.mount, Epoch: time.Unix(epoch, 0), Progress: g.progress(streams),
	})
	if err != nil {
		return err
	}
	return g.render(streams.Stdout, res, func(w io.Writer) error {
		state := map[bool]string{false: "packed", true: "unchanged"}[res.Unchanged]
		tag := res.Version
		if tag == "" {
			tag = modelpack.LatestTag
		}
		fmt.Fprintf(g.summary(streams), "%s %s %s: %s, %s, read %s (%d from cache) in %s\n",
			state, res.Name, tag, english.Plural(len(res.Files), "file", ""), progress.Bytes(res.Size), progress.Bytes(res.BytesRead),
			res.FilesCached, time.Since(started).Round(time.Millisecond))
		_, err := fmt.Fprintln(w, res.Reference)
		return err
	})
}
