package gate

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// BaselineRequest names the baseline: a metrics file, or a model reference.
type BaselineRequest struct {
	// Client opens the baseline model's store.
	Client oci.Client
	// Baseline is a metrics file or a model reference; "" is none.
	Baseline string
	// Keys are the public keys (PEM files; a private key file works too)
	// one of which must have signed a reference baseline's gate attestation.
	Keys []string
	// Identity, when set, also counts a gate attestation signed keyless by
	// it, with a certificate chaining to TrustedRoot ("" is the
	// public-good Sigstore instance).
	Identity    attest.Identity
	TrustedRoot string
	// Getenv reads COSIGN_PASSWORD and KMS settings for Keys; nil reads none.
	Getenv func(string) string
	// InsecureUnsigned reads a reference baseline's attestations without
	// verifying them, when there are no Keys; Warn is told so, loudly.
	InsecureUnsigned bool
	// Warn is told about the gate attestations passed over, and that nothing
	// is verified with InsecureUnsigned; nil drops the messages.
	Warn func(string)
}

// ReadBaseline resolves a baseline: a metrics file, or a model reference
// whose newest gate attestation signed by one of req.Keys holds the metrics
// it was gated with. It returns nil without a baseline.
//
// A baseline decides what a regression is, so whoever can attach a referrer
// to the baseline model could otherwise pass any candidate. Only
// attestations that verify, about the baseline's digest, count; the newest
// is chosen by the verdict's own signed time (attest.Newest), never by the
// manifest's created annotation. The others are passed over with a warning.
// Without a key a reference is refused (fault.Usage), unless
// InsecureUnsigned.
func ReadBaseline(ctx context.Context, req BaselineRequest) (*Baseline, error) {
	arg := req.Baseline
	if arg == "" {
		return nil, nil
	}
	if isFile(arg) {
		m, err := ReadMetrics(arg)
		if err != nil {
			return nil, err
		}
		return &Baseline{Model: &ModelRef{Name: filepath.Base(arg), Reference: arg}, Metrics: m, Source: "file"}, nil
	}
	ref, err := req.Client.Parse(arg)
	if err != nil {
		return nil, fault.Usagef("--baseline %s is neither a metrics file nor a model reference: %w", arg, err)
	}
	if ref.Identifier() == "" {
		return nil, fault.Usagef("--baseline %s: give a tag or digest", arg)
	}
	verifiers, err := baselineVerifiers(ctx, req)
	if err != nil {
		return nil, err
	}
	store := req.Client.Open(ref)
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	subject := art.Descriptor.Digest
	found, err := attest.Find(ctx, store, subject, attest.PredicateGate)
	if err != nil {
		return nil, fmt.Errorf("--baseline: finding the gate attestation of %s: %w", arg, err)
	}
	checked := make([]attest.Checked, len(found))
	var metrics []map[string]any
	for i, f := range found {
		checked[i] = attest.Check(f, subject, attest.PredicateGate, verifiers...)
		m, err := attestedMetrics(checked[i])
		if err != nil {
			checked[i].Err = err
		}
		metrics = append(metrics, m)
	}
	best := attest.Newest(checked)
	if ignored := attest.Reasons(checked); len(ignored) > 0 && best >= 0 && req.Warn != nil {
		req.Warn(fmt.Sprintf("--baseline %s: ignored %d of %d gate attestations: %s",
			arg, len(ignored), len(found), strings.Join(ignored, "; ")))
	}
	if best < 0 {
		return nil, noBaseline(arg, found, checked, verifiers)
	}
	pinned := ref.WithDigest(subject.String()).String()
	return &Baseline{
		Model:   &ModelRef{Name: art.Name, Version: art.Version, Digest: subject.String(), Reference: pinned},
		Metrics: metrics[best], Source: "reference",
	}, nil
}

// baselineVerifiers loads req.Keys; with none, it refuses a reference
// baseline unless req.InsecureUnsigned, and then warns that nothing is
// verified.
func baselineVerifiers(ctx context.Context, req BaselineRequest) ([]*attest.Verifier, error) {
	if len(req.Keys) == 0 && !req.Identity.Set() {
		if !req.InsecureUnsigned {
			return nil, fault.Usagef("--baseline %s is a model reference, and its gate attestations are trusted only when signed: "+
				"give --baseline-key PUB (or the key setting: SLIPWAY_KEY, key in slipway.yaml) or, keyless, --certificate-identity and --certificate-oidc-issuer, "+
				"or --insecure-unsigned to compare with whatever is attached, unverified", req.Baseline)
		}
		if req.Warn != nil {
			req.Warn(fmt.Sprintf("--insecure-unsigned: the gate attestations of --baseline %s are NOT VERIFIED: "+
				"anyone who can push to its repository chooses the metrics this model is compared with", req.Baseline))
		}
		return nil, nil
	}
	var verifiers []*attest.Verifier
	if req.Identity.Set() {
		v, err := attest.OpenTrust(ctx, attest.Trust{Identity: req.Identity, TrustedRoot: req.TrustedRoot}, req.Getenv)
		if err != nil {
			return nil, fmt.Errorf("--baseline: %w", err)
		}
		verifiers = append(verifiers, v)
	}
	for _, k := range req.Keys {
		v, err := attest.OpenVerifier(ctx, k, req.Getenv)
		if err != nil {
			return nil, fmt.Errorf("--baseline-key: %w", err)
		}
		verifiers = append(verifiers, v)
	}
	return verifiers, nil
}

// noBaseline is the usage error when no gate attestation of the baseline
// counts: it says what was found and why each one was passed over.
func noBaseline(arg string, found []attest.Found, checked []attest.Checked, verifiers []*attest.Verifier) error {
	if len(found) == 0 {
		return fault.Usagef("--baseline %s: the model has no gate attestation: gate it first, or give its metrics file", arg)
	}
	by := "unverified"
	if len(verifiers) > 0 {
		var ids []string
		for _, v := range verifiers {
			ids = append(ids, v.Name())
		}
		by = "signed by " + strings.Join(ids, " or ")
	}
	return fault.Usagef("--baseline %s: none of the %d gate attestations of the model is a verdict with metrics %s (%s): "+
		"gate it again with a key, or give its metrics file", arg, len(found), by, strings.Join(attest.Reasons(checked), "; "))
}

// attestedMetrics reads the metrics a counting gate attestation recorded;
// an error says it recorded none or they cannot be read.
func attestedMetrics(c attest.Checked) (map[string]any, error) {
	if !c.Counts() {
		return nil, nil
	}
	var v Verdict
	if err := c.Statement.DecodePredicate(&v); err != nil {
		return nil, fmt.Errorf("attestation %s: %w", c.Descriptor.Digest, err)
	}
	if v.MetricValues == nil {
		return nil, fmt.Errorf("attestation %s: the verdict records no metrics", c.Descriptor.Digest)
	}
	return v.MetricValues, nil
}
