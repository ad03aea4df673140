package ci

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// dotenvMaxBytes is GitLab's limit on a dotenv report; a larger one is
// rejected at upload and no variable reaches later jobs.
const dotenvMaxBytes = 5 * 1024

var dotenvName = regexp.MustCompile(`^[A-Z0-9_]+$`)

// gitlabPublisher writes outputs as a dotenv report and the report as one
// merge-request note per model (gitlab_note.go).
//
// Later jobs see the outputs only when the job declares the report:
//
//	artifacts:
//	  reports:
//	    dotenv: slipway.env
type gitlabPublisher struct {
	o       options
	outputs map[string]string // every output set so far, by dotenv name
}

func newGitLab(o options) *gitlabPublisher {
	if o.outputsPath == "" {
		o.outputsPath = "slipway.env"
	}
	return &gitlabPublisher{o: o, outputs: map[string]string{}}
}

// SetOutputs rewrites the dotenv file with KEY=value lines: each key is
// upper-cased, - and . become _, and SLIPWAY_ is prepended (decision becomes
// SLIPWAY_DECISION), so outputs cannot override the job's own variables.
// GitLab's dotenv has no quoting or escapes, so a value must be one line.
func (g *gitlabPublisher) SetOutputs(outputs map[string]string) error {
	next := maps.Clone(g.outputs)
	for k, v := range outputs {
		name := "SLIPWAY_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(k))
		if k == "" || !dotenvName.MatchString(name) {
			return fault.Usagef("dotenv output name %q: want ASCII letters, digits, _, - and .", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return fault.Usagef("dotenv output %s: GitLab dotenv values must be a single line", name)
		}
		next[name] = v
	}
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(next)) {
		fmt.Fprintf(&b, "%s=%s\n", name, next[name])
	}
	if b.Len() > dotenvMaxBytes {
		return fault.Usagef("dotenv outputs: %d bytes, GitLab accepts at most %d", b.Len(), dotenvMaxBytes)
	}
	if err := os.WriteFile(g.o.outputsPath, []byte(b.String()), 0o644); err != nil {
		return fault.Runtimef("writing dotenv outputs: %w", err)
	}
	g.outputs = next
	return nil
}

// Annotate does nothing: GitLab shows findings from the code-quality
// report, which the report package writes.
func (g *gitlabPublisher) Annotate([]Annotation) error { return nil }

// Mask does nothing: GitLab masks only variables defined as masked in the
// project settings and offers no way to add one at run time.
func (g *gitlabPublisher) Mask(string) {}

func (g *gitlabPublisher) debugf(format string, args ...any) {
	fmt.Fprintf(g.o.w, "slipway: "+format+"\n", args...)
}
