// Package cli wires Slipway's verbs to cobra: flags, config and output.
// It holds no domain logic; each verb calls a domain package.
package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the linker: -X github.com/slipwayhq/slipway/internal/cli.version=v1.2.3
var (
	version = ""
	commit  = ""
)

// IO is where a command reads and writes; tests pass buffers.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Main runs the CLI with args and returns the process exit code.
func Main(ctx context.Context, args []string, streams IO) int {
	g := &globalOptions{}
	root := newRootCmd(g, streams)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !g.started {
		// Raised by cobra before any verb ran: an unknown command or flag,
		// a wrong number of arguments. All usage.
		err = usageError(err)
	}
	if err != nil {
		fmt.Fprintf(streams.Stderr, "slipway: %v\n", err)
	}
	return ExitCode(err)
}

// NewRootCmd builds the command tree.
func NewRootCmd(streams IO) *cobra.Command { return newRootCmd(&globalOptions{}, streams) }

func newRootCmd(g *globalOptions, streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "slipway",
		Short:         "Take a trained model to production: pack, gate, build, promote",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.Stdin)
	root.SetOut(streams.Stdout)
	root.SetErr(streams.Stderr)
	root.SetVersionTemplate("slipway {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })

	g.register(root)
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return g.prepare(cmd, streams) }

	root.AddCommand(
		newPackCmd(g, streams),
		newPushCmd(g, streams),
		newPullCmd(g, streams),
		newVerifyCmd(g, streams),
		newDiffCmd(g, streams),
		newInspectCmd(g, streams),
		newGateCmd(g, streams),
		newDriftCmd(g, streams),
		newAnalyzeCmd(g, streams),
		newPolicyCmd(g, streams),
		newAttestCmd(g, streams),
		newBuildCmd(g, streams),
		newPromoteCmd(g, streams),
		newRollbackCmd(g, streams),
		newHistoryCmd(g, streams),
		newGCCmd(g, streams),
		newConfigCmd(g, streams),
	)
	return root
}

func versionString() string {
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	if len(c) > 12 {
		c = c[:12]
	}
	return fmt.Sprintf("%s (commit %s)", v, c)
}
