package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
	"github.com/slipwayhq/slipway/internal/modelpack"
)

// readBaseline resolves --baseline: a metrics file, or a model reference
// whose newest gate attestation holds the metrics it was gated with.
func (g *globalOptions) readBaseline(ctx context.Context, arg string) (*gate.Baseline, error) {
	if arg == "" {
		return nil, nil
	}
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		m, err := gate.ReadMetrics(arg)
		if err != nil {
			return nil, err
		}
		return &gate.Baseline{Model: &gate.ModelRef{Name: filepath.Base(arg), Reference: arg}, Metrics: m, Source: "file"}, nil
	}
	ref, err := g.parseRef(arg)
	if err != nil {
		return nil, fault.Usagef("--baseline %s is neither a metrics file nor a model reference: %v", arg, err)
	}
	if ref.Identifier() == "" {
		return nil, fault.Usagef("--baseline %s: give a tag or digest", arg)
	}
	store := g.store(ref.WithTag(""), nil)
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	found, err := attest.Find(ctx, store, art.Descriptor.Digest, attest.PredicateGate)
	if err != nil {
		return nil, fmt.Errorf("--baseline: finding the gate attestation of %s: %w", arg, err)
	}
	for _, f := range found {
		if f.Err != nil {
			continue
		}
		stmt, err := attest.Decode(f.Envelope)
		if err != nil {
			continue
		}
		var v gate.Verdict
		if err := stmt.DecodePredicate(&v); err != nil || v.MetricValues == nil {
			continue
		}
		return &gate.Baseline{
			Model:   &gate.ModelRef{Name: art.Name, Version: art.Version, Digest: art.Descriptor.Digest.String(), Reference: ref.WithDigest(art.Descriptor.Digest.String()).String()},
			Metrics: v.MetricValues, Source: "reference",
		}, nil
	}
	return nil, fault.Usagef("--baseline %s: the model has no gate attestation with metrics: gate it first, or give its metrics file", arg)
}
