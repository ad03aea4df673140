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

// Annotate prints ::error/::warning/::notice commands on the file and line.
func (g *githubPublisher) Annotate(annotations []Annotation) error {
	for _, an := range annotations {
		a := g.a.WithFieldsMap(annotationFields(an))
		var issue func()
		switch an.Level {
		case LevelNotice:
			issue = func() { a.Noticef("%s", an.Message) }
		case LevelError:
			issue = func() { a.Errorf("%s", an.Message) }
		default:
			issue = func() { a.Warningf("%s", an.Message) }
		}
		if err := recovered(issue); err != nil {
			return fault.Runtimef("annotating %s: %w", an.Title, err)
		}
	}
	return nil
}

func annotationFields(a Annotation) map[string]string {
	fields := map[string]string{"title": a.Title}
	if a.File != "" {
		fields["file"] = a.File
		if a.Line > 0 {
			fields["line"] = strconv.Itoa(a.Line)
		}
		if a.Col > 0 {
			fields["col"] = strconv.Itoa(a.Col)
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
