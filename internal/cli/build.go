package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

// scratchBase is the --base that builds on an empty image.
const scratchBase = "scratch"

type buildOptions struct {
	base, to, modelDir, workdir, user, sbom string
	entrypoint, cmd, env, ports, labels     []string
	annotations, adds, tags, mount          []string
	platforms                               []string
	noCache                                 bool
}

func newBuildCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build MODEL_REF --base BASE_REF [--to REF]",
		Short: "Build a serving image that holds the model, without a Docker engine",
		Long: `Append a model's files to a base image and write the image, reproducibly.

MODEL_REF is a packed model (a registry reference or oci:DIR, with a tag or
digest), a lock file, or a model folder (packed into the local store first).
Its files land under --model-dir (default /models/<name>), one layer per weight
file and one per group of small files: uncompressed tars generated from the
model's blobs, so a rebuild with an unchanged model uploads none of them.
MODEL_PATH, MODEL_NAME and MODEL_DIGEST are set in the env. An index base gets
the model on each platform (--platform picks some); --base scratch makes a
model-only image. With SOURCE_DATE_EPOCH fixed, the same inputs give the same
digest on any machine. An SPDX 2.3 SBOM is attached as a referrer unless
--sbom none. Without --to the image goes to oci:.slipway/<name>-image, tagged
latest unless --to or --tag say otherwise. The pinned reference is the last
line of stdout; on GitHub and GitLab the outputs image and digest are set.

Exit codes: 0 built, 1 a version tag names other bytes, 2 bad input (a flag,
a reference that does not parse, a base or platform that does not exist, an
empty model folder, a missing --add source), 3 a registry unreachable or failing.`,
		Example: `  slipway build ./model --base python:3.12-slim --add ./serve:/app --entrypoint python --cmd /app/serve.py
  slipway build registry.example.com/ml/iris:1.4.0 --base registry.example.com/base/python:3.12 \
      --to registry.example.com/ml/iris-server --tag 1.4.0 --env WORKERS=2 --port 8080
  slipway build slipway.lock --base scratch --platform linux/amd64,linux/arm64 --to oci:build/iris`,
		Args: exactArgs(1, "MODEL_REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd, g, o, streams, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.base, "base", "", "base image or index: registry reference, oci:DIR:TAG, or scratch (required)")
	f.StringVar(&o.to, "to", "", "destination repository, optionally with a tag (default oci:.slipway/<name>-image)")
	f.StringArrayVar(&o.tags, "tag", nil, "tag to set (repeatable; default latest; a version tag is immutable)")
	f.StringVar(&o.modelDir, "model-dir", "", "absolute folder of the model in the image (default /models/<name>)")
	f.StringArrayVar(&o.entrypoint, "entrypoint", nil, `entrypoint: one argument per flag, or a JSON array ('["python","serve.py"]'); "" clears it`)
	f.StringArrayVar(&o.cmd, "cmd", nil, "cmd: one argument per flag, or a JSON array")
	f.StringArrayVar(&o.env, "env", nil, "environment variable KEY=VALUE (repeatable)")
	f.StringVar(&o.workdir, "workdir", "", "working directory")
	f.StringVar(&o.user, "user", "", "user (name, UID or UID:GID)")
	f.StringArrayVar(&o.ports, "port", nil, "exposed port: PORT or PORT/PROTO (repeatable)")
	f.StringArrayVar(&o.labels, "label", nil, "config label KEY=VALUE (repeatable)")
	f.StringArrayVar(&o.annotations, "annotation", nil, "manifest annotation KEY=VALUE (repeatable)")
	f.StringArrayVar(&o.adds, "add", nil, "extra layer SRC:DST: a local file or folder at an absolute path in the image (repeatable)")
	f.StringSliceVar(&o.platforms, "platform", nil, "platforms to build: os/arch[/variant], comma-separated (default: all the base has)")
	f.StringVar(&o.sbom, "sbom", "spdx", "SBOM to attach: spdx or none")
	f.StringArrayVar(&o.mount, "mount-from", nil, "repository of the destination's registry that may hold the layers already: they are mounted, not uploaded")
	f.BoolVar(&o.noCache, "no-cache", false, "read and hash everything again instead of using the hash and layer caches")
	return cmd
}

