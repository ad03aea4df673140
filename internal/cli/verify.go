package cli

import (
	"cmp"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/progress"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

func newVerifyCmd(g *globalOptions, streams IO) *cobra.Command {
	var lockPath string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check a model folder against the lock file",
		Long: `Compare DIR with the lock file: exit 0 when every file matches, exit 1 with
the list of changed, missing and extra files when not.`,
		Example: `  slipway verify ./model
  slipway verify ./model --lock release/slipway.lock`,
		Args: exactArgs(1, "DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := modelpack.VerifyModel(modelpack.VerifyRequest{
				Dir: args[0], Lock: cmp.Or(lockPath, modelpack.DefaultLock(args[0])), Cache: modelpack.OpenHashCache(modelpack.DefaultCacheDir()),
			})
			if err != nil {
				return err
			}
			if err := g.render(streams.Stdout, res, func(w io.Writer) error {
				if !res.OK {
					return printChanges(w, res.Changes)
				}
				_, err := fmt.Fprintf(w, "%s matches %s (%s, %s)\n", res.Dir, res.Lock, english.Plural(res.Files, "file", ""), untrusted.Text(res.Digest))
				return err
			}); err != nil {
				return err
			}
			return res.Err()
		},
	}
	cmd.Flags().StringVar(&lockPath, "lock", "", "lock file (default DIR/"+modelpack.LockFileName+")")
	return cmd
}

// printChanges writes changes as a table: kind, path, size (old -> new).
func printChanges(w io.Writer, changes []modelpack.Change) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANGE\tPATH\tSIZE")
	for _, c := range changes {
		size := progress.Bytes(c.NewSize)
		switch c.Kind {
		case "role":
			size = string(c.OldRole) + " -> " + string(c.NewRole)
		case "changed":
			size = progress.Bytes(c.OldSize) + " -> " + progress.Bytes(c.NewSize)
		case "removed", "missing":
			size = progress.Bytes(c.OldSize)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Kind, untrusted.Text(c.Path), size)
	}
	return tw.Flush()
}
