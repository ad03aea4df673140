package attest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/attest/sigstoretest"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// distribution starts the Distribution registry on a free loopback port
// and returns its host:port.
func distribution(t *testing.T) string {
	t.Helper()
	bin := registrytest.Tool(t, "docker-registry")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf("version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\nhttp: {addr: %s}\n", filepath.Join(dir, "data"), addr)), 0o644))
	cmd := exec.Command(bin, "serve", cfg)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			return addr
		}
		time.Sleep(25 * time.Millisecond) // waiting for a server the test started
	}
	t.Fatalf("docker-registry on %s did not answer", addr)
	return ""
}

// p256Keys writes an unencrypted ECDSA P-256 key pair (cosign's default kind).
func p256Keys(t *testing.T) (priv, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(k.Public())
	require.NoError(t, err)
	priv, pub = filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
	require.NoError(t, os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644))
	return priv, pub
}

func cosignEnv(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+home, "COSIGN_PASSWORD=", "SIGSTORE_NO_CACHE=1")
}

// TestCosignVerifiesSlipwayBundle: cosign v3 verify-attestation accepts the
// gate attestation Slipway stores as a Sigstore bundle referrer.
func TestCosignVerifiesSlipwayBundle(t *testing.T) {
	cosign := registrytest.Tool(t, "cosign")
	host := distribution(t)
	ctx := context.Background()
	repo := host + "/acme/iris"
	ref, err := oci.ParseRef(repo, false)
	require.NoError(t, err)
	store := oci.Client{}.Open(ref)
	img, err := random.Image(256, 1)
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(ctx, img, "1.0.0"))
	desc, err := store.Resolve(ctx, "1.0.0")
	require.NoError(t, err)

	priv, pub := p256Keys(t)
	signer, err := attest.LoadPrivateKey(priv)
	require.NoError(t, err)
	stmt := attest.NewStatement("iris", desc.Digest, attest.PredicateGate, map[string]any{"decision": "pass", "time": time.Now().UTC()})
	_, err = attest.Write(ctx, store, desc, stmt, signer, attest.FormatBundle, nil)
	require.NoError(t, err)

	out, err := exec.Command(cosign, "verify-attestation", "--key", pub, "--insecure-ignore-tlog",
		"--allow-http-registry", "--allow-insecure-registry", "--type", attest.PredicateGate,
		repo+"@"+desc.Digest.String()).CombinedOutput()
	require.NoError(t, err, "cosign verify-attestation:\n%s", out)

	t.Run("Slipway reads cosign's attestation", func(t *testing.T) {
		env := cosignEnv(t)
		dir := t.TempDir()
		sc := filepath.Join(dir, "sc.json")
		cmd := exec.Command(cosign, "signing-config", "create", "--out", sc)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "cosign signing-config create:\n%s", out)
		cmd = exec.Command(cosign, "generate-key-pair")
		cmd.Env, cmd.Dir = env, dir
		out, err = cmd.CombinedOutput()
		require.NoError(t, err, "cosign generate-key-pair:\n%s", out)
		cosignKey, cosignPub := filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
		pred := filepath.Join(dir, "pred.json")
		require.NoError(t, os.WriteFile(pred, []byte(`{"decision":"pass","time":"2030-01-02T03:04:05Z"}`), 0o644))
		cmd = exec.Command(cosign, "attest", "--yes", "--key", cosignKey, "--signing-config", sc,
			"--allow-http-registry", "--allow-insecure-registry",
			"--type", attest.PredicateGate, "--predicate", pred, repo+"@"+desc.Digest.String())
		cmd.Env = env
		out, err = cmd.CombinedOutput()
		require.NoError(t, err, "cosign attest:\n%s", out)

		res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: repo + ":1.0.0", Key: cosignPub})
		require.NoError(t, err, "slipway attest verify on cosign's attestation")
		require.NotNil(t, res.Gate)
		assert.Equal(t, "2030-01-02T03:04:05Z", res.Gate.Time.UTC().Format(time.RFC3339), "the newest verdict is cosign's")

		// A third key: cosign's bundle names its key (a hint), so the refusal
		// says the signature is from a different key.
		_, third := p256Keys(t)
		_, err = attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: repo + ":1.0.0", Key: third})
		require.Error(t, err)
		refusal := err.Error()
		assert.Equal(t, 2, strings.Count(refusal, "its signature is from a different key"), "Slipway's and cosign's bundles both name their keys")
		cosignPubKey, err := attest.LoadPublicKey(cosignPub)
		require.NoError(t, err)
		assert.Contains(t, refusal, "signed by key "+cosignPubKey.KeyID()+", not by key", "cosign's base64 hint, shown as a Slipway key ID")

		// cosign's encrypted key file, its password from COSIGN_PASSWORD.
		getenv := func(k string) string { return map[string]string{"COSIGN_PASSWORD": ""}[k] }
		res2, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: repo + ":1.0.0", Key: cosignKey, Getenv: getenv})
		require.NoError(t, err, "verifying with cosign.key")
		assert.Equal(t, res.KeyID, res2.KeyID)
		signer, err := attest.OpenSigner(ctx, cosignKey, getenv)
		require.NoError(t, err)
		_, err = attest.Write(ctx, store, desc, stmt, signer, attest.FormatBundle, nil)
		require.NoError(t, err, "signing with cosign.key")
		_, err = attest.OpenSigner(ctx, cosignKey, func(string) string { return "wrong" })
		assert.ErrorContains(t, err, "COSIGN_PASSWORD does not decrypt")
	})
}