func runBuild(cmd *cobra.Command, g *globalOptions, o *buildOptions, streams IO, modelArg string) error {
	ctx := cmd.Context()
	bo, err := o.imageOptions(cmd)
	if err != nil {
		return err
	}
	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	bo.Epoch = time.Unix(epoch, 0)
	var dstRef oci.Ref
	if o.to != "" { // a bad destination fails before the model is read
		if dstRef, err = parseDest(g, o.to); err != nil {
			return err
		}
		g.credentialsFor(dstRef)
	}
	if err := g.baseOptions(o.base, &bo); err != nil {
		return err
	}
	if p := modelpack.DefaultCachePath(); p != "" && !o.noCache {
		bo.CacheDir = filepath.Join(filepath.Dir(p), "layers")
	}
	modelRef, err := openModel(ctx, g, streams, modelArg, &bo, o.noCache)
	if err != nil {
		return err
	}
	if o.to == "" {
		if dstRef, err = parseDest(g, defaultStore(bo.Model.Name+"-image")); err != nil {
			return err
		}
	}
	if bo.Tags = o.tags; dstRef.Tag != "" {
		bo.Tags = append([]string{dstRef.Tag}, o.tags...)
	}
	if len(bo.Tags) == 0 {
		bo.Tags = []string{"latest"}
	}
	mounts := o.mount
	if !modelRef.IsLayout() {
		mounts = append(mounts, modelRef.Repository())
	}
	mountFrom, err := g.mountFrom(mounts)
	if err != nil {
		return err
	}
	var pushBar *progress.Bar
	if !dstRef.IsLayout() {
		pushBar = g.bar(streams, "push", 0)
	}
	bo.Dest = g.store(dstRef.WithTag(""), pushBar, mountFrom)
	bo.Source, bo.Revision = provenance(os.Getenv)
	bo.Version, bo.Tool = bo.Model.Version, "slipway-"+strings.Fields(versionString())[0]
	hashBar := g.bar(streams, "layers", 0)
	bo.Progress = hashBar
	res, err := imagebuild.Build(ctx, bo)
	hashBar.Finish()
	pushBar.Finish()
	if err != nil {
		return err
	}
	return reportBuild(g, streams, &bo, dstRef, res)
}

// baseOptions reads --base: a reference (tag latest when none), or scratch.
func (g *globalOptions) baseOptions(base string, bo *imagebuild.Options) error {
	switch base {
	case "":
		return fault.Usagef("--base is required: the image to build on (e.g. python:3.12-slim, oci:DIR:TAG, or scratch)")
	case scratchBase:
		bo.BaseName = scratchBase
		return nil
	}
	ref, err := g.parseRef(base)
	if err != nil {
		return fmt.Errorf("--base: %w", err)
	}
	if ref.Identifier() == "" {
		ref = ref.WithTag("latest")
	}
	bo.Base, bo.BaseID, bo.BaseName = g.store(ref.WithTag(""), nil), ref.Identifier(), ref.String()
	return nil
}

func parseDest(g *globalOptions, to string) (oci.Ref, error) {
	ref, err := g.parseRef(to)
	if err != nil {
		return oci.Ref{}, fmt.Errorf("--to: %w", err)
	}
	if ref.Digest != "" {
		return oci.Ref{}, fault.Usagef("--to %s: give a repository (and a tag), not a digest", to)
	}
	return ref, nil
}

// imageOptions turns the config flags into build options, checking each
// before any model is read.
func (o *buildOptions) imageOptions(cmd *cobra.Command) (bo imagebuild.Options, err error) {
	bo.Config = imagebuild.Config{Env: o.env, Ports: o.ports, WorkingDir: o.workdir, User: o.user}
	bo.ModelDir, bo.SBOM = o.modelDir, o.sbom == "spdx"
	if o.sbom != "spdx" && o.sbom != "none" {
		return bo, fault.Usagef("--sbom %q: want spdx or none", o.sbom)
	}
	if cmd.Flags().Changed("entrypoint") {
		bo.Config.Entrypoint, err = imagebuild.ParseArgv("entrypoint", o.entrypoint)
	}
	if err == nil && cmd.Flags().Changed("cmd") {
		bo.Config.Cmd, err = imagebuild.ParseArgv("cmd", o.cmd)
	}
	if err == nil {
		bo.Config.Labels, err = imagebuild.ParseKeyValues("label", o.labels)
	}
	if err == nil {
		bo.Annotations, err = imagebuild.ParseKeyValues("annotation", o.annotations)
	}
	if err == nil {
		bo.Platforms, err = imagebuild.ParsePlatforms(o.platforms)
	}
	if err == nil {
		bo.Adds, err = imagebuild.ParseAdds(o.adds)
	}
	if err == nil {
		err = bo.Check()
	}
	return bo, err
}

// openModel opens MODEL_REF: a model folder (packed into the local store
// first), a lock file (its reference at its digest), or a reference. It
// returns the model's reference (a layout for a folder).
func openModel(ctx context.Context, g *globalOptions, streams IO, arg string, bo *imagebuild.Options, noCache bool) (oci.Ref, error) {
	fi, statErr := os.Stat(arg)
	var ref oci.Ref
	var err error
	switch {
	case statErr == nil && fi.IsDir():
		if _, err := os.Stat(filepath.Join(arg, "oci-layout")); err == nil {
			return oci.Ref{}, fault.Usagef("%s is an OCI image layout, not a model folder: give it as oci:%s:TAG", arg, arg)
		}
		return packForBuild(ctx, g, streams, arg, bo, noCache)
	case statErr == nil:
		lock, err := modelpack.ReadLock(arg)
		if err != nil {
			return oci.Ref{}, err
		}
		if ref, err = g.parseRef(lock.Reference); err != nil {
			return oci.Ref{}, fmt.Errorf("lock file %s: %w", arg, err)
		}
		ref = ref.WithDigest(lock.Digest)
	case strings.HasPrefix(arg, ".") || filepath.IsAbs(arg):
		return oci.Ref{}, fault.Usagef("MODEL_REF %s: no such model folder or lock file", arg)
	default:
		if ref, err = g.parseRef(arg); err != nil {
			return oci.Ref{}, fault.Usagef("MODEL_REF %q is not a model folder, a lock file or a reference (host/repository:tag, oci:DIR:tag): %v", arg, err)
		}
		if ref.Identifier() == "" {
			return oci.Ref{}, fault.Usagef("MODEL_REF %s is no folder or file here, and as a reference it needs a tag or digest (%s:1.0.0 or %s@sha256:…)", arg, ref, ref)
		}
	}
	if g.client.Host == "" { // the destination is local: credentials go to the model's registry
		g.credentialsFor(ref)
	}
	bo.ModelStore = g.store(ref.WithTag(""), nil)
	if bo.Model, err = modelpack.Open(ctx, bo.ModelStore, ref.Identifier()); err != nil {
		return oci.Ref{}, err
	}
	return ref, nil
}

