package attest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/slipwayhq/slipway/internal/fault"
)

// The public-good Sigstore instance keyless signing uses unless told otherwise.
const (
	PublicFulcio = "https://fulcio.sigstore.dev"
	PublicRekor  = "https://rekor.sigstore.dev"
)

// KeylessSigning configures Sigstore's keyless flow: an ephemeral key, a
// Fulcio certificate binding it to the CI job's OIDC identity, and a Rekor
// entry recording the signature.
type KeylessSigning struct {
	// IDToken is the OIDC token Fulcio exchanges for a certificate
	// (IDToken finds it on GitHub Actions and GitLab CI).
	IDToken string
	// FulcioURL and RekorURL default to the public-good instance.
	FulcioURL, RekorURL string
	// Transport carries the Fulcio requests; nil is http.DefaultTransport.
	Transport http.RoundTripper
}

// NewKeylessSigner returns a Signer that signs keyless. It signs only
// Sigstore bundles: a bare DSSE envelope has nowhere to keep the certificate.
func NewKeylessSigner(k KeylessSigning) (*Signer, error) {
	if k.IDToken == "" {
		return nil, fault.Usagef("--keyless needs an OIDC identity token: on GitHub Actions give the job `permissions: id-token: write`; on GitLab CI add `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore` to the job")
	}
	return &Signer{keyless: &k}, nil
}

func (k *KeylessSigning) sign(ctx context.Context, content sign.Content) (*Bundle, error) {
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		return nil, err
	}
	fulcio := sign.NewFulcio(&sign.FulcioOptions{BaseURL: orDefault(k.FulcioURL, PublicFulcio), Retries: 1, Transport: k.Transport})
	rekor := sign.NewRekor(&sign.RekorOptions{BaseURL: orDefault(k.RekorURL, PublicRekor), Retries: 1})
	b, err := sign.Bundle(content, kp, sign.BundleOptions{
		Context:                    ctx,
		CertificateProvider:        fulcio,
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: k.IDToken},
		TransparencyLogs:           []sign.Transparency{rekor},
	})
	if err != nil {
		// A server may echo what it was sent; the token never leaves here.
		msg := strings.ReplaceAll(err.Error(), k.IDToken, "[OIDC token]")
		return nil, fault.Runtimef("signing keyless with Fulcio %s and Rekor %s: %s", orDefault(k.FulcioURL, PublicFulcio), orDefault(k.RekorURL, PublicRekor), msg)
	}
	return b, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Identity is who a keyless signature must come from, as cosign's
// --certificate-identity(-regexp) and --certificate-oidc-issuer(-regexp)
// say it. One of Identity and IdentityRegexp, and one of Issuer and
// IssuerRegexp, are required.
type Identity struct {
	Identity, IdentityRegexp string
	Issuer, IssuerRegexp     string
}

// Set reports whether any identity criterion is given.
func (id Identity) Set() bool {
	return id.Identity != "" || id.IdentityRegexp != "" || id.Issuer != "" || id.IssuerRegexp != ""
}

// keylessVerifier checks certificates against a trusted root and one identity.
type keylessVerifier struct {
	trusted  root.TrustedMaterial
	identity verify.CertificateIdentity
	want     Identity
}

// NewKeylessVerifier returns a Verifier that accepts only keyless
// signatures whose certificate chains to trusted (a Sigstore trusted root),
// names id, and was logged in its transparency log while it was valid.
func NewKeylessVerifier(trusted root.TrustedMaterial, id Identity) (*Verifier, error) {
	if id.Identity == "" && id.IdentityRegexp == "" {
		return nil, fault.Usagef("keyless verification needs --certificate-identity or --certificate-identity-regexp: who must have signed (a workflow URL, an email)")
	}
	if id.Issuer == "" && id.IssuerRegexp == "" {
		return nil, fault.Usagef("keyless verification needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp (https://token.actions.githubusercontent.com on GitHub Actions, https://gitlab.com on GitLab.com)")
	}
	ci, err := verify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.Identity, id.IdentityRegexp)
	if err != nil {
		return nil, fault.Usagef("certificate identity: %w", err)
	}
	return &Verifier{keyless: &keylessVerifier{trusted: trusted, identity: ci, want: id}}, nil
}

