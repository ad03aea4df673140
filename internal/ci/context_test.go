package ci

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// env is a getenv over a fixed set of variables.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want Platform
	}{
		{"github", map[string]string{"GITHUB_ACTIONS": "true"}, GitHub},
		{"gitlab", map[string]string{"GITLAB_CI": "true"}, GitLab},
		{"jenkins", map[string]string{"JENKINS_URL": "https://ci.example.com/"}, Jenkins},
		{"circleci", map[string]string{"CIRCLECI": "true"}, CircleCI},
		{"nothing set", nil, Local},
		{"github not true", map[string]string{"GITHUB_ACTIONS": "false"}, Local},
		{"github wins over jenkins", map[string]string{"GITHUB_ACTIONS": "true", "JENKINS_URL": "x"}, GitHub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(env(tt.vars)); got != tt.want {
				t.Errorf("Detect(%v) = %q, want %q", tt.vars, got, tt.want)
			}
		})
	}
}

func TestContext(t *testing.T) {
	dir := t.TempDir()
	pushEvent := filepath.Join(dir, "push.json")
	require.NoError(t, os.WriteFile(pushEvent, []byte(`{"repository":{"default_branch":"trunk"}}`), 0o644))
	targetEvent := filepath.Join(dir, "target.json")
	require.NoError(t, os.WriteFile(targetEvent, []byte(`{"number":9,"pull_request":{"number":9},"repository":{"default_branch":"main"}}`), 0o644))
	tornEvent := filepath.Join(dir, "torn.json")
	require.NoError(t, os.WriteFile(tornEvent, []byte(`{"repository":`), 0o644))

	github := map[string]string{
		"GITHUB_ACTIONS":    "true",
		"GITHUB_REPOSITORY": "acme/models",
		"GITHUB_SHA":        "0123abc",
		"GITHUB_ACTOR":      "octocat",
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_RUN_ID":     "1234",
	}
	with := func(base map[string]string, extra ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	githubWant := func(c Job) Job {
		c.Platform, c.Repository, c.Commit, c.Actor = "github", "acme/models", "0123abc", "octocat"
		c.RunURL = "https://github.com/acme/models/actions/runs/1234"
		return c
	}
	gitlab := map[string]string{
		"GITLAB_CI":          "true",
		"CI_PROJECT_PATH":    "acme/ml/models",
		"CI_COMMIT_REF_NAME": "feature/x",
		"CI_DEFAULT_BRANCH":  "main",
		"CI_COMMIT_SHA":      "fedcba9",
		"GITLAB_USER_LOGIN":  "alice",
		"CI_JOB_URL":         "https://gitlab.example.com/acme/ml/models/-/jobs/77",
		"CI_PIPELINE_SOURCE": "push",
	}
	gitlabWant := Job{
		Platform: "gitlab", Repository: "acme/ml/models", Branch: "feature/x", DefaultBranch: "main",
		Commit: "fedcba9", Actor: "alice", RunURL: "https://gitlab.example.com/acme/ml/models/-/jobs/77", Event: "push",
	}
	jenkins := map[string]string{
		"JENKINS_URL": "https://jenkins.example.com/",
		"GIT_URL":     "https://ci-bot:s3cret@git.example.com/acme/models.git",
		"GIT_COMMIT":  "abc999",
		"BUILD_URL":   "https://jenkins.example.com/job/models/12/",
	}
	jenkinsWant := Job{
		Platform: "jenkins", Repository: "https://git.example.com/acme/models.git",
		Commit: "abc999", RunURL: "https://jenkins.example.com/job/models/12/",
	}

	tests := []struct {
		name string
		vars map[string]string
		want Job
	}{
		{"local", map[string]string{"GIT_COMMIT": "ignored"}, Job{Platform: "local"}},
		{
			"github push with event payload",
			with(github, "GITHUB_REF", "refs/heads/main", "GITHUB_REF_NAME", "main", "GITHUB_REF_TYPE", "branch",
				"GITHUB_EVENT_NAME", "push", "GITHUB_EVENT_PATH", pushEvent),
			githubWant(Job{Branch: "main", DefaultBranch: "trunk", Event: "push"}),
		},
		{
			"github pull request",
			with(github, "GITHUB_REF", "refs/pull/17/merge", "GITHUB_REF_NAME", "17/merge",
				"GITHUB_HEAD_REF", "feature/x", "GITHUB_EVENT_NAME", "pull_request"),
			githubWant(Job{Branch: "feature/x", MergeRequest: "17", Event: "pull_request"}),
		},
		{
			"github pull_request_target takes the number from the payload",
			with(github, "GITHUB_REF", "refs/heads/main", "GITHUB_REF_NAME", "main", "GITHUB_HEAD_REF", "feature/y",
				"GITHUB_EVENT_NAME", "pull_request_target", "GITHUB_EVENT_PATH", targetEvent),
			githubWant(Job{Branch: "feature/y", DefaultBranch: "main", MergeRequest: "9", Event: "pull_request_target"}),
		},
		{
			"github tag has no branch",
			with(github, "GITHUB_REF", "refs/tags/v1", "GITHUB_REF_NAME", "v1", "GITHUB_REF_TYPE", "tag", "GITHUB_EVENT_NAME", "push"),
			githubWant(Job{Event: "push"}),
		},
		{
			"github torn payload leaves the default branch empty",
			with(github, "GITHUB_REF_NAME", "main", "GITHUB_EVENT_PATH", tornEvent),
			githubWant(Job{Branch: "main"}),
		},
		{
			"github missing payload file",
			with(github, "GITHUB_REF_NAME", "main", "GITHUB_EVENT_PATH", filepath.Join(dir, "absent.json")),
			githubWant(Job{Branch: "main"}),
		},
		{"gitlab branch pipeline", gitlab, gitlabWant},
		{
			"gitlab merge-request pipeline",
			with(gitlab, "CI_MERGE_REQUEST_IID", "5", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/mr",
				"CI_PIPELINE_SOURCE", "merge_request_event"),
			func() Job {
				c := gitlabWant
				c.Branch, c.MergeRequest, c.Event = "feature/mr", "5", "merge_request_event"
				return c
			}(),
		},
		{
			"gitlab tag pipeline has no branch",
			with(gitlab, "CI_COMMIT_TAG", "v1", "CI_COMMIT_REF_NAME", "v1"),
			func() Job { c := gitlabWant; c.Branch = ""; return c }(),
		},
		{
			"jenkins multibranch, credentials dropped from GIT_URL",
			with(jenkins, "BRANCH_NAME", "main", "GIT_BRANCH", "origin/main", "BUILD_USER_ID", "bob"),
			func() Job { c := jenkinsWant; c.Branch, c.Actor = "main", "bob"; return c }(),
		},
		{
			"jenkins change request",
			with(jenkins, "BRANCH_NAME", "PR-12", "CHANGE_BRANCH", "feature/z", "CHANGE_ID", "12", "CHANGE_AUTHOR", "carol"),
			func() Job {
				c := jenkinsWant
				c.Branch, c.MergeRequest, c.Actor = "feature/z", "12", "carol"
				return c
			}(),
		},
		{
			"circleci pull request, actor from CIRCLE_USERNAME",
			map[string]string{
				"CIRCLECI": "true", "CIRCLE_PROJECT_USERNAME": "acme", "CIRCLE_PROJECT_REPONAME": "models",
				"CIRCLE_BRANCH": "feature/x", "CIRCLE_SHA1": "abc123", "CIRCLE_USERNAME": "dana",
				"CIRCLE_PULL_REQUEST": "https://github.com/acme/models/pull/42", "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/models/7",
			},
			Job{
				Platform: "circleci", Repository: "acme/models", Branch: "feature/x", Commit: "abc123",
				MergeRequest: "42", Actor: "dana", RunURL: "https://circleci.com/gh/acme/models/7",
			},
		},
		{
			"jenkins freestyle with the git plugin's GIT_BRANCH",
			with(jenkins, "GIT_BRANCH", "origin/release", "GIT_URL", "git@git.example.com:acme/models.git"),
			func() Job {
				c := jenkinsWant
				c.Branch, c.Repository = "release", "git@git.example.com:acme/models.git"
				return c
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Context(env(tt.vars)), "Context(%v)", tt.vars)
		})
	}
}
