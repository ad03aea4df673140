package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/progress"
)

func newInspectCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect REF",
		Short: "Summarise a model artifact's manifest, config and files",
		Long: `Show what a model artifact holds: name, version, digest, format (ModelPack,
its older vnd.cnai form, or a KitOps ModelKit), layers and config.`,
		Example: `  slipway inspect oci:.slipway/iris:1.0.0
  slipway inspect registry.example.com/ml/iris@sha256:… -o json`,
		Args: exactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, store, err := g.openTagged(args[0])
			if err != nil {
				return err
			}
			art, err := modelpack.Open(cmd.Context(), store, ref.Identifier())
			if err != nil {
				return err
			}
			pinned := ref.WithDigest(art.Descriptor.Digest.String()).String()
			if g.output == "json" {
				return printJSON(streams.Stdout, map[string]any{
					"reference": pinned, "digest": art.Descriptor.Digest.String(), "format": art.Format,
					"name": art.Name, "version": art.Version, "size": art.Size(),
					"manifest": art.Manifest, "config": json.RawMessage(art.Config),
				})
			}
			w := streams.Stdout
			fmt.Fprintf(w, "Reference:  %s\nName:       %s\nVersion:    %s\nFormat:     %s\nSize:       %s in %d layers\n",
				pinned, art.Name, orDash(art.Version), art.Format, progress.Bytes(art.Size()), len(art.Layers))
			if c := art.Manifest.Annotations["org.opencontainers.image.created"]; c != "" {
				fmt.Fprintf(w, "Created:    %s\n", c)
			}
			fmt.Fprintln(w)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ROLE\tSIZE\tDIGEST\tCONTENT")
			for _, l := range art.Layers {
				content := l.Path
				if content == "" {
					content = "tar of " + string(l.Info.Role)
					if l.Info.Compression != "" {
						content += " (" + l.Info.Compression + ")"
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Info.Role, progress.Bytes(l.Descriptor.Size), l.Descriptor.Digest.Hex[:12], content)
			}
			return tw.Flush()
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
