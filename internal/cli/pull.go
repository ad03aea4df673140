package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
)

type pullOptions struct {
	only []string
	lock string
}

func newPullCmd(g *globalOptions, streams IO) *cobra.Command {
	o := &pullOptions{}
	cmd := &cobra.Command{
		Use:   "pull [REF] DIR",
		Short: "Fetch a model's files into a folder, verified byte for byte",
		Long: `Fetch the files of the model REF (tag or digest) into DIR. Without REF the
lock file's reference and digest are used, and the result is checked against
the lock. Every byte is verified against its digest while it streams; paths
and links that would leave DIR are refused; files appear whole (written
aside, then renamed), so an interrupted pull leaves no half file.`,
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
			sel, err := modelpack.ParseSelection(o.only)
			if err != nil {
				return err
			}
			var lock *modelpack.Lock
			refStr, dir := "", args[len(args)-1]
			if len(args) == 2 {
				refStr = args[0]
			} else {
				if lock, err = modelpack.ReadLock(o.lock); err != nil {
					return err
				}
				refStr = lock.Reference
			}
			ref, err := g.parseRef(refStr)
			if err != nil {
				return err
			}
			if lock != nil {
				ref = ref.WithDigest(lock.Digest)
			}
			if ref.Identifier() == "" {
				return fault.Usagef("REF %s: give a tag or digest", ref)
			}
			g.credentialsFor(ref)
			store := g.store(ref.WithTag(""), nil)
			art, err := modelpack.Open(cmd.Context(), store, ref.Identifier())
			if err != nil {
				return err
			}
			bar := g.bar(streams, "pull", art.Size())
			written, err := modelpack.Pull(cmd.Context(), store, art, dir, modelpack.PullOptions{Select: sel, Progress: bar.Add})
			bar.Finish()
			if err != nil {
				return err
			}
			if lock != nil && len(o.only) == 0 {
				if err := checkAgainstLock(dir, lock, streams); err != nil {
					return err
				}
			}
			pinned := ref.WithDigest(art.Descriptor.Digest.String()).String()
			if g.output == "json" {
				return printJSON(streams.Stdout, map[string]any{"reference": pinned, "digest": art.Descriptor.Digest.String(), "dir": dir, "files": written})
			}
			fmt.Fprintf(streams.Stderr, "pulled %d files of %s %s into %s\n", len(written), art.Name, art.Version, dir)
			fmt.Fprintln(streams.Stdout, pinned)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&o.only, "only", nil, "roles (weights,config,docs,code,datasets) or path globs to fetch")
	cmd.Flags().StringVar(&o.lock, "lock", modelpack.LockFileName, "lock file giving the reference when REF is omitted")
	return cmd
}

// checkAgainstLock refuses a pulled folder whose files differ from the lock.
func checkAgainstLock(dir string, lock *modelpack.Lock, streams IO) error {
	changes, err := modelpack.VerifyDir(dir, lock, nil)
	if err != nil {
		return err
	}
	var bad []modelpack.Change
	for _, c := range changes {
		if c.Kind != "extra" { // the folder may hold other files
			bad = append(bad, c)
		}
	}
	if len(bad) > 0 {
		printChanges(streams.Stderr, bad)
		return fault.Deniedf("%s does not match the lock after pull: %d files differ", dir, len(bad))
	}
	return nil
}