// packForBuild packs a model folder into the local store oci:.slipway/<name>
// (unchanged files come from the hash cache) and opens it.
func packForBuild(ctx context.Context, g *globalOptions, streams IO, dir string, bo *imagebuild.Options, noCache bool) (oci.Ref, error) {
	name, err := modelpack.Name(dir, "")
	if err != nil {
		return oci.Ref{}, err
	}
	ref, err := g.parseRef(defaultStore(name))
	if err != nil {
		return oci.Ref{}, err
	}
	var cache *modelpack.HashCache
	if !noCache {
		cache = modelpack.OpenHashCache(modelpack.DefaultCachePath())
	}
	local := oci.OpenLayout(ref.Layout)
	bar := g.bar(streams, "pack", 0)
	packed, err := modelpack.Pack(ctx, local, modelpack.PackOptions{Dir: dir, Name: name, Epoch: bo.Epoch, Cache: cache, Progress: bar})
	bar.Finish()
	if err != nil {
		return oci.Ref{}, err
	}
	bo.ModelStore, bo.ModelVerified = local, true
	if bo.Model, err = modelpack.Open(ctx, local, packed.Descriptor.Digest.String()); err != nil {
		return oci.Ref{}, err
	}
	return ref.WithDigest(packed.Descriptor.Digest.String()), nil
}

// provenance is where the build's inputs come from, in CI: the repository
// URL and the commit, for the source and revision annotations.
func provenance(getenv func(string) string) (source, revision string) {
	switch ci.Detect(getenv) {
	case ci.GitHub:
		if server, repo := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"); server != "" && repo != "" {
			source = strings.TrimSuffix(server, "/") + "/" + repo
		}
		return source, getenv("GITHUB_SHA")
	case ci.GitLab:
		return getenv("CI_PROJECT_URL"), getenv("CI_COMMIT_SHA")
	case ci.Jenkins:
		c := ci.Context(getenv)
		return c.Repository, c.Commit
	}
	return "", ""
}

// reportBuild prints the pinned reference (or one JSON document) and sets
// the CI outputs image and digest.
func reportBuild(g *globalOptions, streams IO, bo *imagebuild.Options, dst oci.Ref, res *imagebuild.Result) error {
	pinned := dst.WithDigest(res.Descriptor.Digest.String()).String()
	if p := ci.Detect(os.Getenv); p != ci.Local {
		pub := ci.New(p, ci.WithWriter(streams.Stderr))
		if err := pub.SetOutputs(map[string]string{"image": pinned, "digest": res.Descriptor.Digest.String()}); err != nil {
			return err
		}
	}
	sbom := ""
	if res.SBOM != nil {
		sbom = dst.WithDigest(res.SBOM.Digest.String()).String()
	}
	if g.output == "json" {
		base := map[string]string{"name": bo.BaseName}
		if bo.Base != nil {
			base["digest"] = res.BaseDigest.String()
		}
		return printJSON(streams.Stdout, map[string]any{
			"reference": pinned, "digest": res.Descriptor.Digest.String(), "mediaType": res.Descriptor.MediaType,
			"tags": bo.Tags, "unchanged": res.Unchanged, "base": base, "images": res.Images, "layers": res.Layers, "sbom": sbom,
			"model": map[string]string{"name": bo.Model.Name, "version": bo.Model.Version, "digest": bo.Model.Descriptor.Digest.String(), "dir": res.ModelDir},
		})
	}
	state := map[bool]string{false: "built", true: "unchanged"}[res.Unchanged]
	fmt.Fprintf(streams.Stderr, "%s %s on %s: %s, %d layers added (%s), model in %s, tags %s\n", state, bo.Model.Name,
		bo.BaseName, strings.Join(res.Platforms(), ", "), len(res.Layers), progress.Bytes(res.AddedSize()), res.ModelDir, strings.Join(bo.Tags, ", "))
	if sbom != "" {
		fmt.Fprintf(streams.Stderr, "sbom: %s\n", sbom)
	}
	fmt.Fprintln(streams.Stdout, pinned)
	return nil
}
