package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/policy"
)

var regexpANSI = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestGitHubEscaping(t *testing.T) {
	tests := []struct {
		name, in, data, property string
	}{
		{"plain", "accuracy too low", "accuracy too low", "accuracy too low"},
		{"percent", "within 10% of", "within 10%25 of", "within 10%25 of"},
		{"percent first", "%0A is not a newline", "%250A is not a newline", "%250A is not a newline"},
		{"newline", "a\nb", "a%0Ab", "a%0Ab"},
		{"crlf", "a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"colon and comma", "policies/a.rego:3, col 1", "policies/a.rego:3, col 1", "policies/a.rego%3A3%2C col 1"},
		{"command lookalike", "::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.data, escapeData(tt.in), "escapeData(%q)", tt.in)
			assert.Equal(t, tt.property, escapeProperty(tt.in), "escapeProperty(%q)", tt.in)
		})
	}
}

// TestGitHubOneCommandPerLine: whatever a policy says, each finding is one
// workflow command on one line, with its location in the properties.
func TestGitHubOneCommandPerLine(t *testing.T) {
	v := &gate.Verdict{
		Decision: policy.Fail,
		Model:    gate.ModelRef{Name: "m", Digest: digest("b")},
		Result: policy.Result{Rules: 1, Findings: []policy.Finding{{
			Kind: policy.Failure, Package: "p", Rule: "deny",
			Message:  "line one\r\nline two: 100%\n::warning::forged",
			Location: &policy.Location{File: "dir,with:odd/x.rego", Row: 7, Workspace: true},
		}}},
	}
	r, _ := New(GitHub)
	var buf bytes.Buffer
	require.NoError(t, r.Report(&buf, v))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 2, "one annotation and one summary line, got:\n%s", buf.String())
	assert.Equal(t, "::error file=dir%2Cwith%3Aodd/x.rego,line=7,title=p.deny::line one%0D%0Aline two: 100%25%0A::warning::forged", lines[0])
	assert.False(t, strings.HasPrefix(lines[1], "::"), "summary is a plain log line: %q", lines[1])
}

// A rule of the library built into the binary (or of a bundle) has no file
// in the repository: its annotation names the rule, not a file and line the
// diff view could not show.
func TestGitHubAnnotatesOnlyWorkspacePolicies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "team.rego"), []byte("package team\n\ndeny contains \"team says no\" if true\n"), 0o644))
	engine, err := policy.Compile(ctx, policy.Sources{Paths: []string{dir}, FS: []policy.FSSource{policy.Library()}})
	require.NoError(t, err)
	res, err := engine.Eval(ctx, map[string]any{"metrics": map[string]any{}, "model": map[string]any{"files": []any{}}})
	require.NoError(t, err)
	v := &gate.Verdict{Decision: res.Decision(), Model: gate.ModelRef{Name: "m", Digest: digest("b")}, Result: res}
	r, _ := New(GitHub)
	var buf bytes.Buffer
	require.NoError(t, r.Report(&buf, v))
	var team, library int
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.Contains(line, "title=team.deny"):
			team++
			assert.Contains(t, line, "file="+escapeProperty(filepath.Join(dir, "team.rego"))+",line=3", "a workspace policy is annotated at its rule")
		case strings.HasPrefix(line, "::") && strings.Contains(line, "title=slipway."):
			library++
			assert.NotContains(t, line, "file=", "a library rule is not a file of the repository: %s", line)
		}
	}
	assert.Equal(t, 1, team)
	assert.Positive(t, library, "the library found something to say about an empty model:\n%s", buf.String())
}
