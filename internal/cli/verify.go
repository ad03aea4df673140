package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/progress"
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
			lock, err := modelpack.ReadLock(lockPath)
			if err != nil {
				return err
			}
			changes, err := modelpack.VerifyDir(args[0], lock, modelpack.OpenHashCache(modelpack.DefaultCachePath()))
			if err != nil {
				return err
			}
			if g.output == "json" {
				if err := printJSON(streams.Stdout, map[string]any{"dir": args[0], "lock": lockPath, "digest": lock.Digest, "ok": len(changes) == 0, "changes": changesOrEmpty(changes)}); err != nil {
					return err
				}
			} else if len(changes) > 0 {
				printChanges(streams.Stdout, changes)
			}
			if len(changes) > 0 {
				return fault.Deniedf("%s differs from %s: %d files changed, missing or extra", args[0], lockPath, len(changes))
			}
			if g.output != "json" {
				fmt.Fprintf(streams.Stdout, "%s matches %s (%d files, %s)\n", args[0], lockPath, len(lock.Files), lock.Digest)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lockPath, "lock", modelpack.LockFileName, "lock file")
	return cmd
}

func changesOrEmpty(c []modelpack.Change) []modelpack.Change {
	if c == nil {
		return []modelpack.Change{}
	}
	return c
}

func printChanges(w io.Writer, changes []modelpack.Change) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANGE\tPATH\tSIZE")
	for _, c := range changes {
		size := progress.Bytes(c.NewSize)
		switch c.Kind {
		case "changed":
			size = progress.Bytes(c.OldSize) + " -> " + progress.Bytes(c.NewSize)
		case "removed", "missing":
			size = progress.Bytes(c.OldSize)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Kind, c.Path, size)
	}
	tw.Flush()
}
