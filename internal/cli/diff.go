package cli

import (
	"context"
	"fmt"
	"os"

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
			a, err := g.filesOf(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			b, err := g.filesOf(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			changes := modelpack.Compare(a, b)
			if g.output == "json" {
				return printJSON(streams.Stdout, map[string]any{"a": args[0], "b": args[1], "changes": changesOrEmpty(changes)})
			}
			if len(changes) == 0 {
				fmt.Fprintf(streams.Stdout, "no differences (%d files)\n", len(a))
				return nil
			}
			printChanges(streams.Stdout, changes)
			return nil
		},
	}
}

// filesOf lists the files of a model folder (when arg is one) or of the artifact arg names.
func (g *globalOptions) filesOf(ctx context.Context, arg string) ([]modelpack.LockFile, error) {
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		return modelpack.DirFiles(arg, modelpack.OpenHashCache(modelpack.DefaultCachePath()))
	}
	ref, err := g.parseRef(arg)
	if err != nil {
		return nil, err
	}
	if ref.Identifier() == "" {
		return nil, usageError(fmt.Errorf("%s is neither a folder nor a reference with a tag or digest", arg))
	}
	if g.client.Host == "" {
		g.credentialsFor(ref) // the first registry named gets the credentials
	}
	store := g.store(ref.WithTag(""), nil)
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	if err != nil {
		return nil, err
	}
	return art.Files(ctx, store)
}
