package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

type pullOptions struct {
	only           []string
	lock           string
	maxExtractSize string
	force          bool
}

func newPullCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &pullOptions{}
	cmd := &cobra.Command{
		Use:   "pull [REF] DIR",
		Short: "Fetch a model's files into a folder, verified byte for byte",
		Long: `Fetch the files of the model REF (tag or digest) into DIR. Without REF the
lock file's reference and digest are used, and the result is checked against
the lock. Every byte is verified against its digest while it streams; paths
and links that would leave DIR are refused; files are written aside and
renamed into place together, and a pull that fails puts back what DIR held,
so DIR never mixes two versions. A file of DIR whose bytes are neither the
pulled ones nor those DIR's own lock records (an edit made by hand) is not
overwritten without --force: the pull is refused (exit 1) naming it. A full
pull records what it wrote in DIR/slipway.lock, so verify DIR checks it. A
compressed layer that expands past
--max-extract-size, or past 100 times its size, is refused.`,
		Example: `  slipway pull registry.example.com/ml/iris:1.0.0 ./model
  slipway pull ./model --lock slipway.lock
  slipway pull oci:.slipway/iris:1.0.0 ./weights --only weights,config
  slipway pull oci:.slipway/iris:1.0.0 ./data --only 'data/*.csv'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError(fmt.Errorf("pull takes REF and DIR, or DIR with --lock"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			maxSize, err := extract.ParseSize(o.maxExtractSize)
			if err != nil {
				return fmt.Errorf("--max-extract-size: %w", err)
			}
			req := modelpack.PullRequest{Client: g.client, Dir: args[len(args)-1], Lock: cmp.Or(o.lock, modelpack.DefaultLock(args[len(args)-1])), Only: o.only, Progress: g.progress(streams), MaxExtractSize: maxSize, Force: o.force}
			if len(args) == 2 {
				req.Ref = args[0]
			}
			res, err := modelpack.PullModel(cmd.Context(), req)
			if mismatch := (*modelpack.MismatchError)(nil); errors.As(err, &mismatch) {
				_ = printChanges(streams.Stderr, mismatch.Changes) // the refusal below is what matters
			}
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error {
				fmt.Fprintf(g.summary(streams), "pulled %s of %s %s into %s\n", english.Plural(len(res.Files), "file", ""), untrusted.Text(res.Name), untrusted.Text(res.Version), res.Dir)
				_, err := fmt.Fprintln(w, res.Reference)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite files of DIR that were edited locally (without it such a pull is refused, naming them)")
	cmd.Flags().StringSliceVar(&o.only, "only", nil, "roles (weights,config,docs,code,datasets) or path globs to fetch")
	cmd.Flags().StringVar(&o.lock, "lock", "", "lock file giving the reference when REF is omitted (default DIR/"+modelpack.LockFileName+")")
	cmd.Flags().StringVar(&o.maxExtractSize, "max-extract-size", extract.FormatSize(extract.DefaultMaxExtractSize),
		fmt.Sprintf("most bytes one compressed layer may expand to (it is also held to %d× its compressed size, at least %s)", extract.ExpansionRatio, extract.FormatSize(extract.ExpansionFloor)))
	return cmd
}
