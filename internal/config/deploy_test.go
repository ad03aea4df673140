package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestDeployBlock(t *testing.T) {
	c, err := Parse("slipway.yaml", []byte(`environments:
  - name: staging
    deploy:
      repo: https://github.com/acme/deploy.git
      path: clusters/staging
      updates:
        - type: kustomize
          image: iris-server
        - type: blue-green
          file: values.yaml
`))
	require.NoError(t, err)
	d := c.Environments[0].Deploy
	require.NotNil(t, d)
	assert.Equal(t, "main", d.Branch)
	assert.Equal(t, DeployCommit, d.Mode)
	assert.Equal(t, EnvGitToken, d.TokenEnv)
	assert.Equal(t, "kustomization.yaml", d.Updates[0].File)
	assert.Equal(t, "{slot}.image.digest", d.Updates[1].Key)
	assert.Equal(t, []string{"blue", "green"}, d.Updates[1].Slots)
}

func TestDeployBlockErrors(t *testing.T) {
	const head = "environments:\n  - name: staging\n    deploy:\n"
	tests := []struct{ name, body, want string }{
		{"no repo", "      updates: [{type: kustomize, image: x}]\n", `slipway.yaml:4: environment "staging": deploy.repo: required`},
		{"bad repo", "      repo: not a url\n      updates: [{type: kustomize, image: x}]\n", "deploy.repo: not a url is not a git URL"},
		{"bad mode", "      repo: file:///r.git\n      mode: merge\n      updates: [{type: kustomize, image: x}]\n", "deploy.mode: merge: want commit or pull-request"},
		{"escaping path", "      repo: file:///r.git\n      path: ../x\n      updates: [{type: kustomize, image: x}]\n", "deploy.path: ../x: want a folder inside the repository"},
		{"no updates", "      repo: file:///r.git\n", "deploy.updates: required"},
		{"unknown field", "      repo: file:///r.git\n      brnch: main\n      updates: [{type: kustomize, image: x}]\n", "field brnch is not one of its settings"},
		{"unknown type", "      repo: file:///r.git\n      updates: [{type: jsonnet}]\n", "deploy.updates[0].type: jsonnet: want kustomize, helm, manifest, blue-green or canary"},
		{"helm without key", "      repo: file:///r.git\n      updates: [{type: helm, file: values.yaml}]\n", "deploy.updates[0].key: required for helm"},
		{"kustomize without image", "      repo: file:///r.git\n      updates: [{type: kustomize}]\n", "deploy.updates[0].image: required for kustomize"},
		{"manifest without container", "      repo: file:///r.git\n      updates:\n        - type: manifest\n", "slipway.yaml:6: environment \"staging\": deploy.updates[0].container: required for manifest"},
		{"canary weight", "      repo: file:///r.git\n      updates: [{type: canary, file: r.yaml, key: a, weightKey: b, weight: 120}]\n", "deploy.updates[0].weight: want the canary's traffic weight, 0 to 100"},
		{"blue-green key", "      repo: file:///r.git\n      updates: [{type: blue-green, file: v.yaml, key: image.digest}]\n", "deploy.updates[0].key: image.digest: want {slot}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("slipway.yaml", []byte(head+tt.body))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, fault.Usage, fault.KindOf(err))
		})
	}
}
