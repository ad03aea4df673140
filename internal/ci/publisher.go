package ci

import (
	"context"
	"io"
	"net/http"
	"os"
)

// Publisher reports a gate's result in a CI system's own places. Each
// platform implements it; New picks one. A Publisher is not safe for
// concurrent use.
type Publisher interface {
	// SetOutputs makes key/values available to later steps or jobs: GitHub
	// step outputs, a GitLab dotenv report, a JSON file on Jenkins. Values
	// accumulate: a second call adds to and overrides the first.
	SetOutputs(outputs map[string]string) error
	// Annotate reports findings where the system shows them (GitHub
	// error, warning and notice annotations on a file and line).
	Annotate(findings []Annotation) error
	// Summary publishes the markdown report for one model: the GitHub step
	// summary, one GitLab merge-request note per model updated in place, a
	// file on Jenkins. marker is a hidden string unique to the model (an
	// HTML comment) that finds its earlier note.
	Summary(ctx context.Context, modelName, marker, markdown string) error
	// Mask hides a secret value in the job log where the system can.
	Mask(secret string)
}

var (
	_ Publisher = (*githubPublisher)(nil)
	_ Publisher = (*gitlabPublisher)(nil)
	_ Publisher = (*jenkinsPublisher)(nil)
	_ Publisher = localPublisher{}
)

// options configure New.
type options struct {
	getenv      func(string) string
	w           io.Writer
	outputsPath string
	reportPath  string
	gitlabURL   string
	gitlabToken string
	httpClient  *http.Client
}

// Option configures New.
type Option func(*options)

// WithGetenv sets where variables are read (default os.Getenv).
func WithGetenv(getenv func(string) string) Option {
	return func(o *options) { o.getenv = getenv }
}

// WithWriter sets where workflow commands (GitHub annotations and masks)
// and diagnostics go. The default is os.Stderr: the GitHub runner reads
// commands from both streams, and stdout carries results (--output json)
// that a workflow command would corrupt.
func WithWriter(w io.Writer) Option { return func(o *options) { o.w = w } }

// WithOutputsPath sets the file SetOutputs writes on GitLab (default
// slipway.env) and Jenkins (default slipway-outputs.json), relative to the
// working directory.
func WithOutputsPath(path string) Option { return func(o *options) { o.outputsPath = path } }

// WithReportPath sets the markdown file Summary writes on Jenkins (default
// slipway-report.md).
func WithReportPath(path string) Option { return func(o *options) { o.reportPath = path } }

// WithGitLabURL sets the GitLab API base URL (default CI_API_V4_URL, else
// CI_SERVER_URL/api/v4).
func WithGitLabURL(url string) Option { return func(o *options) { o.gitlabURL = url } }

// WithGitLabToken sets the token for merge-request notes, overriding the
// variables (SLIPWAY_GITLAB_TOKEN, GITLAB_TOKEN; CI_JOB_TOKEN is never used
// for notes). It is sent as PRIVATE-TOKEN.
func WithGitLabToken(token string) Option { return func(o *options) { o.gitlabToken = token } }

// WithHTTPClient sets the client for GitLab API calls.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// New returns the Publisher for p.
func New(p Platform, opts ...Option) Publisher {
	o := options{getenv: os.Getenv, w: os.Stderr}
	for _, opt := range opts {
		opt(&o)
	}
	switch p {
	case GitHub:
		return newGitHub(o)
	case GitLab:
		return newGitLab(o)
	case Jenkins:
		return newJenkins(o)
	}
	return localPublisher{}
}
