package imagebuild

import (
	"strings"

	"github.com/slipwayhq/slipway/internal/ci"
)

// provenance is where the build's inputs come from, in CI: the repository
// URL and the commit, for the org.opencontainers.image.source and revision
// annotations. Locally (or with no getenv) there is none.
func provenance(getenv func(string) string) (source, revision string) {
	if getenv == nil {
		return "", ""
	}
	job := ci.Context(getenv)
	switch ci.Platform(job.Platform) {
	case ci.GitHub:
		if server := getenv("GITHUB_SERVER_URL"); server != "" && job.Repository != "" {
			source = strings.TrimSuffix(server, "/") + "/" + job.Repository
		}
	case ci.GitLab:
		source = getenv("CI_PROJECT_URL")
	case ci.Jenkins:
		source = job.Repository
	}
	return source, job.Commit
}
