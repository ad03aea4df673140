package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestNew(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			r, err := New(format)
			require.NoError(t, err, "New(%q)", format)
			require.NotNil(t, r)
		})
	}
	assert.Equal(t, []string{"text", "json", "junit", "sarif", "tap", "github", "gitlab", "markdown"}, Formats())
}

func TestNewUnknownFormat(t *testing.T) {
	tests := []struct {
		name, format string
		build        func(string) error
		wantMsg      string
	}{
		{"gate", "html", func(f string) error { _, err := New(f); return err },
			`--output "html": want one of text, json, junit, sarif, tap, github, gitlab, markdown`},
		{"gate empty", "", func(f string) error { _, err := New(f); return err }, `--output ""`},
		{"eval gitlab", "gitlab", func(f string) error { _, err := NewEval(f); return err },
			`--output "gitlab": want one of text, json, junit, sarif, tap, github`},
		{"eval markdown", "markdown", func(f string) error { _, err := NewEval(f); return err }, `--output "markdown"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.build(tt.format)
			require.Error(t, err, "format %q was accepted", tt.format)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestNewEval(t *testing.T) {
	for _, format := range EvalFormats() {
		r, err := NewEval(format)
		require.NoError(t, err, "NewEval(%q)", format)
		require.NotNil(t, r)
	}
}

type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestReportWriteError(t *testing.T) {
	for _, format := range Formats() {
		r, _ := New(format)
		err := r.Report(failingWriter{}, failVerdict())
		assert.ErrorIs(t, err, errWrite, "Report(%s) to a failing writer", format)
	}
}

func TestTextColor(t *testing.T) {
	render := func(on bool) string {
		r, err := New(Text, WithColor(on))
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, r.Report(&buf, failVerdict()))
		return buf.String()
	}
	plain, colored := render(false), render(true)
	assert.NotContains(t, plain, "\x1b[", "WithColor(false) wrote escape codes")
	assert.Contains(t, colored, "\x1b[1;31mFAIL\x1b[0m", "WithColor(true) verdict word")
	stripped := regexpANSI.ReplaceAllString(colored, "")
	assert.Equal(t, plain, stripped, "colour must change nothing but the escape codes (alignment included)")
}

func TestTextExpiredIsLoud(t *testing.T) {
	r, _ := New(Text)
	var buf bytes.Buffer
	require.NoError(t, r.Report(&buf, failVerdict()))
	assert.Contains(t, buf.String(), "exception for unsafe_format expired on 2026-01-31: it no longer waives anything")
	assert.True(t, strings.HasSuffix(buf.String(), "12 rules, 3 failures, 2 warnings, 1 waived, 1 expired exception\n"), "summary line:\n%s", buf.String())
}

func TestCounts(t *testing.T) {
	tests := []struct {
		c    counts
		want string
	}{
		{counts{rules: 12, failures: 1, warnings: 2, waived: 1}, "12 rules, 1 failure, 2 warnings, 1 waived"},
		{counts{rules: 1}, "1 rule, 0 failures, 0 warnings, 0 waived"},
		{counts{rules: 3, expired: 2}, "3 rules, 0 failures, 0 warnings, 0 waived, 2 expired exceptions"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.c.String())
	}
}

func TestWaives(t *testing.T) {
	tests := []struct {
		name, rule string
		want       bool
	}{
		{"unsafe_format", "deny_unsafe_format", true},
		{"unsafe_format", "violation_unsafe_format", true},
		{"card", "warn_card", true},
		{"", "deny", true},
		{"deny_x", "deny_x", true},
		{"unsafe", "deny_unsafe_format", false},
		{"", "deny_x", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, waives(tt.name, tt.rule), "waives(%q, %q)", tt.name, tt.rule)
	}
}
