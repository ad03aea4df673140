package ci

// Platform is a CI system, named as input.ci.platform names it.
type Platform string

// The platforms Detect recognises.
const (
	GitHub   Platform = "github"
	GitLab   Platform = "gitlab"
	Jenkins  Platform = "jenkins"
	CircleCI Platform = "circleci"
	Local    Platform = "local"
)

// Detect says where the process runs from the variable each system sets on
// every job. When more than one is set (a runner started from another
// system's agent), the first in the order GitHub, GitLab, Jenkins, CircleCI
// wins.
func Detect(getenv func(string) string) Platform {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return GitHub
	case getenv("GITLAB_CI") == "true":
		return GitLab
	case getenv("JENKINS_URL") != "":
		return Jenkins
	case getenv("CIRCLECI") == "true":
		return CircleCI
	}
	return Local
}
