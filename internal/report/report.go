package report

import (
	"io"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
)

// Reporter renders one gate verdict in one format.
type Reporter interface {
	Report(w io.Writer, v *gate.Verdict) error
}

// EvalReporter renders the per-file results of `slipway policy eval`.
type EvalReporter interface {
	ReportFiles(w io.Writer, results []FileResult) error
}

// The output formats, as --output spells them.
const (
	Text     = "text"
	JSON     = "json"
	JUnit    = "junit"
	SARIF    = "sarif"
	TAP      = "tap"
	GitHub   = "github"
	GitLab   = "gitlab"
	Markdown = "markdown"
)

var (
	formats     = []string{Text, JSON, JUnit, SARIF, TAP, GitHub, GitLab, Markdown}
	evalFormats = []string{Text, JSON, JUnit, SARIF, TAP, GitHub}
)

// Formats lists the formats New accepts, in the order help text shows them.
func Formats() []string { return slices.Clone(formats) }

// EvalFormats lists the formats NewEval accepts.
func EvalFormats() []string { return slices.Clone(evalFormats) }

// Option configures a Reporter.
type Option func(*options)

type options struct {
	color bool
}

// WithColor turns ANSI colour on in the text format. The caller decides
// (NO_COLOR, a terminal or not); the other formats ignore it.
func WithColor(on bool) Option { return func(o *options) { o.color = on } }

// New returns the Reporter for format, or a usage error naming the formats
// there are.
func New(format string, opts ...Option) (Reporter, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	switch format {
	case Text:
		return textReporter{color: o.color}, nil
	case JSON:
		return jsonReporter{}, nil
	case JUnit:
		return junitReporter{}, nil
	case SARIF:
		return sarifReporter{}, nil
	case TAP:
		return tapReporter{}, nil
	case GitHub:
		return githubReporter{}, nil
	case GitLab:
		return gitlabReporter{}, nil
	case Markdown:
		return markdownReporter{}, nil
	}
	return nil, unknownFormat(format, formats)
}

// NewEval returns the EvalReporter for format. GitLab Code Quality and
// markdown describe one model, so they are gate-only.
func NewEval(format string, opts ...Option) (EvalReporter, error) {
	if !slices.Contains(evalFormats, format) {
		return nil, unknownFormat(format, evalFormats)
	}
	r, err := New(format, opts...)
	if err != nil {
		return nil, err
	}
	return r.(EvalReporter), nil
}

func unknownFormat(format string, want []string) error {
	return fault.Usagef("--output %q: want one of %s", format, strings.Join(want, ", "))
}

var (
	_ Reporter     = textReporter{}
	_ Reporter     = jsonReporter{}
	_ Reporter     = junitReporter{}
	_ Reporter     = sarifReporter{}
	_ Reporter     = tapReporter{}
	_ Reporter     = githubReporter{}
	_ Reporter     = gitlabReporter{}
	_ Reporter     = markdownReporter{}
	_ EvalReporter = textReporter{}
	_ EvalReporter = jsonReporter{}
	_ EvalReporter = junitReporter{}
	_ EvalReporter = sarifReporter{}
	_ EvalReporter = tapReporter{}
	_ EvalReporter = githubReporter{}
)

// write sends a fully rendered report in one call, so a failing writer
// leaves no half-report behind and every format handles errors alike.
func write(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}
