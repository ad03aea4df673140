package ci

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// githubEnv is a runner's environment with its files in a temporary folder.
func githubEnv(t *testing.T) (vars map[string]string, outputs, summary string) {
	dir := t.TempDir()
	outputs, summary = filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	return map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       outputs,
		"GITHUB_STEP_SUMMARY": summary,
	}, outputs, summary
}

// parseGitHubOutputs reads an output file the way the runner does:
// name=value lines and name<<DELIM heredocs.
func parseGitHubOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	got := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var value []string
			for closed := false; !closed; {
				require.True(t, s.Scan(), "heredoc %s not closed by %s", name, delim)
				if closed = s.Text() == delim; !closed {
					value = append(value, s.Text())
				}
			}
			got[name] = strings.Join(value, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		require.True(t, ok, "output line %q is neither name=value nor a heredoc", line)
		got[name] = value
	}
	require.NoError(t, s.Err())
	return got
}

func TestGitHubSetOutputs(t *testing.T) {
	vars, outputs, _ := githubEnv(t)
	var log bytes.Buffer
	p := New(GitHub, WithGetenv(env(vars)), WithWriter(&log))

	require.NoError(t, p.SetOutputs(map[string]string{
		"decision": "fail",
		"report":   "# Gate\n\n| metric | value |\n|---|---|\n| acc | 0.9 |",
	}))
	require.NoError(t, p.SetOutputs(map[string]string{"attestation": "sha256:abc"}))

	want := map[string]string{
		"decision":    "fail",
		"report":      "# Gate\n\n| metric | value |\n|---|---|\n| acc | 0.9 |",
		"attestation": "sha256:abc",
	}
	assert.Equal(t, want, parseGitHubOutputs(t, outputs))
	assert.Empty(t, log.String(), "outputs go to GITHUB_OUTPUT, not the log")
}

func TestGitHubSetOutputsRefuses(t *testing.T) {
	tests := []struct {
		name    string
		vars    func(map[string]string)
		outputs map[string]string
		kind    fault.Kind
	}{
		{"no GITHUB_OUTPUT", func(m map[string]string) { delete(m, "GITHUB_OUTPUT") }, map[string]string{"decision": "pass"}, fault.Runtime},
		{"name with a newline", nil, map[string]string{"a\nb": "x"}, fault.Usage},
		{"name forging a heredoc", nil, map[string]string{"a<<EOF": "x"}, fault.Usage},
		{"value holding the delimiter", nil, map[string]string{"report": "x\n" + githubDelimiter + "\nforged<<" + githubDelimiter}, fault.Usage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars, outputs, _ := githubEnv(t)
			if tt.vars != nil {
				tt.vars(vars)
			}
			err := New(GitHub, WithGetenv(env(vars)), WithWriter(&bytes.Buffer{})).SetOutputs(tt.outputs)
			require.Error(t, err, "SetOutputs(%q)", tt.outputs)
			assert.Equal(t, tt.kind, fault.KindOf(err), "SetOutputs(%q) = %v", tt.outputs, err)
			_, statErr := os.Stat(outputs)
			assert.True(t, errors.Is(statErr, os.ErrNotExist), "nothing written after a refused output")
		})
	}
}

func TestGitHubSummaryAppends(t *testing.T) {
	vars, _, summary := githubEnv(t)
	require.NoError(t, os.WriteFile(summary, []byte("earlier step\n"), 0o644))
	p := New(GitHub, WithGetenv(env(vars)), WithWriter(&bytes.Buffer{}))

	require.NoError(t, p.Summary(context.Background(), "iris", "<!-- slipway:iris -->", "## iris: pass"))
	require.NoError(t, p.Summary(context.Background(), "wine", "<!-- slipway:wine -->", "## wine: fail"))

	got, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Equal(t, "earlier step\n## iris: pass\n## wine: fail\n", string(got))
}

func TestGitHubSummaryWithoutFile(t *testing.T) {
	p := New(GitHub, WithGetenv(env(map[string]string{"GITHUB_ACTIONS": "true"})), WithWriter(&bytes.Buffer{}))
	err := p.Summary(context.Background(), "iris", "m", "# r")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GITHUB_STEP_SUMMARY")
}

func TestGitHubAnnotate(t *testing.T) {
	vars, _, _ := githubEnv(t)
	var log bytes.Buffer
	p := New(GitHub, WithGetenv(env(vars)), WithWriter(&log))

	findings := []Annotation{
		{Level: LevelError, Title: "slipway.metrics.deny", Message: "accuracy 0.81 is below 0.9 (100% wanted)", File: "policies/metrics.rego", Line: 12, Col: 3},
		{Level: LevelWarning, Title: "slipway.card.warn_card", Message: "model card has no licence\nsee docs"},
		{Level: LevelNotice, Title: "slipway.formats.deny_pickle", Message: "waived: weights.pkl is pickle", File: "policies/formats.rego", Line: 4},
	}
	require.NoError(t, p.Annotate(findings))

	want := "::error col=3,file=policies/metrics.rego,line=12,title=slipway.metrics.deny::accuracy 0.81 is below 0.9 (100%25 wanted)\n" +
		"::warning title=slipway.card.warn_card::model card has no licence%0Asee docs\n" +
		"::notice file=policies/formats.rego,line=4,title=slipway.formats.deny_pickle::waived: weights.pkl is pickle\n"
	assert.Equal(t, want, log.String())
}

func TestGitHubMask(t *testing.T) {
	var log bytes.Buffer
	p := New(GitHub, WithGetenv(env(map[string]string{"GITHUB_ACTIONS": "true"})), WithWriter(&log))
	p.Mask("")
	p.Mask("glpat-123")
	p.Mask("-----BEGIN KEY-----\nAAAA\n-----END KEY-----\n")
	want := "::add-mask::glpat-123\n" +
		"::add-mask::-----BEGIN KEY-----%0AAAAA%0A-----END KEY-----%0A\n" +
		"::add-mask::-----BEGIN KEY-----\n::add-mask::AAAA\n::add-mask::-----END KEY-----\n"
	assert.Equal(t, want, log.String())
}

// failingWriter fails every write, as a closed log stream would.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stream closed") }

func TestGitHubWriteFailureIsAnError(t *testing.T) {
	vars, _, _ := githubEnv(t)
	p := New(GitHub, WithGetenv(env(vars)), WithWriter(failingWriter{}))
	err := p.Annotate([]Annotation{{Level: LevelError, Title: "deny", Message: "no"}})
	require.Error(t, err, "Annotate on a failing writer")
	assert.Contains(t, err.Error(), "stream closed")
	p.Mask("secret") // must not panic
}