// TestCosignV2Form: the .att tag Slipway writes with --attestation-format
// cosign-v2 verifies with cosign (v3, reading the legacy form), and the .att
// tag cosign writes in its old format verifies with Slipway. Each image
// holds only the .att form, so no bundle referrer answers for it.
func TestCosignV2Form(t *testing.T) {
	cosign := registrytest.Tool(t, "cosign")
	host := distribution(t)
	ctx := context.Background()
	push := func(t *testing.T, name string) (oci.Store, string, v1.Descriptor) {
		repo := host + "/acme/" + name
		ref, err := oci.ParseRef(repo, false)
		require.NoError(t, err)
		store := oci.Client{}.Open(ref)
		img, err := random.Image(256, 1)
		require.NoError(t, err)
		require.NoError(t, store.WriteImage(ctx, img, "1.0.0"))
		desc, err := store.Resolve(ctx, "1.0.0")
		require.NoError(t, err)
		return store, repo, desc
	}

	t.Run("cosign verifies Slipway's .att", func(t *testing.T) {
		store, repo, desc := push(t, "slipway-att")
		priv, pub := p256Keys(t)
		signer, err := attest.LoadPrivateKey(priv)
		require.NoError(t, err)
		for _, decision := range []string{"fail", "pass"} { // two layers: cosign v2 appends
			stmt := attest.NewStatement("iris", desc.Digest, attest.PredicateGate, map[string]any{"decision": decision, "time": time.Now().UTC()})
			b, err := attest.SignBundle(ctx, stmt, signer)
			require.NoError(t, err)
			_, err = attest.AttachCosignV2(ctx, store, desc, b, signer.KeyID())
			require.NoError(t, err)
		}
		d, err := store.Resolve(ctx, attest.CosignV2Tag(desc.Digest))
		require.NoError(t, err)
		raw, err := store.Manifest(ctx, d.Digest)
		require.NoError(t, err)
		var m v1.Manifest
		require.NoError(t, json.Unmarshal(raw, &m))
		require.Len(t, m.Layers, 2)
		assert.Equal(t, attest.PredicateGate, m.Layers[1].Annotations["predicateType"])

		out, err := exec.Command(cosign, "verify-attestation", "--key", pub, "--insecure-ignore-tlog",
			"--allow-http-registry", "--allow-insecure-registry", "--type", attest.PredicateGate,
			repo+"@"+desc.Digest.String()).CombinedOutput()
		require.NoError(t, err, "cosign verify-attestation of the .att tag:\n%s", out)

		res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: repo + ":1.0.0", Key: pub})
		require.NoError(t, err, "Slipway reads its own .att")
		assert.Equal(t, "pass", res.Gate.Decision, "the newer verdict")

		// Copied to another repository (push, promote --to), the .att tag
		// goes along and cosign verifies it there.
		copyRef, err := oci.ParseRef(host+"/acme/slipway-att-copy", false)
		require.NoError(t, err)
		require.NoError(t, oci.Copy(ctx, store, oci.Client{}.Open(copyRef), desc, "1.0.0"))
		out, err = exec.Command(cosign, "verify-attestation", "--key", pub, "--insecure-ignore-tlog",
			"--allow-http-registry", "--allow-insecure-registry", "--type", attest.PredicateGate,
			copyRef.String()+"@"+desc.Digest.String()).CombinedOutput()
		require.NoError(t, err, "cosign verify-attestation of the copied .att tag:\n%s", out)
	})

	t.Run("Slipway verifies cosign's .att", func(t *testing.T) {
		_, repo, desc := push(t, "cosign-att")
		env := cosignEnv(t)
		dir := t.TempDir()
		cmd := exec.Command(cosign, "generate-key-pair")
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "cosign generate-key-pair:\n%s", out)
		pred := filepath.Join(dir, "pred.json")
		require.NoError(t, os.WriteFile(pred, []byte(`{"decision":"pass","time":"2030-01-02T03:04:05Z"}`), 0o644))
		cmd = exec.Command(cosign, "attest", "--yes", "--key", filepath.Join(dir, "cosign.key"),
			"--new-bundle-format=false", "--use-signing-config=false", "--tlog-upload=false",
			"--allow-http-registry", "--allow-insecure-registry",
			"--type", attest.PredicateGate, "--predicate", pred, repo+"@"+desc.Digest.String())
		cmd.Env = env
		out, err = cmd.CombinedOutput()
		require.NoError(t, err, "cosign attest (v2 form):\n%s", out)

		res, err := attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: repo + ":1.0.0", Key: filepath.Join(dir, "cosign.pub")})
		require.NoError(t, err, "slipway attest verify on cosign's .att")
		assert.Equal(t, "2030-01-02T03:04:05Z", res.Gate.Time.UTC().Format(time.RFC3339))

		_, other := p256Keys(t)
		_, err = attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: repo + ":1.0.0", Key: other})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "does not verify")
	})
}

