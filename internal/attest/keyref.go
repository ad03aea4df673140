package attest

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/signature/kms"

	// The KMS providers cosign has, registered for --key URIs; together
	// they cost about 14 MB of binary (docs/attestations.md).
	_ "github.com/sigstore/sigstore/pkg/signature/kms/aws"        // awskms://
	_ "github.com/sigstore/sigstore/pkg/signature/kms/azure"      // azurekms://
	_ "github.com/sigstore/sigstore/pkg/signature/kms/gcp"        // gcpkms://
	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault" // hashivault://

	"github.com/slipwayhq/slipway/internal/fault"
)

// cosign's encrypted private key files (scrypt + secretbox, PKCS#8 inside).
var encryptedKeyTypes = []string{"ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"}

// isKMS reports whether ref is a KMS key URI in cosign's syntax
// (hashivault://NAME, awskms://…, gcpkms://…, azurekms://…).
func isKMS(ref string) bool {
	for _, p := range kms.SupportedProviders() {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	return strings.Contains(ref, "://")
}

// OpenSigner opens a signing key: a KMS URI, a cosign encrypted key file
// (the password from COSIGN_PASSWORD, read through getenv), or a PEM file.
func OpenSigner(ctx context.Context, ref string, getenv func(string) string) (*Signer, error) {
	if isKMS(ref) {
		sv, err := kms.Get(ctx, ref, crypto.SHA256)
		if err != nil {
			return nil, fault.Usagef("--key %s: %w", ref, err)
		}
		// The crypto.Signer's Public hides errors: ask for the key first, so
		// an unreachable KMS or a refused credential is said as such.
		if _, err := sv.PublicKey(); err != nil {
			return nil, fault.Runtimef("--key %s: reading the public key: %w", ref, err)
		}
		cs, _, err := sv.CryptoSigner(ctx, func(error) {})
		if err != nil {
			return nil, fault.Runtimef("--key %s: %w", ref, err)
		}
		return NewSigner(cs)
	}
	if k, ok, err := readEncrypted(ref, getenv); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return NewSigner(k)
	}
	return LoadPrivateKey(ref)
}

// OpenVerifier opens a verification key: a KMS URI, a cosign encrypted key
// file, or a PEM file (public, or private).
func OpenVerifier(ctx context.Context, ref string, getenv func(string) string) (*Verifier, error) {
	if isKMS(ref) {
		sv, err := kms.Get(ctx, ref, crypto.SHA256)
		if err != nil {
			return nil, fault.Usagef("--key %s: %w", ref, err)
		}
		pub, err := sv.PublicKey()
		if err != nil {
			return nil, fault.Runtimef("--key %s: reading the public key: %w", ref, err)
		}
		return NewVerifier(pub)
	}
	if k, ok, err := readEncrypted(ref, getenv); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return NewVerifier(k.Public())
	}
	return LoadPublicKey(ref)
}

// readEncrypted reads a cosign encrypted key file; ok is false when path
// holds something else.
func readEncrypted(path string, getenv func(string) string) (crypto.Signer, bool, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, false, err
	}
	b, _ := pem.Decode(data)
	if b == nil || !slices.Contains(encryptedKeyTypes, b.Type) {
		return nil, false, nil
	}
	pass := ""
	if getenv != nil {
		pass = getenv("COSIGN_PASSWORD")
	}
	der, err := encrypted.Decrypt(b.Bytes, []byte(pass))
	if err != nil {
		return nil, true, fault.Usagef("%s is a cosign encrypted key that COSIGN_PASSWORD does not decrypt: set COSIGN_PASSWORD to its password", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, true, fault.Usagef("%s: the decrypted key does not parse: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if what, good := describeKey(k); !ok || !good {
		return nil, true, fault.Usagef("%s holds %s; %s", path, what, wantKeys)
	}
	return s, true, nil
}
