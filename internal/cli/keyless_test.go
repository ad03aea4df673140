package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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

// actionsEndpoint is a fake GitHub Actions OIDC token endpoint: it answers
// token only to the request token bearer, for audience sigstore.
func actionsEndpoint(t *testing.T, bearer, token string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer "+bearer {
			http.Error(w, "bad bearer", http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("api-version") != "2.0" {
			http.Error(w, "want audience=sigstore", http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"count": 1, "value": token})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestKeylessSigningCLI signs a gate verdict keyless on a (fake) GitHub
// Actions job: the OIDC token comes from the Actions endpoint, Fulcio and
// Rekor are fakes backed by the virtual Sigstore, and the attestation then
// verifies with cosign's identity flags against that Sigstore's root. No
// token is ever printed.
func TestKeylessSigningCLI(t *testing.T) {
	packedIris(t)
	vs, err := sigstoretest.New()
	require.NoError(t, err)
	require.NoError(t, vs.WriteTrustedRoot("root.json"))
	identity := "https://github.com/acme/iris/.github/workflows/gate.yml@refs/heads/main"
	idToken := sigstoretest.JWT(map[string]any{"iss": ghIssuer, "sub": "repo:acme/iris:ref:refs/heads/main", "aud": "sigstore",
		"job_workflow_ref": "acme/iris/.github/workflows/gate.yml@refs/heads/main"})
	const requestToken = "request-token-s3cr3t"
	servers, stop := vs.Serve(idToken)
	defer stop()
	actions := actionsEndpoint(t, requestToken, idToken)
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", actions.URL+"/token?api-version=2.0")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", requestToken)
	t.Setenv("GITHUB_OUTPUT", "gh-output")
	t.Setenv("GITHUB_STEP_SUMMARY", "gh-summary")
	noSecrets := func(t *testing.T, outs ...string) {
		t.Helper()
		for _, o := range outs {
			assert.NotContains(t, o, idToken)
			assert.NotContains(t, o, requestToken)
		}
	}

	code, stdout, stderr := runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json",
		"--keyless", "--fulcio-url", servers.FulcioURL, "--rekor-url", servers.RekorURL, "--debug")
	require.Equal(t, 0, code, stderr)
	noSecrets(t, stdout, stderr)
	assert.Equal(t, 1, servers.Requests["fulcio"])
	assert.Equal(t, 1, servers.Requests["rekor"])
	for _, f := range []string{"gh-output", "gh-summary"} {
		b, _ := os.ReadFile(f)
		noSecrets(t, string(b))
	}

	code, stdout, stderr = runMain("attest", "verify", "oci:.slipway/iris-classifier:1.0.0",
		"--certificate-identity", identity, "--certificate-oidc-issuer", ghIssuer, "--trusted-root", "root.json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "signed by keyless "+identity)
	code, _, stderr = runMain("attest", "verify", "oci:.slipway/iris-classifier:1.0.0",
		"--certificate-identity", "https://github.com/acme/iris/.github/workflows/other.yml@refs/heads/main", "--certificate-oidc-issuer", ghIssuer, "--trusted-root", "root.json")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "wrong identity")

	t.Run("a refused token is not echoed", func(t *testing.T) {
		servers.Token = "another"
		defer func() { servers.Token = idToken }()
		code, stdout, stderr := runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json",
			"--keyless", "--fulcio-url", servers.FulcioURL, "--rekor-url", servers.RekorURL)
		assert.Equal(t, 3, code, stderr)
		assert.Contains(t, stderr, "Fulcio returned 401")
		noSecrets(t, stdout, stderr)
	})
	t.Run("the endpoint refuses the request token", func(t *testing.T) {
		t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "wrong-"+requestToken)
		code, stdout, stderr := runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--keyless")
		assert.Equal(t, 3, code)
		assert.Contains(t, stderr, "GitHub Actions OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL) answered 401")
		assert.NotContains(t, stdout+stderr, "wrong-"+requestToken)
	})
	t.Run("no token source", func(t *testing.T) {
		t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "")
		t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
		code, _, stderr := runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--keyless")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "permissions: id-token: write")
		t.Setenv("GITHUB_ACTIONS", "")
		t.Setenv("GITLAB_CI", "true")
		code, _, stderr = runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--keyless")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "id_tokens: {SIGSTORE_ID_TOKEN: {aud: sigstore}}")
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"--keyless", "--key", "k.key"},
			{"--keyless", "--attestation-format", "dsse"},
			{"--fulcio-url", servers.FulcioURL},
		} {
			code, _, stderr := runMain(append([]string{"gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json"}, args...)...)
			assert.Equal(t, 2, code, "%v: %s", args, stderr)
		}
	})
}

// TestCosignV2ReadEverywhere: a gate attestation kept only in cosign v2's
// .att tag counts for attest verify, promote and gate --baseline; and gate
// --attestation-format cosign-v2 writes the tag beside the bundle referrer.
func TestCosignV2ReadEverywhere(t *testing.T) {
	verdict := packedIris(t)
	ctx := context.Background()
	code, _, stderr := runMain("attest", "keygen", "gate.key", "gate.pub")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, os.CopyFS("v2only", os.DirFS(".slipway/iris-classifier")))
	store := oci.OpenLayout("v2only")
	desc, err := store.Resolve(ctx, "1.0.0")
	require.NoError(t, err)
	signer, err := attest.LoadPrivateKey("gate.key")
	require.NoError(t, err)
	b, err := attest.SignBundle(ctx, attest.NewStatement("iris-classifier", desc.Digest, attest.PredicateGate, verdict), signer)
	require.NoError(t, err)
	_, err = attest.AttachCosignV2(ctx, store, desc, b, signer.KeyID())
	require.NoError(t, err)
	ref := "oci:v2only@" + desc.Digest.String()

	code, stdout, stderr := runMain("attest", "verify", ref, "--key", "gate.pub")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "gate pass")
	code, stdout, stderr = runMain("promote", ref, "--env", "staging", "--key", "gate.pub")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "verified with key")
	code, _, stderr = runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--baseline", ref, "--baseline-key", "gate.pub", "--no-attest")
	require.Equal(t, 0, code, stderr)

	code, _, stderr = runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--key", "gate.key", "--attestation-format", "cosign-v2")
	require.Equal(t, 0, code, stderr)
	_, err = oci.OpenLayout(".slipway/iris-classifier").Resolve(ctx, attest.CosignV2Tag(desc.Digest))
	require.NoError(t, err, "the .att tag is written")
	found, err := attest.Find(ctx, oci.OpenLayout(".slipway/iris-classifier"), desc.Digest, attest.PredicateGate)
	require.NoError(t, err)
	assert.Len(t, found, 2, "the bundle referrer and the .att layer")
}
