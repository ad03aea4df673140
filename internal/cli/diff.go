package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/modelpack"
)

func newDiffCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "diff A B",
		Short: "Show files added, removed and changed between two models",
		Long: `Compare two models. Each side is a reference (registry or oci:DIR, with a
tag or digest) or a model folder. Only manifests are fetched when both sides
are references packed by Slipway.`,
		Example: `  slipway diff oci:.slipway/iris:1.0.0 oci:.slipway/iris:1.1.0
  slipway diff registry.example.com/ml/iris:1.0.0 ./model`,
		Args: exactArgs(2, "A and B"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := modelpack.DiffModels(cmd.Context(), modelpack.DiffRequest{
				Client: g.client, A: args[0], B: args[1], Cache: modelpack.OpenHashCache(modelpack.DefaultCacheDir()),
			})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error {
				if len(res.Changes) == 0 {
					_, err := fmt.Fprintf(w, "no differences (%d files)\n", res.Files)
					return err
				}
				return printChanges(w, res.Changes)
			})
		},
	}
}
