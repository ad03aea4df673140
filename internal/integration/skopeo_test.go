package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// Media types and annotations of a ModelPack artifact, spelled out here
// rather than taken from internal/modelpack, so the tests check the format
// and not whatever the code happens to say.
const (
	artifactType    = "application/vnd.cncf.model.manifest.v1+json"
	configMediaType = "application/vnd.cncf.model.config.v1+json"
	weightRaw       = "application/vnd.cncf.model.weight.v1.raw"
	docTar          = "application/vnd.cncf.model.doc.v1.tar"
	annotationPath  = "org.cncf.model.filepath"
)

// ociManifest is what the tests read of a manifest.
type ociManifest struct {
	MediaType    string            `json:"mediaType"`
	ArtifactType string            `json:"artifactType"`
	Config       ociDescriptor     `json:"config"`
	Layers       []ociDescriptor   `json:"layers"`
	Subject      *ociDescriptor    `json:"subject"`
	Annotations  map[string]string `json:"annotations"`
}

type ociDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations"`
}

// skopeoManifest reads a manifest from the open registry with skopeo.
func skopeoManifest(t *testing.T, ref string) (ociManifest, []byte) {
	t.Helper()
	return skopeoManifestAt(t, "docker://"+ref)
}

// skopeoManifestAt reads the manifest at a skopeo transport reference:
// docker://host/repo:tag or oci:DIR:tag.
func skopeoManifestAt(t *testing.T, ref string) (ociManifest, []byte) {
	t.Helper()
	raw := registrytest.Skopeo(t, "inspect", "--raw", "--tls-verify=false", ref)
	var m ociManifest
	require.NoError(t, json.Unmarshal(raw, &m), "skopeo inspect --raw %s gave:\n%s", ref, raw)
	return m, raw
}

// skopeoTags lists the tags of a repository with skopeo.
func skopeoTags(t *testing.T, repository string) []string {
	t.Helper()
	out := registrytest.Skopeo(t, "list-tags", "--tls-verify=false", "docker://"+repository)
	var l struct{ Tags []string }
	require.NoError(t, json.Unmarshal(out, &l), "skopeo list-tags docker://%s gave:\n%s", repository, out)
	return l.Tags
}

// skopeoDigest is the digest skopeo sees for ref.
func skopeoDigest(t *testing.T, ref string) string {
	t.Helper()
	_, raw := skopeoManifest(t, ref)
	return digestOf(raw)
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// layerWith returns the layer whose annotation says it holds path.
func layerWith(t *testing.T, m ociManifest, path string) ociDescriptor {
	t.Helper()
	for _, l := range m.Layers {
		if l.Annotations[annotationPath] == path {
			return l
		}
	}
	require.Failf(t, "no layer", "no layer with %s=%s in %+v", annotationPath, path, m.Layers)
	return ociDescriptor{}
}

// skopeoTagsOrNone lists a repository's tags, or none when the registry
// does not know the repository (Distribution has no repository until a
// manifest is pushed).
func skopeoTagsOrNone(t *testing.T, repository string) []string {
	t.Helper()
	if _, err := exec.LookPath("skopeo"); err != nil {
		registrytest.Skopeo(t, "--version") // skips or fails the test as Skopeo does
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), "skopeo", "list-tags", "--tls-verify=false", "docker://"+repository)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(stderr.String(), "404 (Not Found)") {
			return nil
		}
		t.Fatalf("skopeo list-tags docker://%s: %v\nstderr:\n%s", repository, err, stderr.String())
	}
	var l struct{ Tags []string }
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &l), "skopeo list-tags docker://%s gave:\n%s", repository, stdout.String())
	return l.Tags
}
