package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/attest/sigstoretest"
	"github.com/slipwayhq/slipway/internal/oci"
)

const (
	ghIssuer   = "https://token.actions.githubusercontent.com"
	ghIdentity = "https://github.com/acme/iris/.github/workflows/gate.yml@refs/heads/main"
)

// runMain runs the CLI in-process and returns its exit code, stdout and stderr.
func runMain(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	return code, stdout.String(), stderr.String()
}

// packedIris packs the example model into .slipway (reproducibly) in a
// fresh working folder, and returns the gate verdict it passes with, as
// JSON, unattested.
func packedIris(t *testing.T) json.RawMessage {
	t.Helper()
	example, err := filepath.Abs("../../testdata/iris")
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)
	for _, k := range []string{"CI", "GITLAB_CI", "GITHUB_ACTIONS", "JENKINS_URL", "SLIPWAY_CONFIG", "SLIPWAY_KEY"} {
		t.Setenv(k, "")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "0")
	t.Setenv("SLIPWAY_CACHE_DIR", filepath.Join(dir, ".cache"))
	require.NoError(t, os.CopyFS("iris", os.DirFS(example)))
	code, _, stderr := runMain("pack", "iris", "--version", "1.0.0")
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr := runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--no-attest", "-o", "json")
	require.Equal(t, 0, code, stderr)
	return json.RawMessage(stdout)
}

// keylessCopy copies the packed model to its own layout (name) and attaches
// a gate attestation of verdict signed keyless by a new virtual Sigstore as
// identity from issuer, varied by o; it writes that Sigstore's trusted root
// to name.json and returns the model's reference by digest.
func keylessCopy(t *testing.T, name, identity, issuer string, verdict json.RawMessage, o sigstoretest.Options) string {
	t.Helper()
	require.NoError(t, os.CopyFS(name, os.DirFS(".slipway/iris-classifier")))
	ctx := context.Background()
	store := oci.OpenLayout(name)
	desc, err := store.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	payload, err := json.Marshal(attest.NewStatement("iris-classifier", desc.Digest, attest.PredicateGate, verdict))
	require.NoError(t, err)
	vs, err := sigstoretest.New()
	require.NoError(t, err)
	require.NoError(t, vs.WriteTrustedRoot(name+".json"))
	b, err := vs.Attest(identity, issuer, payload, o)
	require.NoError(t, err)
	_, err = attest.AttachBundle(ctx, store, desc, b, nil)
	require.NoError(t, err)
	return "oci:" + name + "@" + desc.Digest.String()
}

// TestKeylessVerificationCLI verifies keyless gate attestations from a
// virtual Sigstore through attest verify, promote and gate --baseline, with
// cosign's flags and --trusted-root: the right identity passes; a wrong
// identity, a wrong issuer, an expired certificate and a missing
// transparency-log entry are refused with exit 1 naming which.
func TestKeylessVerificationCLI(t *testing.T) {
	verdict := packedIris(t)
	who := func(root string) []string {
		return []string{"--certificate-identity", ghIdentity, "--certificate-oidc-issuer", ghIssuer, "--trusted-root", root}
	}

	good := keylessCopy(t, "good", ghIdentity, ghIssuer, verdict, sigstoretest.Options{})
	code, stdout, stderr := runMain(append([]string{"attest", "verify", good}, who("good.json")...)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "verified: https://slipway.dev/attestations/gate/v1 attestation")
	assert.Contains(t, stdout, "signed by keyless "+ghIdentity+" from "+ghIssuer)
	assert.Contains(t, stdout, "gate pass")

	t.Run("identity by regexp", func(t *testing.T) {
		code, _, stderr := runMain("attest", "verify", good, "--certificate-identity-regexp", `^https://github\.com/acme/`,
			"--certificate-oidc-issuer-regexp", `^https://token\.actions\.githubusercontent\.com$`, "--trusted-root", "good.json")
		assert.Equal(t, 0, code, stderr)
	})

	expired := keylessCopy(t, "expired", ghIdentity, ghIssuer, verdict, sigstoretest.Options{LoggedAt: time.Now().Add(time.Hour)})
	notlog := keylessCopy(t, "notlog", ghIdentity, ghIssuer, verdict, sigstoretest.Options{NoTlog: true})
	for _, tt := range []struct {
		name, ref string
		args      []string
		want      string
	}{
		{"wrong identity", good, []string{"--certificate-identity", "https://github.com/evil/iris/.github/workflows/x.yml@refs/heads/main", "--certificate-oidc-issuer", ghIssuer, "--trusted-root", "good.json"},
			`wrong identity: the certificate's is "` + ghIdentity + `"`},
		{"wrong issuer", good, []string{"--certificate-identity", ghIdentity, "--certificate-oidc-issuer", "https://gitlab.com", "--trusted-root", "good.json"},
			`wrong OIDC issuer: the certificate's is "` + ghIssuer + `", want "https://gitlab.com"`},
		{"expired certificate", expired, who("expired.json"), "certificate had expired"},
		{"missing tlog entry", notlog, who("notlog.json"), "no transparency log (Rekor) entry"},
		{"another Sigstore's root", good, who("expired.json"), "keyless attestation does not verify"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runMain(append([]string{"attest", "verify", tt.ref}, tt.args...)...)
			assert.Equal(t, 1, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}

	t.Run("usage", func(t *testing.T) {
		code, _, stderr := runMain("attest", "verify", good, "--certificate-identity", ghIdentity, "--trusted-root", "good.json")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "--certificate-oidc-issuer")
		code, _, stderr = runMain("attest", "verify", good, "--trusted-root", "good.json")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "--key is required")
		code, _, stderr = runMain(append([]string{"attest", "verify", good}, who("missing.json")...)...)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "--trusted-root missing.json")
	})

	t.Run("a key does not verify a keyless attestation", func(t *testing.T) {
		code, _, stderr := runMain("attest", "keygen", "k.key", "k.pub")
		require.Equal(t, 0, code, stderr)
		code, _, stderr = runMain("attest", "verify", good, "--key", "k.pub")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "signed keyless (a certificate)")
	})

	t.Run("promote", func(t *testing.T) {
		code, stdout, stderr := runMain(append([]string{"promote", good, "--env", "staging"}, who("good.json")...)...)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "verified keyless "+ghIdentity)
		code, _, stderr = runMain("promote", expired, "--env", "staging", "--certificate-identity", ghIdentity,
			"--certificate-oidc-issuer", ghIssuer, "--trusted-root", "expired.json")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "certificate had expired")
		code, _, stderr = runMain("promote", good, "--env", "production", "--certificate-identity", ghIdentity,
			"--certificate-oidc-issuer", "https://gitlab.com", "--trusted-root", "good.json")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "wrong OIDC issuer")
	})

	t.Run("gate --baseline", func(t *testing.T) {
		code, stdout, stderr := runMain(append([]string{"gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json",
			"--baseline", good, "--no-attest"}, who("good.json")...)...)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "PASS")
		code, _, stderr = runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json",
			"--baseline", good, "--no-attest", "--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", ghIssuer, "--trusted-root", "good.json")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "wrong identity")
	})
}
