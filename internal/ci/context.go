package ci

import (
	"cmp"
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Job is where a verb runs: the CI system and its repository, branch,
// commit, merge request, actor and run (what policies see as input.ci).
type Job struct {
	Platform      string `json:"platform"` // github, gitlab, jenkins, circleci, local
	Repository    string `json:"repository,omitempty"`
	Branch        string `json:"branch,omitempty"`
	DefaultBranch string `json:"default_branch,omitempty"`
	Commit        string `json:"commit,omitempty"`
	MergeRequest  string `json:"merge_request,omitempty"`
	Actor         string `json:"actor,omitempty"`
	RunURL        string `json:"run_url,omitempty"`
	Event         string `json:"event,omitempty"`
}

// Context describes the job from each system's standard variables: what
// policies see as input.ci. Locally it holds only the platform; git is not
// required and not asked.
func Context(getenv func(string) string) Job {
	switch p := Detect(getenv); p {
	case GitHub:
		return githubContext(getenv)
	case GitLab:
		return gitlabContext(getenv)
	case Jenkins:
		return jenkinsContext(getenv)
	case CircleCI:
		return circleciContext(getenv)
	default:
		return Job{Platform: string(p)}
	}
}

func githubContext(getenv func(string) string) Job {
	c := Job{
		Platform:     string(GitHub),
		Repository:   getenv("GITHUB_REPOSITORY"),
		Branch:       getenv("GITHUB_HEAD_REF"), // the source branch of a pull request
		Commit:       getenv("GITHUB_SHA"),
		MergeRequest: pullNumber(getenv("GITHUB_REF")),
		Actor:        getenv("GITHUB_ACTOR"),
		Event:        getenv("GITHUB_EVENT_NAME"),
	}
	if c.Branch == "" && getenv("GITHUB_REF_TYPE") != "tag" {
		c.Branch = getenv("GITHUB_REF_NAME")
	}
	if server, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_RUN_ID"); server != "" && c.Repository != "" && run != "" {
		c.RunURL = strings.TrimSuffix(server, "/") + "/" + c.Repository + "/actions/runs/" + run
	}
	if ev, ok := readEvent(getenv("GITHUB_EVENT_PATH")); ok {
		c.DefaultBranch = ev.Repository.DefaultBranch
		if c.MergeRequest == "" && ev.PullRequest.Number > 0 {
			// pull_request_target runs on the base branch's ref.
			c.MergeRequest = strconv.Itoa(ev.PullRequest.Number)
		}
	}
	return c
}

// pullNumber is N from refs/pull/N/merge (or /head).
func pullNumber(ref string) string {
	rest, ok := strings.CutPrefix(ref, "refs/pull/")
	if !ok {
		return ""
	}
	n, _, _ := strings.Cut(rest, "/")
	if _, err := strconv.Atoi(n); err != nil {
		return ""
	}
	return n
}

// githubEvent is the part of the webhook payload the context uses.
type githubEvent struct {
	Repository struct {
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
	PullRequest struct {
		Number int `json:"number"`
	} `json:"pull_request"`
}

// readEvent reads the payload file; an unreadable one is not an error, the
// fields it would give are only left empty.
func readEvent(path string) (githubEvent, bool) {
	var ev githubEvent
	if path == "" {
		return ev, false
	}
	f, err := os.Open(path)
	if err != nil {
		return ev, false
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(&ev); err != nil {
		return ev, false
	}
	return ev, true
}

func gitlabContext(getenv func(string) string) Job {
	c := Job{
		Platform:      string(GitLab),
		Repository:    getenv("CI_PROJECT_PATH"),
		Branch:        getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
		DefaultBranch: getenv("CI_DEFAULT_BRANCH"),
		Commit:        getenv("CI_COMMIT_SHA"),
		MergeRequest:  getenv("CI_MERGE_REQUEST_IID"),
		Actor:         getenv("GITLAB_USER_LOGIN"),
		RunURL:        getenv("CI_JOB_URL"),
		Event:         getenv("CI_PIPELINE_SOURCE"),
	}
	if c.Branch == "" && getenv("CI_COMMIT_TAG") == "" {
		c.Branch = getenv("CI_COMMIT_REF_NAME")
	}
	if c.RunURL == "" {
		c.RunURL = getenv("CI_PIPELINE_URL")
	}
	return c
}

// jenkinsContext has no event and no default branch: Jenkins has no
// standard variable for either.
func jenkinsContext(getenv func(string) string) Job {
	c := Job{
		Platform:     string(Jenkins),
		Repository:   withoutUserinfo(getenv("GIT_URL")),
		Branch:       cmp.Or(getenv("CHANGE_BRANCH"), getenv("BRANCH_NAME")), // BRANCH_NAME is "PR-12" on a change
		Commit:       getenv("GIT_COMMIT"),
		MergeRequest: getenv("CHANGE_ID"),
		Actor:        cmp.Or(getenv("BUILD_USER_ID"), getenv("CHANGE_AUTHOR")),
		RunURL:       getenv("BUILD_URL"),
	}
	if c.Branch == "" {
		// The git plugin's GIT_BRANCH names the remote: origin/main.
		c.Branch = strings.TrimPrefix(getenv("GIT_BRANCH"), "origin/")
	}
	return c
}

// circleciContext reads CircleCI's built-in variables; a pull request is
// known only by its URL (CIRCLE_PULL_REQUEST), whose last segment is its
// number.
func circleciContext(getenv func(string) string) Job {
	c := Job{
		Platform: string(CircleCI),
		Branch:   getenv("CIRCLE_BRANCH"),
		Commit:   getenv("CIRCLE_SHA1"),
		Actor:    getenv("CIRCLE_USERNAME"),
		RunURL:   getenv("CIRCLE_BUILD_URL"),
	}
	if owner, repo := getenv("CIRCLE_PROJECT_USERNAME"), getenv("CIRCLE_PROJECT_REPONAME"); owner != "" && repo != "" {
		c.Repository = owner + "/" + repo
	}
	if pr := getenv("CIRCLE_PULL_REQUEST"); pr != "" {
		c.MergeRequest = pr[strings.LastIndex(pr, "/")+1:]
	}
	return c
}

// withoutUserinfo drops credentials from a clone URL
// (https://user:token@host/repo.git), which must not reach a report.
func withoutUserinfo(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err == nil && u.User != nil:
		u.User = nil
		return u.String()
	case err != nil && strings.Contains(raw, "://"):
		return "" // a URL that does not parse may still hold credentials
	}
	return raw // includes scp-like git@host:org/repo.git
}
