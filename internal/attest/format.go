package attest

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Format is how a signed attestation is stored.
type Format string

// The storage formats; every one of them is read wherever attestations are.
const (
	// FormatBundle is a Sigstore bundle v0.3 referrer, as cosign v3 writes.
	FormatBundle Format = "bundle"
	// FormatDSSE is a bare DSSE envelope referrer (artifactType
	// application/vnd.in-toto+json), Slipway's earlier form.
	FormatDSSE Format = "dsse"
	// FormatCosignV2 is FormatBundle, and the same signed envelope also
	// in cosign v2's sha256-<hex>.att tag (CosignV2Tag), for verifiers that
	// know only cosign v2's form.
	FormatCosignV2 Format = "cosign-v2"
)

// ParseFormat checks a --attestation-format value; "" is FormatBundle.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case "", FormatBundle:
		return FormatBundle, nil
	case FormatDSSE, FormatCosignV2:
		return Format(s), nil
	}
	return "", fault.Usagef("--attestation-format %q: want bundle (Sigstore bundle, what cosign v3 writes), cosign-v2 (also the .att tag cosign v2 writes) or dsse", s)
}

// Write signs stmt with signer (nil stores it unsigned, as a bare
// envelope: a bundle needs a signature) and stores it as a referrer of
// subject in format.
func Write(ctx context.Context, store oci.Store, subject v1.Descriptor, stmt Statement, signer *Signer, format Format, annotations map[string]string) (v1.Descriptor, error) {
	if signer == nil {
		env, err := Unsigned(stmt)
		if err != nil {
			return v1.Descriptor{}, err
		}
		return Attach(ctx, store, subject, env, annotations)
	}
	if format == FormatDSSE {
		env, err := Sign(stmt, signer)
		if err != nil {
			return v1.Descriptor{}, err
		}
		return Attach(ctx, store, subject, env, annotations)
	}
	b, err := SignBundle(ctx, stmt, signer)
	if err != nil {
		return v1.Descriptor{}, err
	}
	d, err := AttachBundle(ctx, store, subject, b, annotations)
	if err != nil || format != FormatCosignV2 {
		return d, err
	}
	keyID := ""
	if !signer.Keyless() {
		keyID = signer.KeyID()
	}
	if _, err := AttachCosignV2(ctx, store, subject, b, keyID); err != nil {
		return v1.Descriptor{}, err
	}
	return d, nil
}
