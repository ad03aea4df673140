package integration

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGateAttestationOnRegistry gates a model pushed to the real registry
// (which has no referrers API: the attestation lives under the
// sha256-<hex> tag), verifies it, and carries it to a second repository.
func TestGateAttestationOnRegistry(t *testing.T) {
	reg := env(t)
	dir := t.TempDir()
	key, pub := filepath.Join(dir, "gate.key"), filepath.Join(dir, "gate.pub")
	mustSlipway(t, "attest", "keygen", key, pub)
	src := reg + "/" + repo("iris")
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", src)
	metrics := filepath.Join(example(t), "eval.json")

	r := mustSlipway(t, "gate", src+":1.0.0", "--metrics", metrics, "--key", key, "-o", "json")
	var verdict struct {
		Decision string `json:"decision"`
		Model    struct {
			Digest string `json:"digest"`
		} `json:"model"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &verdict), "gate -o json printed:\n%s", r.stdout)
	assert.Equal(t, "pass", verdict.Decision)

	// The attestation is a referrer of the model's digest, as another tool sees it.
	subject, err := name.NewDigest(src + "@" + verdict.Model.Digest)
	require.NoError(t, err)
	idx, err := remote.Referrers(subject)
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	require.Len(t, im.Manifests, 1)
	assert.Equal(t, "application/vnd.dev.sigstore.bundle.v0.3+json", im.Manifests[0].ArtifactType, "a Sigstore bundle, as cosign v3 writes")

	r = mustSlipway(t, "attest", "verify", src+":1.0.0", "--key", pub)
	assert.Contains(t, r.stdout, "gate pass")

	// Copied with the model, it still verifies in the other repository.
	dst := reg + "/" + repo("iris-copy")
	mustSlipway(t, "push", src+":1.0.0", dst)
	r = mustSlipway(t, "attest", "verify", dst+":1.0.0", "--key", pub)
	assert.Contains(t, r.stdout, "gate pass")

	// A failing gate is exit 1, and its (failing) attestation does not pass verification
	// of a newer pass: the newest verifying one is reported with its own decision.
	worse := filepath.Join(dir, "worse.json")
	writeFile(t, worse, `{"accuracy": 0.5}`)
	thresholds := filepath.Join(dir, "t.yaml")
	writeFile(t, thresholds, "slipway:\n  config:\n    metrics:\n      min: {accuracy: 0.9}\n")
	wantExit(t, 1, "gate", src+":1.0.0", "--metrics", worse, "--data", thresholds, "--key", key)
}
