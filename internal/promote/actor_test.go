package promote

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/slipwayhq/slipway/internal/ci"
)

// The actor recorded with a promotion is the CI system's, even in a job
// container where $USER is unset; locally the login the environment names.
func TestActor(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"github, no $USER", map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "octocat"}, "octocat"},
		{"gitlab, no $USER", map[string]string{"GITLAB_CI": "true", "GITLAB_USER_LOGIN": "alice"}, "alice"},
		{"circleci, no $USER", map[string]string{"CIRCLECI": "true", "CIRCLE_USERNAME": "dana"}, "dana"},
		{"jenkins change, $USER set", map[string]string{"JENKINS_URL": "x", "CHANGE_AUTHOR": "carol", "USER": "jenkins"}, "carol"},
		{"local", map[string]string{"USER": "bob"}, "bob"},
		{"local, only LOGNAME", map[string]string{"LOGNAME": "eve"}, "eve"},
		{"nothing", nil, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(f func() string) { osLogin = f }(osLogin)
			osLogin = func() string { return "" }
			getenv := func(k string) string { return tc.vars[k] }
			assert.Equal(t, tc.want, Actor(ci.Context(getenv), getenv))
		})
	}
}

// Without $USER and the like (a container's shell), the actor is the
// account the process runs as, before "unknown".
func TestActorFallsBackToTheAccount(t *testing.T) {
	defer func(f func() string) { osLogin = f }(osLogin)
	osLogin = func() string { return "svc-deploy" }
	getenv := func(string) string { return "" }
	assert.Equal(t, "svc-deploy", Actor(ci.Context(getenv), getenv))
	getenv = func(k string) string { return map[string]string{"USER": "bob"}[k] }
	assert.Equal(t, "bob", Actor(ci.Context(getenv), getenv), "$USER comes first")
}
