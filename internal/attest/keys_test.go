package attest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// writePEM writes blocks to dir/name and returns the path.
func writePEM(t testing.TB, dir, name string, blocks ...*pem.Block) string {
	t.Helper()
	var b []byte
	for _, bl := range blocks {
		b = append(b, pem.EncodeToMemory(bl)...)
	}
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func pkcs8(t testing.TB, k any) *pem.Block {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}
}

func sec1(t testing.TB, k *ecdsa.PrivateKey) *pem.Block {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
}

func pkix(t testing.TB, pub any) *pem.Block {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	return &pem.Block{Type: "PUBLIC KEY", Bytes: der}
}

// keyFiles writes one file per key form the tests need, in a fresh folder.
type keyFiles struct {
	dir                                    string
	ed25519, p256, p256SEC1, p256WithParam string
	ed25519Pub, p256Pub                    string
	rsa, rsaPKCS1, p384, p384SEC1, p384Pub string
}

func newKeyFiles(t testing.TB) keyFiles {
	t.Helper()
	dir := t.TempDir()
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	params := &pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}}
	return keyFiles{
		dir:           dir,
		ed25519:       writePEM(t, dir, "ed25519.pem", pkcs8(t, ed)),
		p256:          writePEM(t, dir, "p256.pem", pkcs8(t, p256)),
		p256SEC1:      writePEM(t, dir, "p256-sec1.pem", sec1(t, p256)),
		p256WithParam: writePEM(t, dir, "p256-openssl.pem", params, sec1(t, p256)),
		ed25519Pub:    writePEM(t, dir, "ed25519.pub", pkix(t, ed.Public())),
		p256Pub:       writePEM(t, dir, "p256.pub", pkix(t, p256.Public())),
		rsa:           writePEM(t, dir, "rsa.pem", pkcs8(t, rsaKey)),
		rsaPKCS1:      writePEM(t, dir, "rsa-pkcs1.pem", &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
		p384:          writePEM(t, dir, "p384.pem", pkcs8(t, p384)),
		p384SEC1:      writePEM(t, dir, "p384-sec1.pem", sec1(t, p384)),
		p384Pub:       writePEM(t, dir, "p384.pub", pkix(t, p384.Public())),
	}
}

func TestLoadKeys(t *testing.T) {
	k := newKeyFiles(t)
	garbage := filepath.Join(k.dir, "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not a key at all\n"), 0o600))
	empty := filepath.Join(k.dir, "empty.pem")
	require.NoError(t, os.WriteFile(empty, []byte("\n"), 0o600))
	encrypted := writePEM(t, k.dir, "encrypted.pem", &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	legacyEncrypted := writePEM(t, k.dir, "legacy.pem", &pem.Block{Type: "EC PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})
	cert := writePEM(t, k.dir, "cert.pem", &pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})
	torn := writePEM(t, k.dir, "torn.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01}})

	for _, tt := range []struct {
		name    string
		path    string
		private bool   // LoadPrivateKey, else LoadPublicKey
		wantErr string // empty: must load
	}{
		{"ed25519 PKCS#8", k.ed25519, true, ""},
		{"P-256 PKCS#8", k.p256, true, ""},
		{"P-256 SEC1", k.p256SEC1, true, ""},
		{"P-256 SEC1 after EC PARAMETERS", k.p256WithParam, true, ""},
		{"ed25519 PKIX public", k.ed25519Pub, false, ""},
		{"P-256 PKIX public", k.p256Pub, false, ""},
		{"public key from ed25519 private file", k.ed25519, false, ""},
		{"public key from SEC1 private file", k.p256SEC1, false, ""},
		{"public key file to sign with", k.p256Pub, true, "p256.pub holds a public key; signing needs the private key"},
		{"RSA PKCS#8", k.rsa, true, "rsa.pem holds an RSA key; want ed25519 or ECDSA P-256"},
		{"RSA PKCS#1", k.rsaPKCS1, true, "rsa-pkcs1.pem holds an RSA key; want ed25519 or ECDSA P-256"},
		{"RSA as public key", k.rsa, false, "rsa.pem holds an RSA key; want ed25519 or ECDSA P-256"},
		{"P-384 PKCS#8", k.p384, true, "p384.pem holds an ECDSA P-384 key; want ed25519 or ECDSA P-256"},
		{"P-384 SEC1", k.p384SEC1, true, "p384-sec1.pem holds an ECDSA P-384 key; want ed25519 or ECDSA P-256"},
		{"P-384 public", k.p384Pub, false, "p384.pub holds an ECDSA P-384 key; want ed25519 or ECDSA P-256"},
		{"missing file", filepath.Join(k.dir, "nope.pem"), true, "nope.pem does not exist"},
		{"missing public file", filepath.Join(k.dir, "nope.pub"), false, "nope.pub does not exist"},
		{"not PEM", garbage, true, "garbage.pem holds no PEM key; want ed25519 or ECDSA P-256"},
		{"empty", empty, false, "empty.pem is empty"},
		{"encrypted PKCS#8", encrypted, true, "encrypted.pem holds an encrypted private key"},
		{"encrypted SEC1", legacyEncrypted, true, "legacy.pem holds an encrypted private key"},
		{"certificate", cert, false, `cert.pem holds a PEM "CERTIFICATE" block`},
		{"torn PKCS#8", torn, true, "torn.pem: its PRIVATE KEY block does not parse"},
		{"directory", k.dir, true, "reading key file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var keyID string
			var err error
			if tt.private {
				var s *Signer
				if s, err = LoadPrivateKey(tt.path); err == nil {
					keyID = s.KeyID()
				}
			} else {
				var v *Verifier
				if v, err = LoadPublicKey(tt.path); err == nil {
					keyID = v.KeyID()
				}
			}
			if tt.wantErr == "" {
				require.NoError(t, err, "loading %s", tt.path)
				assert.Len(t, keyID, 64, "key ID should be a hex sha256")
				return
			}
			require.Error(t, err, "loading %s should fail", tt.path)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, fault.Usage, fault.KindOf(err), "a bad key file is a usage error: %v", err)
			assertNoKeyMaterial(t, tt.path, err)
		})
	}
}

