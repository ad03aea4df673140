package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
)

func newPushCmd(g *globalOptions, streams IO) *cobra.Command {
	var mount []string
	var force bool
	cmd := &cobra.Command{
		Use:   "push SRC DST",
		Short: "Copy an artifact or image, with its referrers, between stores",
		Long: `Copy the manifest (or index) SRC names, its blobs and its referrers
(attestations, SBOMs, promotion records) to DST. Only missing blobs are sent;
within one registry they are mounted. DST's tag defaults to SRC's. A version
tag (semver) that already names other bytes in DST is not moved unless
--force is given: versions are immutable.`,
		Example: `  slipway push oci:.slipway/iris:1.0.0 registry.example.com/ml/iris
  slipway push registry.example.com/ml/iris:1.0.0 oci:/mnt/airgap/iris`,
		Args: exactArgs(2, "SRC and DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := oci.Push(cmd.Context(), oci.PushRequest{
				Client: g.client, Src: args[0], Dst: args[1], MountFrom: mount, Force: force,
				Progress: g.progress(streams),
			})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error {
				size := ""
				if res.Size > 0 {
					size = progress.Bytes(res.Size) + ", "
				}
				fmt.Fprintf(g.summary(streams), "pushed %s to %s (%swith its referrers)\n", args[0], res.Reference, size)
				_, err := fmt.Fprintln(w, res.Reference)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "move a version tag that already names other bytes in DST")
	cmd.Flags().StringArrayVar(&mount, "mount-from", nil, "repository of DST's registry that may hold these blobs already: they are mounted, not uploaded")
	return cmd
}
