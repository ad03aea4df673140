package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// exactArgs is cobra.ExactArgs with a usage error that names the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError(fmt.Errorf("%s takes %s (got %d arguments); see slipway %s --help", cmd.Name(), names, len(args), cmd.Name()))
		}
		return nil
	}
}
