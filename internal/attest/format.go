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
)

// ParseFormat checks a --attestation-format value; "" is FormatBundle.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case "", FormatBundle:
		return FormatBundle, nil
	case FormatDSSE:
		return FormatDSSE, nil
	}
	return "", fault.Usagef("--attestation-format %q: want bundle (Sigstore bundle, what cosign v3 writes) or dsse", s)
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
	return AttachBundle(ctx, store, subject, b, annotations)
}
