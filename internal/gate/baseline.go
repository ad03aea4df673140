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
	// Warn is told about gate attestations that could not be read; nil
	// drops the message (the error without a baseline still counts them).
	Warn func(string)
}

// ReadBaseline resolves a baseline: a metrics file, or a model reference
// whose newest gate attestation holds the metrics it was gated with. It
// returns nil without a baseline.
//
// The attestations are not verified: a baseline is what the candidate is
// compared with, not a permission.
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
	store := req.Client.Open(ref)
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	found, err := attest.Find(ctx, store, art.Descriptor.Digest, attest.PredicateGate)
	if err != nil {
		return nil, fmt.Errorf("--baseline: finding the gate attestation of %s: %w", arg, err)
	}
	var unreadable []string
	for _, f := range found {
		metrics, err := attestedMetrics(f)
		if err != nil {
			unreadable = append(unreadable, err.Error())
			continue
		}
		if metrics == nil {
			continue
		}
		if len(unreadable) > 0 && req.Warn != nil {
			req.Warn(fmt.Sprintf("--baseline %s: passed over %d newer gate attestations that could not be read: %s",
				arg, len(unreadable), strings.Join(unreadable, "; ")))
		}
		pinned := ref.WithDigest(art.Descriptor.Digest.String()).String()
		return &Baseline{
			Model:   &ModelRef{Name: art.Name, Version: art.Version, Digest: art.Descriptor.Digest.String(), Reference: pinned},
			Metrics: metrics, Source: "reference",
		}, nil
	}
	msg := fmt.Sprintf("--baseline %s: the model has no gate attestation with metrics: gate it first, or give its metrics file", arg)
	if len(unreadable) > 0 {
		msg += fmt.Sprintf(" (%d of %d gate attestations could not be read: %s)", len(unreadable), len(found), strings.Join(unreadable, "; "))
	}
	return nil, fault.Usagef("%s", msg)
}

// attestedMetrics reads the metrics a gate attestation recorded: nil when
// it recorded none, an error naming the attestation when it cannot be read.
func attestedMetrics(f attest.Found) (map[string]any, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	stmt, err := attest.Decode(f.Envelope)
	if err != nil {
		return nil, fmt.Errorf("attestation %s: %w", f.Descriptor.Digest, err)
	}
	var v Verdict
	if err := stmt.DecodePredicate(&v); err != nil {
		return nil, fmt.Errorf("attestation %s: %w", f.Descriptor.Digest, err)
	}
	return v.MetricValues, nil
}