// TrustedRoot reads a Sigstore trusted_root.json, or, given "", fetches the
// public-good instance's through TUF.
func TrustedRoot(path string) (root.TrustedMaterial, error) {
	if path != "" {
		tr, err := root.NewTrustedRootFromPath(path)
		if err != nil {
			return nil, fault.Usagef("--trusted-root %s: %w", path, err)
		}
		return tr, nil
	}
	tr, err := root.NewLiveTrustedRoot(tuf.DefaultOptions())
	if err != nil {
		return nil, fault.Runtimef("fetching the public-good Sigstore trusted root (give --trusted-root FILE offline): %w", err)
	}
	return tr, nil
}

// verify checks entity and returns the statement payload carries. Refusals
// name the reason: a missing transparency-log entry, an expired
// certificate, a wrong issuer, a wrong identity.
func (k *keylessVerifier) verify(entity verify.SignedEntity, payload []byte) (Statement, error) {
	ver, err := verify.NewVerifier(k.trusted, verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1))
	if err != nil {
		return Statement{}, err
	}
	if _, err := ver.Verify(entity, verify.NewPolicy(verify.WithoutArtifactUnsafe(), verify.WithCertificateIdentity(k.identity))); err != nil {
		return Statement{}, fault.Deniedf("%s", k.explain(entity, err))
	}
	st, err := parseStatement(payload)
	if err != nil {
		return Statement{}, fault.Deniedf("keyless attestation: %w", err)
	}
	return st, nil
}

// explain says why verification failed, from what the entity claims (only
// read after sigstore-go refused it, never to accept anything).
func (k *keylessVerifier) explain(entity verify.SignedEntity, err error) string {
	entries, _ := entity.TlogEntries()
	if len(entries) == 0 {
		return "keyless attestation has no transparency log (Rekor) entry: nothing proves when it was signed, so its short-lived certificate cannot be checked"
	}
	vc, cerr := entity.VerificationContent()
	if cerr != nil || vc.Certificate() == nil {
		return fmt.Sprintf("keyless attestation does not verify: %v", err)
	}
	cert := vc.Certificate()
	for _, e := range entries {
		if t := e.IntegratedTime(); !t.IsZero() && (t.Before(cert.NotBefore) || t.After(cert.NotAfter)) {
			return fmt.Sprintf("keyless attestation's certificate had expired: valid %s to %s, logged at %s",
				cert.NotBefore.UTC().Format("2006-01-02T15:04:05Z"), cert.NotAfter.UTC().Format("2006-01-02T15:04:05Z"), t.UTC().Format("2006-01-02T15:04:05Z"))
		}
	}
	sum, serr := certificate.SummarizeCertificate(cert)
	if serr == nil {
		if ierr := k.identity.Issuer.Verify(sum); ierr != nil {
			return fmt.Sprintf("keyless attestation has the wrong OIDC issuer: the certificate's is %q, want %s", sum.Issuer, wantText(k.want.Issuer, k.want.IssuerRegexp))
		}
		if serr := k.identity.SubjectAlternativeName.Verify(sum); serr != nil {
			return fmt.Sprintf("keyless attestation has the wrong identity: the certificate's is %q, want %s", sum.SubjectAlternativeName, wantText(k.want.Identity, k.want.IdentityRegexp))
		}
	}
	var ve verify.ErrVerification
	if errors.As(err, &ve) {
		err = ve.Unwrap()
	}
	return fmt.Sprintf("keyless attestation does not verify: %v", err)
}

func wantText(exact, re string) string {
	if exact != "" {
		return fmt.Sprintf("%q", exact)
	}
	return "one matching " + strings.TrimSpace(re)
}
