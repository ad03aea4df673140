package promote

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/report"
	"github.com/slipwayhq/slipway/internal/untrusted"
)

// WriteHistory writes records as the history table, in the order given.
func WriteHistory(w io.Writer, recs []Record) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tENV\tACTION\tVERSION\tDIGEST\tACTOR\tVERDICT")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", stamp(r.Time), untrusted.Text(r.Environment), untrusted.Text(actionWord(r)),
			untrusted.Text(cmp.Or(r.Version, "-")), untrusted.Text(oci.ShortDigest(r.Digest)), untrusted.Text(cmp.Or(r.Actor, "-")), untrusted.Text(r.Verdict()))
	}
	return tw.Flush()
}

func actionWord(r Record) string {
	if r.Forced {
		return string(r.Action) + " (FORCED)"
	}
	return string(r.Action)
}

// WriteResult writes what a promotion or rollback did, for a terminal;
// the caller prints the pinned reference last. For a refused promotion it
// writes the canary analysis and what --rollback-on-failure did (the
// refusals are the error, on stderr).
func WriteResult(w io.Writer, res *Result) {
	if len(res.Refusals) > 0 {
		writeRefused(w, res)
		return
	}
	defer writeDeployResult(w, res)
	defer writeAnalysisLine(w, res)
	r := res.Record
	if res.DryRun {
		fmt.Fprintf(w, "dry run: %s not moved, nothing committed or pushed\n", r.Environment)
		return
	}
	if res.Unchanged {
		fmt.Fprintf(w, "%s already names %s: nothing to do\n", r.Environment, oci.ShortDigest(res.Current))
		return
	}
	what := untrusted.Text(cmp.Or(strings.TrimSpace(r.Name+" "+r.Version), oci.ShortDigest(r.Digest)))
	if r.Action == ActionRollback {
		fmt.Fprintf(w, "rolled %s back to %s in %s\n", r.Environment, what, r.Repository)
	} else {
		fmt.Fprintf(w, "promoted %s to %s in %s\n", what, r.Environment, r.Repository)
	}
	fmt.Fprintf(w, "  digest    %s\n", r.Digest)
	fmt.Fprintf(w, "  previous  %s\n", cmp.Or(r.Previous, "(none)"))
	fmt.Fprintf(w, "  gate      %s\n", GateLine(r.Gate))
	fmt.Fprintf(w, "  record    %s@%s\n", r.Repository, r.ID)
	if r.Forced {
		fmt.Fprintf(w, "  FORCED    by %s: %s\n", untrusted.Text(r.Actor), untrusted.Text(r.Reason))
		for _, o := range r.Overridden {
			fmt.Fprintf(w, "            overrode: %s\n", untrusted.Text(o))
		}
	}
}

// writeRefused shows why a refused promotion was refused by its analysis,
// run by run, and the rollback --rollback-on-failure made.
func writeRefused(w io.Writer, res *Result) {
	fmt.Fprintf(w, "not promoted: %s (%d refusals)\n", res.Reference, len(res.Refusals))
	if res.Analysis != nil {
		fmt.Fprintf(w, "\n%s", report.AnalysisText(res.Analysis, false))
	}
	if rb := res.Rollback; rb != nil {
		fmt.Fprintln(w)
		WriteResult(w, rb)
	}
	if res.RollbackError != "" {
		fmt.Fprintf(w, "rollback on failure FAILED: %s\n", untrusted.Text(res.RollbackError))
	}
}

// writeAnalysisLine sums up the canary analysis a promotion passed.
func writeAnalysisLine(w io.Writer, res *Result) {
	if a := res.Analysis; a != nil {
		fmt.Fprintf(w, "  analysis  %s: %s\n", a.Phase, untrusted.Text(a.Summary()))
	}
}

// GateLine is the gate summary in one line.
func GateLine(g *GateSummary) string {
	if g == nil {
		return "none"
	}
	s := fmt.Sprintf("%s at %s", g.Decision, stamp(g.Time))
	if g.Subject != "" {
		s += " on " + oci.ShortDigest(g.Subject)
	}
	if g.Verified && strings.HasPrefix(g.KeyID, "keyless ") {
		return s + ", verified " + g.KeyID
	}
	if g.Verified {
		return s + ", verified with key " + shortKey(g.KeyID)
	}
	return s + ", signature NOT checked (no key)"
}

func shortKey(k string) string {
	if len(k) > 16 {
		return k[:16]
	}
	return k
}

// writeDeployResult says what the deploy repository got.
func writeDeployResult(w io.Writer, res *Result) {
	d := res.Deploy
	if d == nil {
		return
	}
	switch {
	case d.DryRun && d.Changed:
		fmt.Fprintf(w, "  deploy    would commit to %s (%s) %s:\n%s", d.Repo, d.Branch, strings.Join(d.Files, ", "), d.Diff)
	case d.DryRun:
		fmt.Fprintf(w, "  deploy    %s (%s) already has it: nothing to commit\n", d.Repo, d.Branch)
	case !d.Changed:
		fmt.Fprintf(w, "  deploy    %s (%s) already has it: nothing committed\n", d.Repo, d.Branch)
	case d.PullRequest != nil:
		verb := "updated"
		if d.PullRequest.Created {
			verb = "opened"
		}
		fmt.Fprintf(w, "  deploy    commit %s on %s, %s %s\n", shortSHA(d.Commit), "slipway/"+res.Record.Environment, verb, d.PullRequest.URL)
	default:
		fmt.Fprintf(w, "  deploy    commit %s pushed to %s (%s): %s\n", shortSHA(d.Commit), d.Repo, d.Branch, strings.Join(d.Files, ", "))
	}
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
