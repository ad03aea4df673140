package attest

import (
	"bytes"
	"cmp"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/slipwayhq/slipway/internal/fault"
)

// KeyKind names a kind of key GenerateKey makes.
type KeyKind string

// The key kinds Slipway signs with.
const (
	Ed25519   KeyKind = "ed25519"
	ECDSAP256 KeyKind = "ecdsa-p256"
)

// wantKeys ends every message about an unusable key.
const wantKeys = "want ed25519 or ECDSA P-256"

// maxKeyFile bounds how much of a key file is read: PEM keys are a few
// hundred bytes, and a path to something endless must not hang the gate.
const maxKeyFile = 64 << 10

// Signer signs attestations with one ed25519 or ECDSA P-256 private key
// (a file's, or one a KMS holds), or keyless (NewKeylessSigner).
type Signer struct {
	key      crypto.Signer
	verifier *Verifier
	keyless  *KeylessSigning
}

// Verifier checks signatures against one ed25519 or ECDSA P-256 public
// key, or, keyless (NewKeylessVerifier), against a Sigstore trusted root
// and a certificate identity.
type Verifier struct {
	pub     crypto.PublicKey
	keyID   string
	keyless *keylessVerifier
}

// NewSigner wraps a private key (a file's, or one held by a KMS behind
// crypto.Signer). ECDSA keys must produce ASN.1 DER signatures, as Go's do.
func NewSigner(key crypto.Signer) (*Signer, error) {
	v, err := NewVerifier(key.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, verifier: v}, nil
}

