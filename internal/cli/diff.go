package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

func newDiffCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "diff A B",
		Short: "Show files, roles and metadata that differ between two models",
		Long: `Compare two models: files added, removed and changed, files whose role
changed (a doc that became a dataset), and config fields that differ (name,
version, licences, authors, architecture, format). Each side is a reference
(registry or oci:DIR, with a tag or digest) or a model folder (read as pack
would write it). Only manifests and configs are fetched when both sides are
references packed by Slipway.

Exit 0 when the models are the same, 1 when they differ (as diff and
git diff --exit-code do), 2 on bad input, 3 when a side cannot be read.`,
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
			if err := g.render(streams.Stdout, res, func(w io.Writer) error {
				if !res.Differ {
					_, err := fmt.Fprintf(w, "no differences (%s)\n", english.Plural(res.Files, "file", "files"))
					return err
				}
				if len(res.Changes) > 0 {
					if err := printChanges(w, res.Changes); err != nil {
						return err
					}
				}
				if len(res.Metadata) > 0 {
					if len(res.Changes) > 0 {
						fmt.Fprintln(w)
					}
					return printFieldChanges(w, res.Metadata)
				}
				return nil
			}); err != nil {
				return err
			}
			return res.Err()
		},
	}
}

// printFieldChanges writes config fields that differ as a table.
func printFieldChanges(w io.Writer, fields []modelpack.FieldChange) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tA\tB")
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", untrusted.Text(f.Field), orDash(untrusted.Text(f.Old)), orDash(untrusted.Text(f.New)))
	}
	return tw.Flush()
}