// assertNoKeyMaterial checks that no line of a PEM body leaks into err.
func assertNoKeyMaterial(t *testing.T, path string, err error) {
	t.Helper()
	b, _ := os.ReadFile(path)
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if len(line) > 8 && !strings.HasPrefix(line, "-----") {
			assert.NotContains(t, err.Error(), line, "the error quotes the key file")
		}
	}
}

func TestKeyIDs(t *testing.T) {
	k := newKeyFiles(t)
	for _, tt := range []struct{ name, private, public string }{
		{"ed25519", k.ed25519, k.ed25519Pub},
		{"P-256 PKCS#8", k.p256, k.p256Pub},
		{"P-256 SEC1", k.p256SEC1, k.p256Pub},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadPrivateKey(tt.private)
			require.NoError(t, err)
			v, err := LoadPublicKey(tt.public)
			require.NoError(t, err)
			assert.Equal(t, s.KeyID(), v.KeyID(), "a key pair's halves should have one key ID")
			fromPrivate, err := LoadPublicKey(tt.private)
			require.NoError(t, err)
			assert.Equal(t, v.KeyID(), fromPrivate.KeyID())
		})
	}
}

func TestGenerateKey(t *testing.T) {
	for _, kind := range []KeyKind{Ed25519, ECDSAP256} {
		t.Run(string(kind), func(t *testing.T) {
			dir := t.TempDir()
			priv, pub := filepath.Join(dir, "key.pem"), filepath.Join(dir, "key.pub")
			s, err := GenerateKey(kind, priv, pub)
			require.NoError(t, err)

			fi, err := os.Stat(priv)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the private key must be readable by its owner only")

			loaded, err := LoadPrivateKey(priv)
			require.NoError(t, err)
			v, err := LoadPublicKey(pub)
			require.NoError(t, err)
			assert.Equal(t, s.KeyID(), loaded.KeyID())
			assert.Equal(t, s.KeyID(), v.KeyID())

			_, err = GenerateKey(kind, priv, filepath.Join(dir, "other.pub"))
			require.Error(t, err, "GenerateKey over an existing key should fail")
			assert.Contains(t, err.Error(), "already exists")
			_, err = os.Stat(filepath.Join(dir, "other.pub"))
			assert.ErrorIs(t, err, os.ErrNotExist, "a refused GenerateKey should write nothing")
		})
	}
	_, err := GenerateKey("rsa", filepath.Join(t.TempDir(), "k"), filepath.Join(t.TempDir(), "p"))
	require.Error(t, err)
	assert.Equal(t, fault.Usage, fault.KindOf(err))
}
