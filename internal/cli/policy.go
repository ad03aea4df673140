package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/report"
	"github.com/slipwayhq/slipway/policies"
)

func newPolicyCmd(g *globalOptions, streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Test, evaluate and share Rego policies",
	}
	cmd.AddCommand(newPolicyTestCmd(g, streams), newPolicyEvalCmd(g, streams), newPolicyPushCmd(g, streams), newPolicyPullCmd(g, streams))
	return cmd
}

func newPolicyTestCmd(g *globalOptions, streams IO) *cobra.Command {
	var run string
	cmd := &cobra.Command{
		Use:   "test [DIR]…",
		Short: "Run the policies' Rego tests (the shipped library's when no DIR)",
		Long: `Run the test_ rules of *_test.rego files with OPA's tester, with coverage.
Exit 1 when a test fails, 2 when a policy does not compile.`,
		Example: `  slipway policy test
  slipway policy test ./policies --run metrics`,
		RunE: func(cmd *cobra.Command, args []string) error {
			src := policy.Sources{Paths: args}
			if len(args) == 0 {
				src.FS = []policy.FSSource{policy.FromFS(policies.FS, ".")}
			}
			rep, err := policy.Test(cmd.Context(), src, policy.TestOptions{Run: run})
			if err != nil {
				return err
			}
			if g.output == "json" {
				if err := printJSON(streams.Stdout, rep); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(streams.Stdout, 0, 4, 2, ' ', 0)
				for _, t := range rep.Tests {
					fmt.Fprintf(tw, "%s\t%s.%s\t%s\n", t.Outcome, t.Package, t.Name, t.Message)
				}
				tw.Flush()
				fmt.Fprintf(streams.Stdout, "%d passed, %d failed, %d errors; coverage %.1f%%\n",
					rep.Count(policy.TestPass), rep.Count(policy.TestFail), rep.Count(policy.TestError), rep.Coverage.Percent)
			}
			if !rep.Passed() {
				return fault.Deniedf("%d policy tests failed", rep.Count(policy.TestFail)+rep.Count(policy.TestError))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run only tests whose name matches this regular expression")
	return cmd
}

func newPolicyEvalCmd(g *globalOptions, streams IO) *cobra.Command {
	var p policyFlags
	var failOnWarn bool
	cmd := &cobra.Command{
		Use:   "eval FILE|DIR… --policy DIR",
		Short: "conftest-compatible: evaluate policies with each file's content as input",
		Long: `Evaluate the deny, violation and warn rules of package main (or --namespace)
with each JSON or YAML file as input, like conftest test. Folders are
searched for such files. Policies are compiled once and files evaluated in
parallel. Exit 1 on a failure, 4 on warnings with --fail-on-warn.`,
		Example: `  slipway policy eval metrics/*.json --policy ./policy
  slipway policy eval deploy.yaml --policy ./policy --namespace k8s -o tap`,
		Annotations: map[string]string{annotationFormats: strings.Join(report.EvalFormats(), ",")},
		Args:        cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(p.paths) == 0 {
				p.paths = []string{"policy"} // conftest's default folder
			}
			namespaces := p.namespaces
			if len(namespaces) == 0 {
				namespaces = []string{"main"}
			}
			p.namespaces = nil // EvalFiles takes them
			engine, err := p.compile(cmd.Context(), g)
			if err != nil {
				return err
			}
			results, err := engine.EvalFiles(cmd.Context(), args, namespaces...)
			if err != nil {
				return err
			}
			r, err := report.NewEval(g.output, report.WithColor(colorOn(streams.Stdout)))
			if err != nil {
				return err
			}
			if err := r.ReportFiles(streams.Stdout, results); err != nil {
				return err
			}
			failures, warnings := 0, 0
			for _, fr := range results {
				failures += len(fr.Result.Failures())
				warnings += len(fr.Result.Warnings())
			}
			switch {
			case failures > 0:
				return fault.Deniedf("%d failures in %d files", failures, len(results))
			case warnings > 0 && failOnWarn:
				return fault.Wrap(fault.Warned, fmt.Errorf("%d warnings in %d files (--fail-on-warn)", warnings, len(results)))
			}
			return nil
		},
	}
	p.register(cmd.Flags())
	cmd.Flags().BoolVar(&failOnWarn, "fail-on-warn", false, "exit 4 when there are warnings and no failures")
	return cmd
}

func newPolicyPushCmd(g *globalOptions, streams IO) *cobra.Command {
	var p policyFlags
	return &cobra.Command{
		Use:   "push DIR… REF",
		Short: "Store policies in a registry or layout as a conftest-compatible bundle",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := g.parseRef(args[len(args)-1])
			if err != nil {
				return err
			}
			tag := ref.Tag
			if tag == "" {
				tag = "latest"
			}
			p.paths = args[:len(args)-1]
			src, err := p.sources(g)
			if err != nil {
				return err
			}
			g.credentialsFor(ref)
			d, err := policy.PushOCI(cmd.Context(), g.store(ref.WithTag(""), nil), tag, src)
			if err != nil {
				return err
			}
			fmt.Fprintln(streams.Stdout, ref.WithDigest(d.Digest.String()))
			return nil
		},
	}
}

func newPolicyPullCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "pull REF DIR",
		Short: "Fetch a policy bundle (Slipway's or conftest's) into a folder",
		Args:  exactArgs(2, "REF and DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, store, err := g.openTagged(args[0])
			if err != nil {
				return err
			}
			files, err := policy.PullOCI(cmd.Context(), store, ref.Identifier(), args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Stderr, "pulled %d files into %s\n", len(files), args[1])
			return nil
		},
	}
}
