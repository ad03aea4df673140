package ci

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/policy"
)

// githubDelimiter is the heredoc delimiter go-githubactions writes around
// every output value; a value holding it could forge other outputs.
const githubDelimiter = "_GitHubActionsFileCommandDelimeter_"

var githubOutputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// githubPublisher writes workflow commands and environment files through
// go-githubactions.
type githubPublisher struct {
	a      *githubactions.Action
	getenv func(string) string
}

func newGitHub(o options) *githubPublisher {
	return &githubPublisher{
		a:      githubactions.New(githubactions.WithGetenv(o.getenv), githubactions.WithWriter(o.w)),
		getenv: o.getenv,
	}
}

// SetOutputs appends name<<delimiter heredocs to GITHUB_OUTPUT, so values may
// span lines.
func (g *githubPublisher) SetOutputs(outputs map[string]string) error {
	if g.getenv("GITHUB_OUTPUT") == "" {
		return fault.Runtimef("setting step outputs: GITHUB_OUTPUT is not set")
	}
	keys := slices.Sorted(maps.Keys(outputs))
	for _, k := range keys {
		if !githubOutputName.MatchString(k) {
			return fault.Usagef("step output name %q: want letters, digits, _ and -", k)
		}
		if strings.Contains(outputs[k], githubDelimiter) {
			return fault.Usagef("step output %s: value holds the file-command delimiter", k)
		}
	}
	for _, k := range keys {
		if err := recovered(func() { g.a.SetOutput(k, outputs[k]) }); err != nil {
			return fault.Runtimef("setting step output %s: %w", k, err)
		}
	}
	return nil
}

// Annotate prints ::error/::warning commands on the policy's file and line;
// waived findings become notices so the waiver stays visible.
func (g *githubPublisher) Annotate(findings []policy.Finding) error {
	for _, f := range findings {
		a := g.a.WithFieldsMap(annotationFields(f))
		var issue func()
		switch {
		case f.Waived != nil:
			issue = func() { a.Noticef("waived: %s", f.Message) }
		case f.Kind == policy.Failure:
			issue = func() { a.Errorf("%s", f.Message) }
		default:
			issue = func() { a.Warningf("%s", f.Message) }
		}
		if err := recovered(issue); err != nil {
			return fault.Runtimef("annotating %s: %w", f.Rule, err)
		}
	}
	return nil
}

func annotationFields(f policy.Finding) map[string]string {
	title := f.Rule
	if f.Package != "" {
		title = f.Package + "." + f.Rule
	}
	fields := map[string]string{"title": title}
	if l := f.Location; l != nil && l.File != "" {
		fields["file"] = l.File
		if l.Row > 0 {
			fields["line"] = strconv.Itoa(l.Row)
		}
		if l.Col > 0 {
			fields["col"] = strconv.Itoa(l.Col)
		}
	}
	return fields
}

// Summary appends the report to the step summary; several models' reports
// follow one another.
func (g *githubPublisher) Summary(_ context.Context, _, _, markdown string) error {
	if g.getenv("GITHUB_STEP_SUMMARY") == "" {
		return fault.Runtimef("writing step summary: GITHUB_STEP_SUMMARY is not set")
	}
	if err := recovered(func() { g.a.AddStepSummary(markdown) }); err != nil {
		return fault.Runtimef("writing step summary: %w", err)
	}
	return nil
}

// Mask registers the secret and, for a multi-line one, each line: the
// runner matches masks line by line.
func (g *githubPublisher) Mask(secret string) {
	if secret == "" {
		return
	}
	masks := []string{secret}
	if strings.ContainsAny(secret, "\r\n") {
		for line := range strings.Lines(secret) {
			if line = strings.TrimRight(line, "\r\n"); line != "" {
				masks = append(masks, line)
			}
		}
	}
	for _, m := range masks {
		// A log stream that cannot be written cannot leak the secret either.
		_ = recovered(func() { g.a.AddMask(m) })
	}
}

// recovered runs f, turning go-githubactions' panics on write failures into
// errors.
func recovered(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
				return
			}
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}