// NewVerifier wraps a public key; its key ID is the hex sha256 of its PKIX DER.
func NewVerifier(pub crypto.PublicKey) (*Verifier, error) {
	if what, ok := describeKey(pub); !ok {
		return nil, fault.Usagef("the key is %s; %s", what, wantKeys)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fault.Usagef("encoding the public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &Verifier{pub: pub, keyID: hex.EncodeToString(sum[:])}, nil
}

// KeyID is the key ID of the signer's public key, set as the DSSE keyid;
// "keyless" for a keyless signer, whose key lives for one signature.
func (s *Signer) KeyID() string {
	if s.keyless != nil {
		return "keyless"
	}
	return s.verifier.keyID
}

// Keyless reports whether the signer signs keyless.
func (s *Signer) Keyless() bool { return s.keyless != nil }

// Verifier returns the verifier for the signer's public key; nil for a
// keyless signer.
func (s *Signer) Verifier() *Verifier { return s.verifier }

// KeyID is the hex sha256 of the PKIX DER encoding of the public key; for a
// keyless verifier, the identity and issuer it wants.
func (v *Verifier) KeyID() string {
	if v.keyless != nil {
		w := v.keyless.want
		return fmt.Sprintf("keyless %s from %s", cmp.Or(w.Identity, w.IdentityRegexp), cmp.Or(w.Issuer, w.IssuerRegexp))
	}
	return v.keyID
}

// Name says who the verifier trusts, for messages: "key 0123456789abcdef"
// or "keyless identity X from issuer Y".
func (v *Verifier) Name() string {
	if v.keyless != nil {
		w := v.keyless.want
		return fmt.Sprintf("keyless identity %s from issuer %s", wantText(w.Identity, w.IdentityRegexp), wantText(w.Issuer, w.IssuerRegexp))
	}
	return "key " + v.keyID[:16]
}

// Public returns the public key.
func (v *Verifier) Public() crypto.PublicKey { return v.pub }

// describeKey says what kind of key k (public or private) is, and whether
// Slipway signs with that kind.
func describeKey(k any) (string, bool) {
	if priv, ok := k.(interface{ Public() crypto.PublicKey }); ok {
		k = priv.Public()
	}
	switch pub := k.(type) {
	case ed25519.PublicKey:
		return "an ed25519 key", len(pub) == ed25519.PublicKeySize
	case *ecdsa.PublicKey:
		if pub.Curve == elliptic.P256() {
			return "an ECDSA P-256 key", true
		}
		return "an ECDSA " + pub.Curve.Params().Name + " key", false
	case *rsa.PublicKey:
		return "an RSA key", false
	case *ecdh.PublicKey:
		return "an ECDH key (for key agreement, not signing)", false
	default:
		return fmt.Sprintf("a %T key", k), false
	}
}

// LoadPrivateKey reads a PEM private key: PKCS#8 (PRIVATE KEY) holding an
// ed25519 or ECDSA P-256 key, or SEC1 (EC PRIVATE KEY) holding a P-256 key.
func LoadPrivateKey(path string) (*Signer, error) {
	k, err := readKey(path)
	if err != nil {
		return nil, err
	}
	if what, ok := describeKey(k); !ok {
		return nil, fault.Usagef("%s holds %s; %s", path, what, wantKeys)
	}
	priv, ok := k.(crypto.Signer)
	if !ok {
		return nil, fault.Usagef("%s holds a public key; signing needs the private key", path)
	}
	return NewSigner(priv)
}

// LoadPublicKey reads a PEM public key (PKIX PUBLIC KEY), or takes the public
// half of a private key file LoadPrivateKey accepts.
func LoadPublicKey(path string) (*Verifier, error) {
	k, err := readKey(path)
	if err != nil {
		return nil, err
	}
	if priv, ok := k.(crypto.Signer); ok {
		k = priv.Public()
	}
	if what, ok := describeKey(k); !ok {
		return nil, fault.Usagef("%s holds %s; %s", path, what, wantKeys)
	}
	return NewVerifier(k)
}

// readKey returns the first key in the PEM file at path. Errors name the
// file and what it holds, never its bytes.
func readKey(path string) (any, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	rest := data
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Headers["Proc-Type"] != "" {
			return nil, fault.Usagef("%s holds an encrypted private key, which slipway cannot read; %s in unencrypted PEM", path, wantKeys)
		}
		var k any
		switch b.Type {
		case "EC PARAMETERS":
			continue // openssl ecparam -genkey writes it before the key
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "PUBLIC KEY":
			k, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PRIVATE KEY", "RSA PUBLIC KEY":
			return nil, fault.Usagef("%s holds an RSA key; %s", path, wantKeys)
		case "ENCRYPTED PRIVATE KEY":
			return nil, fault.Usagef("%s holds an encrypted private key, which slipway cannot read; %s in unencrypted PEM", path, wantKeys)
		case "OPENSSH PRIVATE KEY":
			return nil, fault.Usagef("%s holds an OpenSSH private key; %s as a PEM PKCS#8 or SEC1 key", path, wantKeys)
		default:
			return nil, fault.Usagef("%s holds a PEM %q block; %s as PRIVATE KEY, EC PRIVATE KEY or PUBLIC KEY", path, b.Type, wantKeys)
		}
		if err != nil {
			return nil, fault.Usagef("%s: its %s block does not parse: %w; %s", path, b.Type, err, wantKeys)
		}
		return k, nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fault.Usagef("%s is empty; %s in PEM", path, wantKeys)
	}
	return nil, fault.Usagef("%s holds no PEM key; %s in PEM (PRIVATE KEY, EC PRIVATE KEY or PUBLIC KEY)", path, wantKeys)
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Usagef("key file %s does not exist", path)
	}
	if err != nil {
		return nil, fault.Usagef("reading key file %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fault.Usagef("reading key file %s: %w", path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fault.Usagef("%s is larger than %d KiB, too large for a key file; %s in PEM", path, maxKeyFile>>10, wantKeys)
	}
	return data, nil
}

// GenerateKey makes a key pair of kind and writes the private key as PEM
// PKCS#8 to privPath (mode 0600) and the public key as PEM PKIX to pubPath.
// It never overwrites a file: an existing key may be the only copy.
func GenerateKey(kind KeyKind, privPath, pubPath string) (*Signer, error) {
	var priv crypto.Signer
	var err error
	switch kind {
	case Ed25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case ECDSAP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fault.Usagef("key kind %q: want %s or %s", kind, Ed25519, ECDSAP256)
	}
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", kind, err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fault.Usagef("%s already exists: refusing to overwrite a key", p)
		}
	}
	if err := writeNew(privPath, 0o600, &pem.Block{Type: "PRIVATE KEY", Bytes: privDER}); err != nil {
		return nil, err
	}
	if err := writeNew(pubPath, 0o644, &pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}); err != nil {
		_ = os.Remove(privPath)
		return nil, err
	}
	return NewSigner(priv)
}

// writeNew creates name with mode (failing if it exists) and writes b as PEM.
func writeNew(name string, mode os.FileMode, b *pem.Block) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return fault.Usagef("%s already exists: refusing to overwrite a key", name)
	}
	if err != nil {
		return fault.Usagef("writing key file %s: %w", name, err)
	}
	if err := pem.Encode(f, b); err != nil {
		f.Close()
		_ = os.Remove(name)
		return fmt.Errorf("writing key file %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("writing key file %s: %w", name, err)
	}
	return nil
}
