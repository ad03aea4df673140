package announce

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/promote"
	"github.com/slipwayhq/slipway/internal/report"
)

// PromotionOptions say where Promotion reports a result.
type PromotionOptions struct {
	Getenv func(string) string
	// Stderr receives notes and the CI system's workflow commands.
	Stderr io.Writer
	// Release asks for the GitLab release of the version; ReleaseTag names
	// it when the version should not.
	Release    bool
	ReleaseTag string
}

// Promotion turns a promotion or rollback into the CI system's idiom: the
// outputs digest, previous, env, reference and record; the summary (the
// GitHub step summary); and with Release, on GitLab, the version's release.
//
// The outputs and the summary are side channels: a failure is a warning on
// o.Stderr. Only the release, asked for with Release, returns its error;
// the move has happened either way.
func Promotion(ctx context.Context, res *promote.Result, o PromotionOptions) error {
	platform := ci.Detect(o.Getenv)
	if o.Release && platform != ci.GitLab {
		fmt.Fprintln(o.Stderr, "slipway: --release: not on GitLab (GITLAB_CI), no release made; GitHub shows the step summary")
	}
	if platform == ci.Local {
		return nil
	}
	r := res.Record
	warn := warner(o.Stderr)
	pub := ci.New(platform, ci.WithWriter(o.Stderr), ci.WithGetenv(o.Getenv))
	outputs := map[string]string{
		"digest": r.Digest, "previous": r.Previous, "env": r.Environment, "reference": res.Reference, "record": r.ID,
	}
	if d := res.Deploy; d != nil {
		outputs["deploy-commit"] = d.Commit
		if d.PullRequest != nil {
			outputs["deploy-url"] = d.PullRequest.URL
		}
	}
	if err := pub.SetOutputs(outputs); err != nil {
		warn("setting the outputs", err)
	}
	name := cmp.Or(r.Name, r.Repository)
	if err := pub.Summary(ctx, name, fmt.Sprintf("<!-- slipway-promote:%s:%s -->", name, r.Environment), PromotionMarkdown(res)); err != nil {
		warn("publishing the summary", err)
	}
	if !o.Release || platform != ci.GitLab {
		return nil
	}
	return releaseFor(ctx, res, o)
}

func releaseFor(ctx context.Context, res *promote.Result, o PromotionOptions) error {
	r := res.Record
	tag := cmp.Or(o.ReleaseTag, r.Version)
	if tag == "" {
		return fault.Usagef("--release: %s has no version to name the release: give --release-tag", r.Digest)
	}
	var gateReport bytes.Buffer
	if res.Verdict != nil {
		md, err := report.New(report.Markdown)
		if err != nil {
			return err
		}
		if err := md.Report(&gateReport, res.Verdict); err != nil {
			return err
		}
	}
	rel := GitLabRelease(o.Getenv)
	rel.Tag, rel.Ref, rel.Name = tag, r.CI.Commit, strings.TrimSpace(r.Name+" "+r.Version)
	rel.Promotion, rel.GateReport = ReleaseLine(r), gateReport.String()
	rel.Log = slog.New(slog.NewTextHandler(o.Stderr, nil))
	created, err := PublishRelease(ctx, rel)
	if err != nil {
		return err
	}
	verb := "updated"
	if created {
		verb = "created"
	}
	fmt.Fprintf(o.Stderr, "slipway: GitLab release %s %s\n", tag, verb)
	return nil
}

// Markdown is the promotion as a CI step summary or release section.
func PromotionMarkdown(res *promote.Result) string {
	r := res.Record
	var b strings.Builder
	what := cmp.Or(strings.TrimSpace(r.Name+" "+r.Version), r.Repository)
	if r.Action == promote.ActionRollback {
		fmt.Fprintf(&b, "### Rolled %s back to %s\n\n", r.Environment, what)
	} else {
		fmt.Fprintf(&b, "### Promoted %s to %s\n\n", what, r.Environment)
	}
	if r.Forced {
		fmt.Fprintf(&b, "> [!CAUTION]\n> **FORCED** by %s: %s\n", r.Actor, mdEscape(r.Reason))
		for _, o := range r.Overridden {
			fmt.Fprintf(&b, "> - overrode: %s\n", mdEscape(o))
		}
		b.WriteString("\n")
	}
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	row("repository", "`"+r.Repository+"`")
	row("digest", "`"+r.Digest+"`")
	row("previous", "`"+cmp.Or(r.Previous, "none")+"`")
	row("gate", mdEscape(promote.GateLine(r.Gate)))
	row("actor", mdEscape(r.Actor))
	row("time", r.Time.UTC().Format("2006-01-02 15:04:05Z"))
	row("record", "`"+r.Repository+"@"+r.ID+"`")
	if r.CI.RunURL != "" {
		row("run", r.CI.RunURL)
	}
	return b.String()
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
