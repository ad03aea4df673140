package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// exampleEdit applies env's updates of examples/gitops/slipway.yaml to a
// copy of examples/gitops/deploy and returns the copy's folder and the
// changed files' diffs.
func exampleEdit(t *testing.T, env string) (string, map[string][]string) {
	t.Helper()
	cfg, err := config.Load("../../examples/gitops/slipway.yaml")
	require.NoError(t, err)
	e, err := cfg.Environment(env)
	require.NoError(t, err)
	require.NotNil(t, e.Deploy, "environment %s has a deploy block", env)
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("../../examples/gitops/deploy")))
	before := map[string]string{}
	root, err := os.OpenRoot(filepath.Join(dir, e.Deploy.Path))
	require.NoError(t, err)
	defer root.Close()
	ed := newEditor(root, e.Deploy.Path)
	for _, u := range e.Deploy.Updates {
		require.NoError(t, ed.apply(u, Image{Repository: repoImg, Digest: digestA}))
	}
	for name, f := range ed.files {
		before[filepath.Join(e.Deploy.Path, name)] = string(f.src)
	}
	changed, err := ed.save()
	require.NoError(t, err)
	diffs := map[string][]string{}
	for _, name := range changed {
		diffs[name] = lineDiff(before[name], readFile(t, dir, name))
	}
	return dir, diffs
}

// rendered parses a tool's YAML output into its documents.
func rendered(t *testing.T, out []byte) []*yaml.RNode {
	t.Helper()
	var docs []*yaml.RNode
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err)
		docs = append(docs, yaml.NewRNode(n.Content[0]))
	}
}

func field1(t *testing.T, doc *yaml.RNode, path ...string) string {
	t.Helper()
	n, err := doc.Pipe(yaml.Lookup(path...))
	require.NoError(t, err)
	require.NotNil(t, n, "%s %s has %v", doc.GetKind(), doc.GetName(), path)
	return yaml.GetValue(n)
}

func TestExampleKustomizeOverlayRendersTheDigest(t *testing.T) {
	kustomize := registrytest.Tool(t, "kustomize")
	dir, diffs := exampleEdit(t, "staging")
	assert.Equal(t, map[string][]string{"overlays/staging/kustomization.yaml": {
		"-    newTag: bootstrap # replaced by the promoted digest",
		"+    digest: " + digestA + " # replaced by the promoted digest",
	}}, diffs)
	out, err := exec.Command(kustomize, "build", filepath.Join(dir, "overlays", "staging")).CombinedOutput()
	require.NoError(t, err, "kustomize build: %s", out)
	assert.Equal(t, 1, strings.Count(string(out), digestA), "the digest appears once:\n%s", out)
	for _, doc := range rendered(t, out) {
		if doc.GetKind() == "Deployment" {
			assert.Equal(t, repoImg+"@"+digestA, field1(t, doc, "spec", "template", "spec", "containers", "[name=model]", "image"))
			assert.Equal(t, "iris-staging", doc.GetNamespace())
		}
	}
}

func TestExampleHelmBlueGreenRendersTheDigest(t *testing.T) {
	helm := registrytest.Tool(t, "helm")
	dir, diffs := exampleEdit(t, "production")
	assert.Equal(t, map[string][]string{"charts/iris/values.yaml": {
		"-activeSlot: blue", "+activeSlot: green",
		"-    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"+    digest: " + digestA,
	}}, diffs)
	out, err := exec.Command(helm, "template", "iris", filepath.Join(dir, "charts", "iris")).CombinedOutput()
	require.NoError(t, err, "helm template: %s", out)
	assert.Equal(t, 1, strings.Count(string(out), digestA), "the digest appears once:\n%s", out)
	seen := map[string]string{}
	for _, doc := range rendered(t, out) {
		switch doc.GetKind() {
		case "Deployment":
			seen[doc.GetName()] = field1(t, doc, "spec", "template", "spec", "containers", "[name=model]", "image")
		case "Service":
			seen["service slot"] = field1(t, doc, "spec", "selector", "slot")
		}
	}
	assert.Equal(t, map[string]string{
		"iris-green":   repoImg + "@" + digestA,
		"iris-blue":    repoImg + "@sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"service slot": "green",
	}, seen)
}

func TestExampleArgoRolloutCanary(t *testing.T) {
	_, diffs := exampleEdit(t, "canary")
	assert.Equal(t, map[string][]string{"rollouts/iris-canary.yaml": {
		"-          image: registry.example.com/acme/iris-server@sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"+          image: registry.example.com/acme/iris-server@" + digestA,
	}}, diffs, "the weight was 10 already: only the image line changes")
}