// TestCosignVerifiesKeyless: cosign v3 verifies a keyless gate attestation
// Slipway signed through (fake) Fulcio and Rekor, given that Sigstore's
// trusted root and the signer's identity, in the bundle and .att forms.
func TestCosignVerifiesKeyless(t *testing.T) {
	cosign := registrytest.Tool(t, "cosign")
	host := distribution(t)
	ctx := context.Background()
	vs, err := sigstoretest.New()
	require.NoError(t, err)
	root := filepath.Join(t.TempDir(), "root.json")
	require.NoError(t, vs.WriteTrustedRoot(root))
	const issuer, identity = "https://token.actions.githubusercontent.com", "https://github.com/acme/iris/.github/workflows/gate.yml@refs/heads/main"
	token := sigstoretest.JWT(map[string]any{"iss": issuer, "sub": "repo:acme/iris:ref:refs/heads/main", "job_workflow_ref": "acme/iris/.github/workflows/gate.yml@refs/heads/main"})
	servers, stop := vs.Serve(token)
	defer stop()
	signer, err := attest.NewKeylessSigner(attest.KeylessSigning{IDToken: token, FulcioURL: servers.FulcioURL, RekorURL: servers.RekorURL})
	require.NoError(t, err)

	for _, tt := range []struct {
		name   string
		format attest.Format
		args   []string
	}{
		{"bundle referrer", attest.FormatBundle, nil},
		{".att tag", attest.FormatCosignV2, []string{"--new-bundle-format=false"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			repo := host + "/acme/" + string(tt.format)
			ref, err := oci.ParseRef(repo, false)
			require.NoError(t, err)
			store := oci.Client{}.Open(ref)
			img, err := random.Image(256, 1)
			require.NoError(t, err)
			require.NoError(t, store.WriteImage(ctx, img, "1.0.0"))
			desc, err := store.Resolve(ctx, "1.0.0")
			require.NoError(t, err)
			stmt := attest.NewStatement("iris", desc.Digest, attest.PredicateGate, map[string]any{"decision": "pass", "time": time.Now().UTC()})
			_, err = attest.Write(ctx, store, desc, stmt, signer, tt.format, nil)
			require.NoError(t, err)

			args := append([]string{"verify-attestation", "--trusted-root", root,
				"--certificate-identity", identity, "--certificate-oidc-issuer", issuer,
				"--insecure-ignore-sct", // the fake Fulcio embeds no certificate-transparency timestamp
				"--allow-http-registry", "--allow-insecure-registry", "--type", attest.PredicateGate}, tt.args...)
			cmd := exec.Command(cosign, append(args, repo+"@"+desc.Digest.String())...)
			cmd.Env = cosignEnv(t)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "cosign verify-attestation:\n%s", out)

			args[4] = "https://github.com/evil/iris/.github/workflows/gate.yml@refs/heads/main"
			cmd = exec.Command(cosign, append(args, repo+"@"+desc.Digest.String())...)
			cmd.Env = cosignEnv(t)
			out, err = cmd.CombinedOutput()
			require.Error(t, err, "another identity must not verify:\n%s", out)
		})
	}
}

