package attest

import (
	"context"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Trust is whose signature an attestation must carry: a key (Key, as
// --key gives it), or a keyless identity (Identity) whose certificate
// chains to TrustedRoot. Identity, when set, wins over Key: the key often
// comes from a setting (SLIPWAY_KEY, key in slipway.yaml) while the
// identity is asked for on this command line.
type Trust struct {
	// Key is a public key: a PEM file, a cosign encrypted key file or a KMS URI.
	Key string
	// Identity is who must have signed keyless.
	Identity Identity
	// TrustedRoot is a Sigstore trusted_root.json; "" fetches the
	// public-good instance's through TUF (keyless only).
	TrustedRoot string
}

// Set reports whether a key or an identity is given.
func (t Trust) Set() bool { return t.Key != "" || t.Identity.Set() }

// Keyless reports whether verification is keyless.
func (t Trust) Keyless() bool { return t.Identity.Set() }

// OpenTrust returns the verifier t describes; nil when t is not Set.
// getenv reads COSIGN_PASSWORD and KMS settings.
func OpenTrust(ctx context.Context, t Trust, getenv func(string) string) (*Verifier, error) {
	switch {
	case t.Identity.Set():
		if _, err := NewKeylessVerifier(nil, t.Identity); err != nil {
			return nil, err // a missing identity or issuer, said before fetching a root
		}
		tr, err := TrustedRoot(t.TrustedRoot)
		if err != nil {
			return nil, err
		}
		return NewKeylessVerifier(tr, t.Identity)
	case t.TrustedRoot != "":
		return nil, fault.Usagef("--trusted-root %s is for keyless verification: give --certificate-identity and --certificate-oidc-issuer with it", t.TrustedRoot)
	case t.Key != "":
		return OpenVerifier(ctx, t.Key, getenv)
	}
	return nil, nil
}
