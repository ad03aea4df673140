package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/progress"
	"github.com/slipwayhq/slipway/internal/promote"
)

func newGCCmd(g *globalOptions, streams IO) *cobra.Command {
	var dryRun bool
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "gc [oci:DIR...]",
		Short: "Remove untagged manifests, unreferenced blobs and abandoned temporary files from local stores",
		Long: `Clean local stores (every layout under .slipway/ when none is given). Kept:
everything a tag reaches (index children, subjects, and the referrers of kept
manifests: signatures, attestations, promotion records), and every digest a
promotion history names, so history and rollback keep working. Removed:
other manifests, blobs nothing kept names, and temporary files left by killed
writers. Anything written less than --grace ago is kept: a pack running into
the same store has blobs no manifest names yet. See docs/store.md.`,
		Example: `  slipway gc --dry-run
  slipway gc oci:/mnt/models/iris --grace 0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := oci.GC(cmd.Context(), oci.GCRequest{
				Stores: args, DryRun: dryRun, Grace: grace, Keep: promote.Pinned,
			})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error { return writeGC(w, res) })
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed; remove nothing")
	cmd.Flags().DurationVar(&grace, "grace", time.Hour, "keep manifests and blobs written less than this long ago")
	return cmd
}

func writeGC(w io.Writer, res *oci.GCResult) error {
	verb := "removed"
	if res.DryRun {
		verb = "would remove"
	}
	for _, s := range res.Stores {
		for _, m := range s.Manifests {
			fmt.Fprintf(w, "%s manifest %s@%s\n", verb, s.Store, m)
		}
		for _, t := range s.TempFiles {
			fmt.Fprintf(w, "%s temporary file %s\n", verb, t)
		}
	}
	_, err := fmt.Fprintf(w, "%s %s, %s, %s from %s: %s\n",
		verb, english.Plural(res.Manifests, "manifest", ""), english.Plural(res.Blobs, "blob", ""), english.Plural(res.TempFiles, "temporary file", ""), english.Plural(len(res.Stores), "store", ""), progress.Bytes(res.BytesFreed))
	return err
}
