package announce

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/promote"
)

// Release is a GitLab release to create or update for a promoted version.
type Release struct {
	// GitLabAPI is how to reach the API: root, token, client.
	ci.GitLabAPI
	// Project is CI_PROJECT_ID (or the project's path).
	Project string
	// Tag is the release's tag name (the version); Ref is the commit the
	// tag is created at when it does not exist yet (CI_COMMIT_SHA).
	Tag, Ref string
	Name     string
	// Promotion is the line this promotion adds; GateReport the gate's
	// markdown report, which replaces the one in the notes.
	Promotion  string
	GateReport string
}

// GitLabRelease fills the API URL, token and project of a release from
// GitLab CI's variables: the token is the first of SLIPWAY_GITLAB_TOKEN,
// GITLAB_TOKEN (both PRIVATE-TOKEN) and CI_JOB_TOKEN.
func GitLabRelease(getenv func(string) string) Release {
	return Release{GitLabAPI: ci.GitLabAPIFromEnv(getenv), Project: cmp.Or(getenv("CI_PROJECT_ID"), getenv("CI_PROJECT_PATH"))}
}

// Markers delimit what Slipway owns in a release's notes; text outside
// them (written by people) is kept.
const (
	promotionsStart = "<!-- slipway:promotions -->"
	promotionsEnd   = "<!-- /slipway:promotions -->"
	gateStart       = "<!-- slipway:gate -->"
	gateEnd         = "<!-- /slipway:gate -->"
)

// PublishRelease creates the release, or adds the promotion line to its
// notes and replaces the gate report in them. It reports whether it
// created the release.
func PublishRelease(ctx context.Context, rel Release) (created bool, err error) {
	if rel.BaseURL == "" || rel.Project == "" || rel.Tag == "" {
		return false, fault.Usagef("--release needs the GitLab API URL (CI_API_V4_URL), the project (CI_PROJECT_ID) and a version to name the release")
	}
	if rel.Token == "" {
		return false, fault.Usagef("--release needs a token: SLIPWAY_GITLAB_TOKEN, GITLAB_TOKEN or CI_JOB_TOKEN")
	}
	client, err := rel.Client()
	if err != nil {
		return false, err
	}
	existing, resp, err := client.Releases.GetRelease(rel.Project, rel.Tag, gitlab.WithContext(ctx))
	if err != nil && (resp == nil || resp.StatusCode != http.StatusNotFound) {
		return false, releaseError(ctx, err, rel, "reading release %s", rel.Tag)
	}
	if existing == nil {
		notes := releaseNotes("", rel.Promotion, rel.GateReport)
		_, _, err = client.Releases.CreateRelease(rel.Project, &gitlab.CreateReleaseOptions{
			Name: gitlab.Ptr(rel.Name), TagName: gitlab.Ptr(rel.Tag), Ref: optional(rel.Ref), Description: gitlab.Ptr(notes),
		}, gitlab.WithContext(ctx))
		if err != nil {
			return false, releaseError(ctx, err, rel, "creating release %s", rel.Tag)
		}
		return true, nil
	}
	notes := releaseNotes(existing.Description, rel.Promotion, rel.GateReport)
	if notes == existing.Description {
		return false, nil
	}
	_, _, err = client.Releases.UpdateRelease(rel.Project, rel.Tag, &gitlab.UpdateReleaseOptions{
		Name: gitlab.Ptr(cmp.Or(existing.Name, rel.Name)), Description: gitlab.Ptr(notes),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return false, releaseError(ctx, err, rel, "updating release %s", rel.Tag)
	}
	return false, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// releaseNotes adds promotion to the list in old and puts report in place
// of the gate report there (keeping the old one when report is empty);
// text of old outside Slipway's sections is kept below them.
func releaseNotes(old, promotion, report string) string {
	var lines []string
	rest := old
	if body, before, after, ok := cut(rest, promotionsStart, promotionsEnd); ok {
		for l := range strings.Lines(body) {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		rest = before + after
	}
	if body, before, after, ok := cut(rest, gateStart, gateEnd); ok {
		if report == "" {
			report = body
		}
		rest = before + after
	}
	if promotion != "" && !slices.Contains(lines, promotion) {
		lines = append(lines, promotion)
	}
	var b strings.Builder
	b.WriteString("## Promotions\n\n" + promotionsStart + "\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString(promotionsEnd + "\n")
	if report = strings.TrimSpace(report); report != "" {
		b.WriteString("\n## Gate report\n\n" + gateStart + "\n" + report + "\n" + gateEnd + "\n")
	}
	rest = strings.Replace(strings.Replace(rest, "## Promotions", "", 1), "## Gate report", "", 1)
	if rest = strings.TrimSpace(rest); rest != "" {
		b.WriteString("\n" + rest + "\n")
	}
	return b.String()
}

// cut returns what is between start and end in s, and what is around them.
func cut(s, start, end string) (body, before, after string, ok bool) {
	i := strings.Index(s, start)
	j := strings.Index(s, end)
	if i < 0 || j < i {
		return "", s, "", false
	}
	return s[i+len(start) : j], s[:i], s[j+len(end):], true
}

// ReleaseLine is the promotions-list entry for a record.
func ReleaseLine(r promote.Record) string {
	line := fmt.Sprintf("- %s **%s** %s `%s` by %s", r.Time.UTC().Format("2006-01-02 15:04:05Z"), r.Environment, r.Action, r.Digest, mdEscape(r.Actor))
	if r.CI.RunURL != "" {
		line += " ([run](" + r.CI.RunURL + "))"
	}
	if r.Forced {
		line += " — **FORCED**: " + mdEscape(r.Reason)
	}
	return line
}

func releaseError(ctx context.Context, err error, rel Release, format string, args ...any) error {
	return rel.Error(ctx, err, "the token needs the api scope and at least the Developer role to write releases",
		"gitlab release: "+format, args...)
}
