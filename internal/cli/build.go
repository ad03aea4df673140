package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/announce"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/imagebuild"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/progress"
)

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
--sbom none. Without --to the image goes to <registry>/<name>-image when
slipway.yaml or SLIPWAY_REGISTRY sets a registry, else to
oci:.slipway/<name>-image, tagged latest unless --to or --tag say otherwise.
The command-line credentials go to the destination's registry, else to the
model's, else to the base's. The pinned reference is the last line of
stdout; on GitHub and GitLab the outputs image and digest are set.

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
	f.StringVar(&o.to, "to", "", "destination repository, optionally with a tag (default <registry>/<name>-image, or oci:.slipway/<name>-image with no registry set)")
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
	req, err := o.request(cmd)
	if err != nil {
		return err
	}
	req.Client, req.Model, req.Registry = g.client, modelArg, g.cfg.Registry
	req.Progress, req.Getenv = g.progress(streams), os.Getenv
	res, err := imagebuild.Run(cmd.Context(), req)
	if err != nil {
		return err
	}
	if err := g.render(streams.Stdout, res, func(w io.Writer) error { return buildText(w, g.summary(streams), res) }); err != nil {
		return err
	}
	announce.Outputs(os.Getenv, streams.Stderr, map[string]string{"image": res.Reference, "digest": res.Digest})
	return nil
}

// request turns the flags into a build request, checking each before any
// model is read.
func (o *buildOptions) request(cmd *cobra.Command) (req imagebuild.Request, err error) {
	req = imagebuild.Request{
		Base: o.base, To: o.to, Tags: o.tags, MountFrom: o.mount, NoCache: o.noCache,
		ModelDir: o.modelDir, SBOM: o.sbom == "spdx",
		Config: imagebuild.Config{Env: o.env, Ports: o.ports, WorkingDir: o.workdir, User: o.user},
		Tool:   "slipway-" + strings.Fields(versionString())[0],
	}
	req.CacheDir = modelpack.DefaultCacheDir()
	if o.sbom != "spdx" && o.sbom != "none" {
		return req, fault.Usagef("--sbom %q: want spdx or none", o.sbom)
	}
	epoch, err := sourceDateEpoch()
	if err != nil {
		return req, err
	}
	req.Epoch = time.Unix(epoch, 0)
	if cmd.Flags().Changed("entrypoint") {
		req.Config.Entrypoint, err = imagebuild.ParseArgv("entrypoint", o.entrypoint)
	}
	if err == nil && cmd.Flags().Changed("cmd") {
		req.Config.Cmd, err = imagebuild.ParseArgv("cmd", o.cmd)
	}
	if err == nil {
		req.Config.Labels, err = imagebuild.ParseKeyValues("label", o.labels)
	}
	if err == nil {
		req.Annotations, err = imagebuild.ParseKeyValues("annotation", o.annotations)
	}
	if err == nil {
		req.Platforms, err = imagebuild.ParsePlatforms(o.platforms)
	}
	if err == nil {
		req.Adds, err = imagebuild.ParseAdds(o.adds)
	}
	return req, err
}

// buildText says what was built on stderr and prints the pinned reference,
// the last line of stdout.
func buildText(stdout, stderr io.Writer, res *imagebuild.RunResult) error {
	state := map[bool]string{false: "built", true: "unchanged"}[res.Unchanged]
	fmt.Fprintf(stderr, "%s %s on %s: %s, %s added (%s), model in %s, tags %s\n", state, res.Model.Name,
		res.Base.Name, strings.Join(res.Platforms(), ", "), english.Plural(len(res.Layers), "layer", ""), progress.Bytes(res.AddedSize()), res.Model.Dir, strings.Join(res.Tags, ", "))
	if res.SBOM != "" {
		fmt.Fprintf(stderr, "sbom: %s\n", res.SBOM)
	}
	_, err := fmt.Fprintln(stdout, res.Reference)
	return err
}