// TestSlipwayVerifiesCosignKeyless: Slipway verifies a keyless attestation
// cosign made through (fake) Fulcio and Rekor, in both of cosign's forms.
func TestSlipwayVerifiesCosignKeyless(t *testing.T) {
	cosign := registrytest.Tool(t, "cosign")
	host := distribution(t)
	ctx := context.Background()
	vs, err := sigstoretest.New()
	require.NoError(t, err)
	dir := t.TempDir()
	root := filepath.Join(dir, "root.json")
	require.NoError(t, vs.WriteTrustedRoot(root))
	const issuer, identity = "https://token.actions.githubusercontent.com", "https://github.com/acme/iris/.github/workflows/gate.yml@refs/heads/main"
	token := sigstoretest.JWT(map[string]any{"iss": issuer, "sub": "repo:acme/iris:ref:refs/heads/main", "job_workflow_ref": "acme/iris/.github/workflows/gate.yml@refs/heads/main"})
	servers, stop := vs.Serve(token)
	defer stop()
	pred := filepath.Join(dir, "pred.json")
	require.NoError(t, os.WriteFile(pred, []byte(`{"decision":"pass","time":"2030-01-02T03:04:05Z"}`), 0o644))
	tokenFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token), 0o600))

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"bundle", nil},
		{".att", []string{"--new-bundle-format=false"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			repo := host + "/acme/cosign-keyless-" + strings.TrimPrefix(tt.name, ".")
			ref, err := oci.ParseRef(repo, false)
			require.NoError(t, err)
			store := oci.Client{}.Open(ref)
			img, err := random.Image(256, 1)
			require.NoError(t, err)
			require.NoError(t, store.WriteImage(ctx, img, "1.0.0"))
			desc, err := store.Resolve(ctx, "1.0.0")
			require.NoError(t, err)
			args := append([]string{"attest", "--yes", "--identity-token", tokenFile, "--use-signing-config=false",
				"--fulcio-url", servers.FulcioURL, "--rekor-url", servers.RekorURL, "--trusted-root", root,
				"--insecure-skip-verify", "--allow-http-registry", "--allow-insecure-registry",
				"--type", attest.PredicateGate, "--predicate", pred}, tt.args...)
			cmd := exec.Command(cosign, append(args, repo+"@"+desc.Digest.String())...)
			cmd.Env = cosignEnv(t)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "cosign attest keyless:\n%s", out)

			for _, id := range []string{identity, "https://github.com/evil/iris/.github/workflows/gate.yml@refs/heads/main"} {
				_, err = attest.VerifyAttestation(ctx, attest.VerifyRequest{Client: oci.Client{}, Reference: repo + ":1.0.0",
					Identity: attest.Identity{Identity: id, Issuer: issuer}, TrustedRoot: root})
				if id == identity {
					require.NoError(t, err, "slipway attest verify on cosign's keyless attestation")
				} else {
					require.ErrorContains(t, err, "wrong identity")
				}
			}
		})
	}
}
