package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeVault is the part of Vault's transit secrets engine sigstore's
// hashivault KMS provider calls (pkg/signature/kms/hashivault/client.go):
// read a key's public half, sign a digest, verify a signature. It holds one
// ECDSA P-256 key, and answers only the token it was given.
type fakeVault struct {
	key   *ecdsa.PrivateKey
	token string
	mu    sync.Mutex
	calls []string
}

func (v *fakeVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	v.calls = append(v.calls, r.Method+" "+r.URL.Path)
	v.mu.Unlock()
	if r.Header.Get("X-Vault-Token") != v.token {
		http.Error(w, `{"errors":["permission denied"]}`, http.StatusForbidden)
		return
	}
	reply := func(data map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	}
	var body struct {
		Input     string `json:"input"`
		Prehashed bool   `json:"prehashed"`
		Signature string `json:"signature"`
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	digest, _ := base64.StdEncoding.DecodeString(body.Input)
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/transit/keys/gatekey":
		der, _ := x509.MarshalPKIXPublicKey(v.key.Public())
		reply(map[string]any{"type": "ecdsa-p256", "latest_version": 1, "keys": map[string]any{
			"1": map[string]any{"name": "P-256", "public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
		}})
	case r.URL.Path == "/v1/transit/sign/gatekey/sha2-256" && body.Prehashed && len(digest) == 32:
		sig, err := ecdsa.SignASN1(rand.Reader, v.key, digest)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		reply(map[string]any{"signature": "vault:v1:" + base64.StdEncoding.EncodeToString(sig), "key_version": 1})
	case r.URL.Path == "/v1/transit/verify/gatekey/sha2-256":
		sig, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(body.Signature, "vault:v1:"))
		reply(map[string]any{"valid": ecdsa.VerifyASN1(&v.key.PublicKey, digest, sig)})
	default:
		http.Error(w, `{"errors":["no handler for route"]}`, http.StatusNotFound)
	}
}

func (v *fakeVault) called(call string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, c := range v.calls {
		if c == call {
			n++
		}
	}
	return n
}

// TestHashivaultKey signs a gate verdict with a Vault transit key
// (--key hashivault://gatekey, the URI cosign takes) and verifies it with
// the same URI and with the key's exported public half.
func TestHashivaultKey(t *testing.T) {
	packedIris(t)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	vault := &fakeVault{key: k, token: "vault-token-s3cr3t"}
	srv := httptest.NewServer(vault)
	defer srv.Close()
	t.Setenv("VAULT_ADDR", srv.URL)
	t.Setenv("VAULT_TOKEN", vault.token)
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("vault.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644))

	code, _, stderr := runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--key", "hashivault://gatekey")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 1, vault.called("PUT /v1/transit/sign/gatekey/sha2-256")+vault.called("POST /v1/transit/sign/gatekey/sha2-256"), "one signature, by Vault: %v", vault.calls)

	for _, key := range []string{"hashivault://gatekey", "vault.pub"} {
		code, stdout, stderr := runMain("attest", "verify", "oci:.slipway/iris-classifier:1.0.0", "--key", key)
		require.Equal(t, 0, code, "%s: %s", key, stderr)
		assert.Contains(t, stdout, "gate pass")
	}

	t.Run("a token Vault refuses", func(t *testing.T) {
		t.Setenv("VAULT_TOKEN", "wrong-token")
		code, stdout, stderr := runMain("gate", "oci:.slipway/iris-classifier:1.0.0", "--metrics", "iris/eval.json", "--key", "hashivault://gatekey")
		assert.Equal(t, 3, code, stderr)
		assert.Contains(t, stderr, "hashivault://gatekey")
		assert.NotContains(t, stdout+stderr, "wrong-token")
	})
	t.Run("a malformed URI", func(t *testing.T) {
		code, _, stderr := runMain("attest", "verify", "oci:.slipway/iris-classifier:1.0.0", "--key", "hashivault://not/a/key")
		assert.Equal(t, 2, code, stderr)
		assert.Contains(t, stderr, "--key hashivault://not/a/key")
	})
}
