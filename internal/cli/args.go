package cli

import (
	"fmt"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"
)

// exactArgs is cobra.ExactArgs with a usage error that names the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return argsError(cmd, names, len(args))
		}
		return nil
	}
}

// minArgs is cobra.MinimumNArgs with a usage error that names the arguments.
func minArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return argsError(cmd, names, len(args))
		}
		return nil
	}
}

func argsError(cmd *cobra.Command, names string, got int) error {
	return usageError(fmt.Errorf("%s takes %s (got %s); see %s --help", cmd.Name(), names, english.Plural(got, "argument", ""), cmd.CommandPath()))
}
