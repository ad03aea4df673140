package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/config"
)

func newConfigCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the merged settings and where each value came from",
		Long: `Print the settings every verb uses after merging, in this order of
precedence: flags, then SLIPWAY_* variables, then slipway.yaml (--config,
SLIPWAY_CONFIG, or the first slipway.yaml in the working folder or a folder
above it), then defaults. Each value is shown with its origin; --debug on any
verb logs the values that were overridden.`,
		Example: `  slipway config
  SLIPWAY_KEY=release.pub slipway config -o json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.render(streams.Stdout, g.cfg, func(w io.Writer) error { return writeSettings(w, g.cfg) })
		},
	}
}

// writeSettings prints the settings as a table, then the environments.
func writeSettings(w io.Writer, c *config.Config) error {
	file := c.Path
	if file == "" {
		file = "(none)"
	}
	fmt.Fprintf(w, "config file: %s\n\n", file)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tORIGIN")
	row := func(name, value string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", name, orDash(value), c.Origins[name]) }
	row(config.SettingRegistry, c.Registry)
	row(config.SettingModel, c.Model)
	row(config.SettingPolicies, strings.Join(c.Policies, ", "))
	row(config.SettingKey, c.Key)
	row(config.SettingPushgateway, c.Pushgateway)
	names := c.EnvironmentNames()
	row(config.SettingEnvironments, strings.Join(names, " → "))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range c.Environments {
		line := "  " + e.Name
		if len(e.Requires) > 0 {
			line += " requires " + strings.Join(e.Requires, ", ")
		}
		if e.Soak > 0 {
			line += fmt.Sprintf(" (soak %s)", e.Soak)
		}
		if len(e.Policy) > 0 {
			line += " policy " + strings.Join(e.Policy, ", ")
		}
		fmt.Fprintln(w, line)
	}
	return nil
}
