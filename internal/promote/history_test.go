package promote

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/oci"
	"github.com/slipwayhq/slipway/internal/registrytest"
)

// seed adds n records about d to env's history directly, as n promotions
// would (without the checks), and returns them oldest first.
func seed(t testing.TB, store oci.Store, env string, d v1.Descriptor, n int) []Record {
	t.Helper()
	ctx, cfg := context.Background(), defaultAppendConfig()
	cfg.minSettle, cfg.maxSettle = 0, 0
	var out []Record
	for i := range n {
		rec := Record{Action: ActionPromote, Environment: env, Repository: store.Ref().String(), Digest: d.Digest.String(),
			Actor: "seed", Version: fmt.Sprintf("1.0.%d", i), Time: t0.Add(time.Duration(i) * time.Minute)}
		rec, err := writeRecord(ctx, store, d, rec)
		require.NoError(t, err)
		_, err = appendRecord(ctx, store, env, rec, cfg)
		require.NoError(t, err)
		out = append(out, rec)
	}
	return out
}

func TestHistoryPagesAndRequests(t *testing.T) {
	ctx := context.Background()
	host, stats := registrytest.Counting(t, registrytest.InProcess(t, registrytest.WithoutReferrers()))
	store := repoIn(t, host, "acme/iris")
	d := pushImage(t, store, nil)
	n := 2*PageSize + 7
	recs := seed(t, store, "staging", d, n)

	head, err := readHead(ctx, store, "staging")
	require.NoError(t, err)
	assert.Equal(t, n, head.Count)
	assert.Len(t, head.Pages, 3, "%d records in pages of %d", n, PageSize)

	for _, tc := range []struct {
		limit, records, pages int
	}{{5, 5, 1}, {20, 20, 2}, {PageSize + 7, PageSize + 7, 2}, {0, n, 3}} {
		stats.Reset()
		got, _, err := History(ctx, store, "staging", tc.limit)
		require.NoError(t, err)
		require.Len(t, got, tc.records, "History(limit %d)", tc.limit)
		assert.Equal(t, recs[n-1].ID, got[0].ID, "newest first")
		assert.Equal(t, recs[n-tc.records].ID, got[tc.records-1].ID)
		blobs := stats.Count("GET", "/blobs/")
		assert.Equal(t, tc.pages, blobs, "History(limit %d) read %d pages, want %d", tc.limit, blobs, tc.pages)
		assert.LessOrEqual(t, len(stats.Requests()), 2*(2+tc.pages), "History(limit %d) made these requests: %v", tc.limit, stats.Requests())
	}

	envs, err := Environments(ctx, store)
	require.NoError(t, err)
	assert.Equal(t, []string{"staging"}, envs)
}

func TestConcurrentPromotionsKeepEveryRecord(t *testing.T) {
	for name, open := range map[string]func(*testing.T) oci.Store{
		"registry":             func(t *testing.T) oci.Store { return registryStore(t) },
		"registry, tag scheme": func(t *testing.T) oci.Store { return registryStore(t, registrytest.WithoutReferrers()) },
		"layout":               layoutStore,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, c, k, store := context.Background(), newClock(), newKeys(t), open(t)
			const writers = 6
			var digests []v1.Descriptor
			for range writers {
				digests = append(digests, gated(t, store, k))
			}
			var wg sync.WaitGroup
			results := make([]*Result, writers)
			errs := make([]error, writers)
			for i, d := range digests {
				wg.Go(func() {
					// The default settle time: the guarantee depends on it.
					results[i], errs[i] = Promote(ctx, request(store, d, config.Environment{Name: "production"}, &k), WithClock(c.Now))
				})
			}
			wg.Wait()
			for i, err := range errs {
				require.NoError(t, err, "writer %d", i)
			}
			recs, head, err := History(ctx, store, "production", 0)
			require.NoError(t, err)
			require.Len(t, recs, writers, "every concurrent promotion is in the history")
			seen := map[string]bool{}
			for _, r := range recs {
				seen[r.ID] = true
			}
			for i, res := range results {
				assert.True(t, seen[res.Record.ID], "writer %d's record %s is in the history", i, res.Record.ID)
			}
			tagged, err := store.Resolve(ctx, "production")
			require.NoError(t, err)
			assert.Equal(t, head.Latest, tagged.Digest.String(), "the tag names what the newest record put there")
			assert.Equal(t, recs[0].Digest, tagged.Digest.String())
		})
	}
}

func TestLostUpdateIsDetected(t *testing.T) {
	// A writer whose tag lands over ours, built on the head before ours,
	// must make us retry: the history then holds both records.
	ctx, store := context.Background(), registryStore(t)
	d := pushImage(t, store, nil)
	mine := Record{Action: ActionPromote, Environment: "e", Digest: d.Digest.String(), Actor: "a", Time: t0}
	mine, err := writeRecord(ctx, store, d, mine)
	require.NoError(t, err)
	theirs := Record{Action: ActionPromote, Environment: "e", Digest: d.Digest.String(), Actor: "b", Time: t0.Add(time.Second)}
	theirs, err = writeRecord(ctx, store, d, theirs)
	require.NoError(t, err)
	// Their head, built on the empty history, waits to overwrite ours.
	rival, err := openState{}.with(store, "e", theirs)
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(ctx, rival.img, ""))

	cfg := defaultAppendConfig()
	overwritten := false
	cfg.sleep = func(ctx context.Context, d time.Duration) error {
		if !overwritten { // the settle after our tag: their slow tag lands now
			overwritten = true
			return store.Tag(ctx, rival.desc, HistoryTag("e"))
		}
		return nil
	}
	head, err := appendRecord(ctx, store, "e", mine, cfg)
	require.NoError(t, err)
	assert.Equal(t, 2, head.Count)
	recs, _, err := History(ctx, store, "e", 0)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, []string{mine.ID, theirs.ID}, []string{recs[0].ID, recs[1].ID}, "ours was added again, on theirs")
}

func TestHostileHistories(t *testing.T) {
	ctx, store := context.Background(), registryStore(t)
	d := pushImage(t, store, nil)
	require.NoError(t, store.Tag(ctx, d, HistoryTag("prod")))
	_, _, err := History(ctx, store, "prod", 0)
	require.Error(t, err, "a history tag on something else")
	assert.Contains(t, err.Error(), "is not a Slipway history")

	// Two heads whose previous links point at each other must not loop.
	b, err := buildArtifact(HistoryArtifactType, nil, nil, map[string]string{annotationCount: "6", annotationPrevious: "sha256:" + strings.Repeat("1", 64)})
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(ctx, b.img, ""))
	a, err := buildArtifact(HistoryArtifactType, nil, nil, map[string]string{annotationCount: "5", annotationPrevious: b.desc.Digest.String()})
	require.NoError(t, err)
	require.NoError(t, store.WriteImage(ctx, a.img, ""))
	require.NoError(t, store.Tag(ctx, a.desc, HistoryTag("prod")))
	_, ok, err := descends(ctx, store, "prod", Head{Count: 1})
	require.NoError(t, err)
	assert.False(t, ok)
}
