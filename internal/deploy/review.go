package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
)

// PullRequest is the pull request (GitHub) or merge request (GitLab) that
// carries a promotion in pull-request mode.
type PullRequest struct {
	// URL is the page of the pull or merge request.
	URL string `json:"url"`
	// Number is its number (GitLab: the project-scoped IID).
	Number int64 `json:"number"`
	// Created is set when this run opened it; otherwise an open one for
	// the environment's branch was updated.
	Created bool `json:"created,omitempty"`
}

// review is what a pull or merge request says.
type review struct {
	title, body, head, base string
}

// provider is github or gitlab: as configured, else from the host.
func provider(t config.Deploy) string {
	if t.Provider != "" {
		return t.Provider
	}
	host := hostOf(t.Repo)
	switch {
	case host == "github.com":
		return "github"
	case strings.Contains(host, "gitlab"):
		return "gitlab"
	}
	return ""
}

func hostOf(repo string) string {
	if u, err := url.Parse(repo); err == nil && u.Scheme != "" {
		return u.Hostname()
	}
	host, _, _ := strings.Cut(repo, ":")
	if _, h, ok := strings.Cut(host, "@"); ok {
		host = h
	}
	return host
}

// projectPath is owner/name (GitLab: group/…/name) of the repository URL.
func projectPath(repo string) string {
	p := repo
	if u, err := url.Parse(repo); err == nil && u.Scheme != "" {
		p = u.Path
	} else if _, rest, ok := strings.Cut(repo, ":"); ok {
		p = rest
	}
	return strings.TrimSuffix(strings.Trim(p, "/"), ".git")
}

// openReview opens a pull or merge request from rv.head to rv.base, or
// updates the open one for rv.head: one per environment, never two.
func openReview(ctx context.Context, t config.Deploy, r *remote, hc *http.Client, token string, rv review) (*PullRequest, error) {
	if token == "" {
		return nil, fault.Usagef("mode: pull-request needs an API token in %s (its value is never printed)", "$"+t.TokenEnv)
	}
	switch provider(t) {
	case "github":
		api := cmpOr(t.API, "https://api.github.com")
		return githubReview(ctx, hc, strings.TrimSuffix(api, "/"), projectPath(t.Repo), token, r, rv)
	case "gitlab":
		api := cmpOr(t.API, "https://"+hostOf(t.Repo)+"/api/v4")
		return gitlabReview(ctx, hc, api, projectPath(t.Repo), token, r, rv)
	}
	return nil, fault.Usagef("mode: pull-request: cannot tell whether %s is on GitHub or GitLab: set deploy.provider (github or gitlab) and deploy.api", r.display())
}

type githubPull struct {
	Number  int64  `json:"number"`
	HTMLURL string `json:"html_url"`
}

// githubReview uses the REST API: list the open pulls of head, then
// PATCH the first or POST a new one.
func githubReview(ctx context.Context, hc *http.Client, api, project, token string, r *remote, rv review) (*PullRequest, error) {
	owner, _, _ := strings.Cut(project, "/")
	base := api + "/repos/" + project + "/pulls"
	q := url.Values{"state": {"open"}, "head": {owner + ":" + rv.head}, "base": {rv.base}}
	var open []githubPull
	if err := githubCall(ctx, hc, http.MethodGet, base+"?"+q.Encode(), token, nil, &open, r); err != nil {
		return nil, err
	}
	body := map[string]string{"title": rv.title, "body": rv.body}
	var pr githubPull
	if len(open) > 0 {
		if err := githubCall(ctx, hc, http.MethodPatch, fmt.Sprintf("%s/%d", base, open[0].Number), token, body, &pr, r); err != nil {
			return nil, err
		}
		return &PullRequest{URL: pr.HTMLURL, Number: pr.Number}, nil
	}
	body["head"], body["base"] = rv.head, rv.base
	if err := githubCall(ctx, hc, http.MethodPost, base, token, body, &pr, r); err != nil {
		return nil, err
	}
	return &PullRequest{URL: pr.HTMLURL, Number: pr.Number, Created: true}, nil
}

func githubCall(ctx context.Context, hc *http.Client, method, u, token string, in, out any, r *remote) error {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fault.Runtimef("GitHub API %s %s: %w", method, redactQuery(u), r.scrub(err))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		what := fmt.Sprintf("GitHub API %s %s: %s %s", method, redactQuery(u), resp.Status, e.Message)
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fault.Usagef("%s: the token in %s was refused (its value is not shown)", what, r.credential)
		case http.StatusNotFound:
			return fault.Usagef("%s: no such repository, or the token in %s cannot see it", what, r.credential)
		}
		return fault.Runtimef("%s", what)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fault.Runtimef("GitHub API %s %s: reading the answer: %w", method, redactQuery(u), err)
	}
	return nil
}

func redactQuery(u string) string {
	s, _, _ := strings.Cut(u, "?")
	return s
}

// gitlabReview uses the GitLab client: list the opened merge requests of
// the source branch, then update the first or create one.
func gitlabReview(ctx context.Context, hc *http.Client, api, project, token string, r *remote, rv review) (*PullRequest, error) {
	client, err := gitlab.NewClient(token, gitlab.WithBaseURL(api), gitlab.WithHTTPClient(hc), gitlab.WithoutRetries())
	if err != nil {
		return nil, fault.Usagef("deploy.api %s: %v", api, err)
	}
	fail := func(doing string, resp *gitlab.Response, err error) error {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return fault.Usagef("GitLab API: %s: the token in %s was refused (its value is not shown): %v", doing, r.credential, r.scrub(err))
		}
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return fault.Usagef("GitLab API: %s: project %s not found, or the token in %s cannot see it", doing, project, r.credential)
		}
		return fault.Runtimef("GitLab API: %s: %w", doing, r.scrub(err))
	}
	open, resp, err := client.MergeRequests.ListProjectMergeRequests(project, &gitlab.ListProjectMergeRequestsOptions{
		State: gitlab.Ptr("opened"), SourceBranch: gitlab.Ptr(rv.head), TargetBranch: gitlab.Ptr(rv.base),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, fail("listing merge requests of "+project, resp, err)
	}
	if len(open) > 0 {
		mr, resp, err := client.MergeRequests.UpdateMergeRequest(project, open[0].IID, &gitlab.UpdateMergeRequestOptions{
			Title: gitlab.Ptr(rv.title), Description: gitlab.Ptr(rv.body),
		}, gitlab.WithContext(ctx))
		if err != nil {
			return nil, fail(fmt.Sprintf("updating merge request !%d", open[0].IID), resp, err)
		}
		return &PullRequest{URL: mr.WebURL, Number: mr.IID}, nil
	}
	mr, resp, err := client.MergeRequests.CreateMergeRequest(project, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr(rv.title), Description: gitlab.Ptr(rv.body),
		SourceBranch: gitlab.Ptr(rv.head), TargetBranch: gitlab.Ptr(rv.base),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, fail("creating a merge request in "+project, resp, err)
	}
	return &PullRequest{URL: mr.WebURL, Number: mr.IID, Created: true}, nil
}
