package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/progress"
	"github.com/slipwayhq/slipway/internal/untrusted"
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
			res, err := modelpack.InspectModel(cmd.Context(), modelpack.InspectRequest{Client: g.client, Ref: args[0]})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error { return printInspect(w, res) })
		},
	}
}

func printInspect(w io.Writer, res *modelpack.InspectResult) error {
	fmt.Fprintf(w, "Reference:  %s\nName:       %s\nVersion:    %s\nFormat:     %s\nSize:       %s in %s\n",
		untrusted.Text(res.Reference), untrusted.Text(res.Name), orDash(untrusted.Text(res.Version)), untrusted.Text(res.Format),
		progress.Bytes(res.Size), english.Plural(len(res.Layers), "layer", ""))
	if res.Created != "" {
		fmt.Fprintf(w, "Created:    %s\n", untrusted.Text(res.Created))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tSIZE\tDIGEST\tCONTENT")
	for _, l := range res.Layers {
		content := l.Path
		switch {
		case l.Tar && content == "":
			content = "tar of " + string(l.Role)
		case l.Tar:
			content = "tar of " + content
		}
		if l.Compression != "" {
			content += " (" + l.Compression + ")"
		}
		role := string(l.Role)
		if l.Kind != "" {
			role += " (" + l.Kind + ")"
		}
		_, hex, _ := strings.Cut(l.Digest, ":")
		fmt.Fprintf(tw, "%s\t%s\t%.12s\t%s\n", untrusted.Text(role), progress.Bytes(l.Size), untrusted.Text(hex), untrusted.Text(content))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
