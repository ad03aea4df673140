package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
)

func TestUpdatersChangeOneLine(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		update config.Update
		digest string
		file   string
		diff   []string
	}{
		{
			name:   "kustomize digest",
			path:   "staging",
			update: config.Update{Type: "kustomize", File: "kustomization.yaml", Image: repoImg},
			file:   "kustomization.yaml",
			diff: []string{
				"-    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000 # set by slipway",
				"+    digest: " + digestA + " # set by slipway",
			},
		},
		{
			name:   "kustomize digest replaces newTag",
			path:   "production",
			update: config.Update{Type: "kustomize", File: "kustomization.yaml", Image: repoImg},
			file:   "kustomization.yaml",
			diff: []string{
				`-    newTag: "1.3.0"   # replaced by a digest on the first promotion`,
				"+    digest: " + digestA + "   # replaced by a digest on the first promotion",
			},
		},
		{
			name:   "kustomize adds newName",
			path:   "production",
			update: config.Update{Type: "kustomize", File: "kustomization.yaml", Image: repoImg, NewName: "mirror.example.com/iris"},
			file:   "kustomization.yaml",
			diff: []string{
				`-    newTag: "1.3.0"   # replaced by a digest on the first promotion`,
				"+    newName: mirror.example.com/iris",
				"+    digest: " + digestA + "   # replaced by a digest on the first promotion",
			},
		},
		{
			name:   "helm values key",
			path:   "chart",
			update: config.Update{Type: "helm", File: "values-staging.yaml", Key: "image.digest"},
			file:   "values-staging.yaml",
			diff: []string{
				"-  digest: sha256:1111111111111111111111111111111111111111111111111111111111111111   # written by slipway",
				"+  digest: " + digestA + "   # written by slipway",
			},
		},
		{
			name:   "manifest container",
			path:   "base",
			update: config.Update{Type: "manifest", Container: "model"},
			file:   "deployment.yaml",
			diff: []string{
				"-          image: registry.example.com/acme/iris-server:latest",
				"+          image: registry.example.com/acme/iris-server@" + digestA,
			},
		},
		{
			name:   "manifest of an Argo Rollout",
			path:   "rollouts",
			update: config.Update{Type: "manifest", File: "rollout.yaml", Container: "model"},
			file:   "rollout.yaml",
			diff: []string{
				"-          image: registry.example.com/acme/iris-server@sha256:1111111111111111111111111111111111111111111111111111111111111111",
				"+          image: registry.example.com/acme/iris-server@" + digestA,
			},
		},
		{
			name:   "blue-green writes the idle slot and flips",
			path:   "chart",
			update: config.Update{Type: "blue-green", File: "values-production.yaml", Key: "{slot}.image.digest", Active: "activeSlot", Slots: []string{"blue", "green"}},
			file:   "values-production.yaml",
			diff: []string{
				"-activeSlot: blue",
				"+activeSlot: green",
				`-    digest: "sha256:2222222222222222222222222222222222222222222222222222222222222222"`,
				`+    digest: "` + digestA + `"`,
			},
		},
		{
			name:   "blue-green back to the idle slot's digest only flips",
			path:   "chart",
			digest: "sha256:2222222222222222222222222222222222222222222222222222222222222222",
			update: config.Update{Type: "blue-green", File: "values-production.yaml", Key: "{slot}.image.digest", Active: "activeSlot", Slots: []string{"blue", "green"}},
			file:   "values-production.yaml",
			diff:   []string{"-activeSlot: blue", "+activeSlot: green"},
		},
		{
			name:   "canary image and weight",
			path:   "rollouts",
			update: config.Update{Type: "canary", File: "rollout.yaml", Key: "spec.template.spec.containers[name=model].image", WeightKey: "spec.strategy.canary.steps[0].setWeight", Weight: 20},
			file:   "rollout.yaml",
			diff: []string{
				"-        - setWeight: 10",
				"+        - setWeight: 20",
				"-          image: registry.example.com/acme/iris-server@sha256:1111111111111111111111111111111111111111111111111111111111111111",
				"+          image: registry.example.com/acme/iris-server@" + digestA,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyTree(t)
			before := readFile(t, filepath.Join(dir, tt.path), tt.file)
			digest := tt.digest
			if digest == "" {
				digest = digestA
			}
			changed := edit(t, dir, tt.path, tt.update, digest)
			assert.Equal(t, []string{filepath.Join(tt.path, tt.file)}, changed)
			after := readFile(t, filepath.Join(dir, tt.path), tt.file)
			assert.Equal(t, tt.diff, lineDiff(before, after), "diff of %s after %s", tt.file, tt.update.Type)
			// The same edit again changes nothing.
			assert.Empty(t, edit(t, dir, tt.path, tt.update, digest), "second %s", tt.update.Type)
		})
	}
}

func edit(t *testing.T, dir, path string, u config.Update, digest string) []string {
	t.Helper()
	root, err := os.OpenRoot(filepath.Join(dir, path))
	require.NoError(t, err)
	defer root.Close()
	e := newEditor(root, path)
	require.NoError(t, e.apply(u, Image{Repository: repoImg, Digest: digest}))
	changed, err := e.save()
	require.NoError(t, err)
	return changed
}

func TestUpdatersBadInput(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		update config.Update
		want   string
		setup  func(dir string)
	}{
		{"kustomize image not found", "staging", config.Update{Type: "kustomize", File: "kustomization.yaml", Image: "iris"},
			"staging/kustomization.yaml: image iris not found: its images are registry.example.com/tools/exporter, registry.example.com/acme/iris-server", nil},
		{"file not found", "staging", config.Update{Type: "kustomize", File: "kustomize.yaml", Image: "iris"},
			"staging/kustomize.yaml not found in the deploy repository (YAML files under staging: kustomization.yaml)", nil},
		{"values key path missing", "chart", config.Update{Type: "helm", File: "values-staging.yaml", Key: "image.sha"},
			"chart/values-staging.yaml: key path image.sha not found: image has no sha (its keys: repository, digest, pullPolicy)", nil},
		{"values key path is a mapping", "chart", config.Update{Type: "helm", File: "values-staging.yaml", Key: "image"},
			"chart/values-staging.yaml:2: key path image is a mapping, not a value", nil},
		{"container not found", "base", config.Update{Type: "manifest", Container: "server"},
			"container server not found in the YAML files under base: the containers there are Deployment/iris: model; Deployment/iris: metrics-sidecar", nil},
		{"not YAML", "chart", config.Update{Type: "helm", File: "values-staging.yaml", Key: "image.digest"},
			"chart/values-staging.yaml is not YAML: ", func(dir string) {
				os.WriteFile(filepath.Join(dir, "chart", "values-staging.yaml"), []byte("image: [unclosed\n  {: x"), 0o644)
			}},
		{"blue-green slot unknown", "chart", config.Update{Type: "blue-green", File: "values-production.yaml", Key: "{slot}.image.digest", Active: "replicas", Slots: []string{"blue", "green"}},
			`chart/values-production.yaml:14: replicas is "3": want one of the slots blue, green`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyTree(t)
			if tt.setup != nil {
				tt.setup(dir)
			}
			root, err := os.OpenRoot(filepath.Join(dir, tt.path))
			require.NoError(t, err)
			defer root.Close()
			err = newEditor(root, tt.path).apply(tt.update, Image{Repository: repoImg, Digest: digestA})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
		})
	}
}
