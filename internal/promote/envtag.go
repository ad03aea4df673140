package promote

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/oci"
)

// moveEnvTag points env at the digest the history's newest record put
// there, which is ours unless a concurrent promotion was recorded after
// it. After each move it reads the history again: a concurrent writer
// always records before it tags, so if the newest record is still the one
// tagged, any later writer will tag after us. It returns the digest env
// names when it is done.
func moveEnvTag(ctx context.Context, store oci.Store, env string, head Head) (string, error) {
	for range 8 {
		target, err := v1.NewHash(head.Latest)
		if err != nil {
			return "", fmt.Errorf("history of %s names no digest (%q)", env, head.Latest)
		}
		desc, err := store.Resolve(ctx, target.String())
		if err != nil {
			return "", fmt.Errorf("resolving %s in %s: %w", target, store.Ref(), err)
		}
		if err := store.Tag(ctx, desc, env); err != nil {
			return "", fmt.Errorf("moving %s:%s to %s: %w", store.Ref(), env, target, err)
		}
		now, err := readHead(ctx, store, env)
		if err != nil {
			return "", err
		}
		if now.Latest == head.Latest {
			return head.Latest, nil
		}
		head = now
	}
	return "", fmt.Errorf("%s:%s: the history kept moving while tagging; run slipway history to see what it names", store.Ref(), env)
}
