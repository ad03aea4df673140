package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/policy"
	"github.com/slipwayhq/slipway/internal/report"
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
			rep, err := policy.RunTest(cmd.Context(), policy.TestRequest{Dirs: args, Run: run})
			if err != nil {
				return err
			}
			if err := g.render(streams.Stdout, rep, func(w io.Writer) error { return testText(w, rep) }); err != nil {
				return err
			}
			return rep.Err()
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run only tests whose name matches this regular expression")
	return cmd
}

func testText(w io.Writer, rep *policy.TestReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, t := range rep.Tests {
		fmt.Fprintf(tw, "%s\t%s.%s\t%s\n", t.Outcome, t.Package, t.Name, t.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed, %s; coverage %.1f%%\n",
		rep.Count(policy.TestPass), rep.Count(policy.TestFail), english.Plural(rep.Count(policy.TestError), "error", ""), rep.Coverage.Percent)
	return err
}

func newPolicyEvalCmd(g *globalOptions, streams IO) *cobra.Command {
	var p policyFlags
	var failOnWarn bool
	var timeout time.Duration
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
		Args:        minArgs(1, "one or more FILE or DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := policy.RunEval(cmd.Context(), policy.EvalRequest{
				Client: g.client, Policies: p.selection(g, false), Files: args,
				Namespaces: p.namespaces, FailOnWarn: failOnWarn, Timeout: timeout,
			})
			if err != nil {
				return err
			}
			r, err := report.NewEval(g.output, report.WithColor(colorOn(streams.Stdout)))
			if err != nil {
				return err
			}
			if err := r.ReportFiles(streams.Stdout, res.Files); err != nil {
				return err
			}
			return res.Err()
		},
	}
	p.register(cmd.Flags())
	cmd.Flags().BoolVar(&failOnWarn, "fail-on-warn", false, "exit 4 when there are warnings and no failures")
	cmd.Flags().DurationVar(&timeout, "timeout", policy.DefaultTimeout, "longest one file's evaluation may take (exit 2 past it; 0 is no limit)")
	return cmd
}

func newPolicyPushCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "push DIR… REF",
		Short: "Store policies in a registry or layout as a conftest-compatible bundle",
		Args:  minArgs(2, "one or more DIR, then REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := policy.Push(cmd.Context(), policy.PushRequest{
				Client: g.client, Policies: args[:len(args)-1], Reference: args[len(args)-1],
			})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, res.Reference)
				return err
			})
		},
	}
}

func newPolicyPullCmd(g *globalOptions, streams IO) *cobra.Command {
	return &cobra.Command{
		Use:   "pull REF DIR",
		Short: "Fetch a policy bundle (Slipway's or conftest's) into a folder",
		Args:  exactArgs(2, "REF and DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := policy.Pull(cmd.Context(), policy.PullRequest{Client: g.client, Reference: args[0], Dir: args[1]})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(io.Writer) error {
				_, err := fmt.Fprintf(g.summary(streams), "pulled %s into %s\n", english.Plural(len(res.Files), "file", ""), res.Dir)
				return err
			})
		},
	}
}
