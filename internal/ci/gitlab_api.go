package ci

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/slipwayhq/slipway/internal/fault"
)

// GitLabAPI says how a job reaches GitLab's REST API. It is shared by the
// merge-request note here and by promote's releases.
type GitLabAPI struct {
	// BaseURL is the API root, e.g. https://gitlab.example.com/api/v4.
	BaseURL string
	// Token is sent as JOB-TOKEN when JobToken (CI_JOB_TOKEN), else as PRIVATE-TOKEN.
	Token    string
	JobToken bool
	// HTTPClient replaces the default client (tests); nil keeps it.
	HTTPClient *http.Client
	// Log receives the client's warnings; nil discards them.
	Log *slog.Logger
}

// GitLabAPIFromEnv reads the API root (CI_API_V4_URL, else CI_SERVER_URL +
// /api/v4) and the token, the first set of SLIPWAY_GITLAB_TOKEN and
// GITLAB_TOKEN (PRIVATE-TOKEN), else CI_JOB_TOKEN (JOB-TOKEN). The job token
// is for the endpoints GitLab lets it use (releases); merge-request notes
// drop it (gitlabPublisher.api).
func GitLabAPIFromEnv(getenv func(string) string) GitLabAPI {
	a := GitLabAPI{BaseURL: getenv("CI_API_V4_URL")}
	if a.BaseURL == "" && getenv("CI_SERVER_URL") != "" {
		a.BaseURL = strings.TrimSuffix(getenv("CI_SERVER_URL"), "/") + "/api/v4"
	}
	if a.Token = cmp.Or(getenv("SLIPWAY_GITLAB_TOKEN"), getenv("GITLAB_TOKEN")); a.Token == "" {
		a.Token, a.JobToken = getenv("CI_JOB_TOKEN"), true
	}
	return a
}

// Client returns a client for the API; an error never holds the token.
func (a GitLabAPI) Client() (*gitlab.Client, error) {
	if a.BaseURL == "" {
		return nil, fault.Runtimef("gitlab api: neither CI_API_V4_URL nor CI_SERVER_URL is set")
	}
	opts := []gitlab.ClientOptionFunc{gitlab.WithBaseURL(a.BaseURL), gitlab.WithUserAgent("slipway")}
	if a.HTTPClient != nil {
		opts = append(opts, gitlab.WithHTTPClient(a.HTTPClient))
	}
	if a.Log != nil {
		opts = append(opts, gitlab.WithURLWarningLogger(a.Log))
	}
	newClient := gitlab.NewClient
	if a.JobToken {
		newClient = gitlab.NewJobClient
	}
	c, err := newClient(a.Token, opts...)
	if err != nil {
		return nil, fault.Runtimef("gitlab api client for %s: %s", a.BaseURL, a.redact(err.Error()))
	}
	return c, nil
}

// Error describes a failed API call without the token: the cause is
// flattened to text with the token cut out, not wrapped, since its chain
// holds the request. A cancelled context stays wrapped for errors.Is. On a
// 401 or 403, authHint says what the token needs.
func (a GitLabAPI) Error(ctx context.Context, err error, authHint, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if ctx.Err() != nil {
		return fault.Runtimef("%s: %w", what, ctx.Err())
	}
	detail := a.redact(err.Error())
	var resp *gitlab.ErrorResponse
	if errors.As(err, &resp) && (resp.HasStatusCode(http.StatusUnauthorized) || resp.HasStatusCode(http.StatusForbidden)) {
		detail += " (" + authHint + ")"
	}
	return fault.Runtimef("%s: %s", what, detail)
}

func (a GitLabAPI) redact(s string) string {
	if a.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, a.Token, "[masked]")
}
