package promote

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/report"
)

// PublishOptions say where Publish reports a result.
type PublishOptions struct {
	Getenv func(string) string
	// Stderr receives notes and the CI system's workflow commands.
	Stderr io.Writer
	// Release asks for the GitLab release of the version; ReleaseTag names
	// it when the version should not.
	Release    bool
	ReleaseTag string
}

// Publish turns a promotion or rollback into the CI system's idiom: the
// outputs digest, previous, env, reference and record; the summary (the
// GitHub step summary); and with Release, on GitLab, the version's release.
func Publish(ctx context.Context, res *Result, o PublishOptions) error {
	platform := ci.Detect(o.Getenv)
	if o.Release && platform != ci.GitLab {
		fmt.Fprintln(o.Stderr, "slipway: --release: not on GitLab (GITLAB_CI), no release made; GitHub shows the step summary")
	}
	if platform == ci.Local {
		return nil
	}
	r := res.Record
	pub := ci.New(platform, ci.WithWriter(o.Stderr), ci.WithGetenv(o.Getenv))
	if err := pub.SetOutputs(map[string]string{
		"digest": r.Digest, "previous": r.Previous, "env": r.Environment, "reference": res.Reference, "record": r.ID,
	}); err != nil {
		return err
	}
	name := first(r.Name, r.Repository)
	if err := pub.Summary(ctx, name, fmt.Sprintf("<!-- slipway-promote:%s:%s -->", name, r.Environment), Markdown(res)); err != nil {
		return err
	}
	if !o.Release || platform != ci.GitLab {
		return nil
	}
	return releaseFor(ctx, res, o)
}

func releaseFor(ctx context.Context, res *Result, o PublishOptions) error {
	r := res.Record
	tag := first(o.ReleaseTag, r.Version)
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
