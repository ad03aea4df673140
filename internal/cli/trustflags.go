package cli

import (
	"github.com/spf13/pflag"

	"github.com/slipwayhq/slipway/internal/attest"
)

// identityFlags are cosign's flags for keyless verification: who must have
// signed (the certificate's identity and OIDC issuer, exact or by regexp)
// and the Sigstore trusted root the certificate must chain to. Shared by
// attest verify, promote and gate (for --baseline).
type identityFlags struct {
	identity, identityRegexp string
	issuer, issuerRegexp     string
	trustedRoot              string
}

// register adds the flags; what says what is verified, for the help text.
func (o *identityFlags) register(f *pflag.FlagSet, what string) {
	f.StringVar(&o.identity, "certificate-identity", "", "verify "+what+" keyless: the signer's identity in its Fulcio certificate (a workflow URL, an email); see docs/attestations.md")
	f.StringVar(&o.identityRegexp, "certificate-identity-regexp", "", "as --certificate-identity, a regular expression (RE2) the identity must match")
	f.StringVar(&o.issuer, "certificate-oidc-issuer", "", "keyless: the OIDC issuer of the signer's certificate (https://token.actions.githubusercontent.com, https://gitlab.com)")
	f.StringVar(&o.issuerRegexp, "certificate-oidc-issuer-regexp", "", "as --certificate-oidc-issuer, a regular expression (RE2) the issuer must match")
	f.StringVar(&o.trustedRoot, "trusted-root", "", "keyless: Sigstore trusted_root.json the certificate must chain to (default: the public-good instance's, fetched through TUF)")
}

// value is the identity the flags give.
func (o *identityFlags) value() attest.Identity {
	return attest.Identity{Identity: o.identity, IdentityRegexp: o.identityRegexp, Issuer: o.issuer, IssuerRegexp: o.issuerRegexp}
}
