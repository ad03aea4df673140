package promote

import (
	"context"

	"github.com/slipwayhq/slipway/internal/oci"
)

// Pinned lists the digests the promotion histories of store name: every
// record, the artifacts it put in and took out of an environment, and the
// attestations its gate relied on. slipway gc keeps them (oci.GCRequest.Keep)
// although no tag may reach them any more, so history, rollback and the
// records attached to each digest survive a gc.
func Pinned(ctx context.Context, store oci.Store) ([]string, error) {
	envs, err := Environments(ctx, store)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, env := range envs {
		recs, _, err := History(ctx, store, env, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out = append(out, r.ID, r.Digest, r.Previous)
			if r.Gate != nil {
				out = append(out, r.Gate.Attestation)
			}
		}
	}
	return out, nil
}
