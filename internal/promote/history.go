package promote

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// An environment's history is one manifest, tagged ENV-history, whose
// layers are pages of at most PageSize records, oldest first; the last
// page is the open one, rewritten by each promotion, the others are sealed
// and never change. Reading the newest records is three requests (resolve
// the tag, the manifest, the last page) however long the history; reading
// all of it is one more per page, fetched in parallel. Every page is a layer
// of the tagged manifest, so registry garbage collection keeps them all.
//
// Each head names the head it replaced (annotationPrevious) and carries the
// count of records and the digest the environment should point at: that is
// how writers detect a lost update (append.go).

// PageSize is how many records a page holds before it is sealed. A page
// is about PageSize KiB: what each promotion uploads at most.
const PageSize = 50

const (
	annotationHistoryEnv = "dev.slipway.history.environment"
	annotationCount      = "dev.slipway.history.count"
	annotationLatest     = "dev.slipway.history.latest"
	annotationLatestID   = "dev.slipway.history.latest-record"
	annotationPrevious   = "dev.slipway.history.previous"
	annotationPageCount  = "dev.slipway.history.records"
	maxPage              = 4 << 20
)

// HistoryTag is the tag of env's history.
func HistoryTag(env string) string { return env + config.HistorySuffix }

// Head is an environment's history manifest as read from the store.
type Head struct {
	// Descriptor is the manifest's; zero when the environment has no history.
	Descriptor v1.Descriptor
	// Pages are the page blobs, oldest first.
	Pages []v1.Descriptor
	// Count is the number of records in all pages.
	Count int
	// Latest is the digest the last record put in the environment.
	Latest string
	// LatestID is the last record's ID.
	LatestID string
	// Previous is the digest of the head this one replaced.
	Previous string
}

// Empty reports whether there is no history.
func (h Head) Empty() bool { return h.Descriptor.Digest.Hex == "" }

// readHead resolves env's history tag and reads the manifest it names.
func readHead(ctx context.Context, store oci.Store, env string) (Head, error) {
	desc, err := store.Resolve(ctx, HistoryTag(env))
	if errors.Is(err, oci.ErrNotFound) {
		return Head{}, nil
	}
	if err != nil {
		return Head{}, fmt.Errorf("reading the history of %s in %s: %w", env, store.Ref(), err)
	}
	return readHeadAt(ctx, store, env, desc.Digest)
}

// readHeadAt reads the history manifest h.
func readHeadAt(ctx context.Context, store oci.Store, env string, h v1.Hash) (Head, error) {
	m, err := readManifest(ctx, store, h)
	if err != nil {
		return Head{}, fmt.Errorf("reading the history of %s in %s: %w", env, store.Ref(), err)
	}
	if m.ArtifactType != HistoryArtifactType {
		return Head{}, fault.Usagef("%s:%s in %s is not a Slipway history (artifactType %q): the tag is Slipway's; move it away",
			store.Ref(), HistoryTag(env), store.Ref(), m.ArtifactType)
	}
	head := Head{
		Descriptor: v1.Descriptor{MediaType: m.MediaType, Digest: h, ArtifactType: m.ArtifactType},
		Latest:     m.Annotations[annotationLatest],
		LatestID:   m.Annotations[annotationLatestID],
		Previous:   m.Annotations[annotationPrevious],
	}
	if head.Count, err = count(m.Annotations, annotationCount); err != nil {
		return Head{}, fault.Runtimef("history %s of %s in %s: manifest annotation %w", h, env, store.Ref(), err)
	}
	for _, l := range m.Layers {
		if l.MediaType != PageMediaType {
			return Head{}, fault.Runtimef("history %s of %s has a layer of type %q", h, env, l.MediaType)
		}
		if _, err := pageCount(l); err != nil {
			return Head{}, fault.Runtimef("history %s of %s in %s: %w", h, env, store.Ref(), err)
		}
		head.Pages = append(head.Pages, l)
	}
	return head, nil
}

// count reads the non-negative number annotations[key] of a history.
func count(annotations map[string]string, key string) (int, error) {
	v := annotations[key]
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a count: %w", key, v, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s=%q is not a count: it is negative", key, v)
	}
	return n, nil
}

type page struct {
	Records []Record `json:"records"`
}

func readPage(ctx context.Context, store oci.Store, d v1.Descriptor) ([]Record, error) {
	var p page
	if err := readJSONBlob(ctx, store, d, maxPage, &p); err != nil {
		return nil, fmt.Errorf("reading history page %s: %w", d.Digest, err)
	}
	return p.Records, nil
}

// pageCount is how many records page d holds, as its annotation says.
func pageCount(d v1.Descriptor) (int, error) {
	n, err := count(d.Annotations, annotationPageCount)
	if err != nil {
		return 0, fmt.Errorf("page %s: annotation %w", d.Digest, err)
	}
	return n, nil
}

// History reads env's history in store: the newest limit records (all
// with limit 0), newest first.
func History(ctx context.Context, store oci.Store, env string, limit int) ([]Record, Head, error) {
	head, err := readHead(ctx, store, env)
	if err != nil || head.Empty() {
		return nil, head, err
	}
	recs, err := head.records(ctx, store, limit)
	return recs, head, err
}

// records reads the pages holding the newest limit records (0: all),
// newest first, fetching pages in parallel.
func (h Head) records(ctx context.Context, store oci.Store, limit int) ([]Record, error) {
	first, n := len(h.Pages), 0
	for first > 0 && (limit <= 0 || n < limit) {
		first--
		c, err := pageCount(h.Pages[first])
		if err != nil {
			return nil, err
		}
		if c > 0 {
			n += c
		} else {
			n += PageSize
		}
	}
	pages := make([][]Record, len(h.Pages)-first)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range pages {
		g.Go(func() error {
			recs, err := readPage(gctx, store, h.Pages[first+i])
			pages[i] = recs
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []Record
	for _, p := range slices.Backward(pages) {
		for _, r := range slices.Backward(p) {
			out = append(out, r)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Environments lists the environments of store that have a history.
func Environments(ctx context.Context, store oci.Store) ([]string, error) {
	tags, err := store.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s: %w", store.Ref(), err)
	}
	return environmentsOf(tags), nil
}

// environmentsOf picks the environments out of a repository's tags: those
// with a history tag (ENV-history).
func environmentsOf(tags []string) []string {
	var envs []string
	for _, t := range tags {
		if env, ok := strings.CutSuffix(t, config.HistorySuffix); ok && env != "" {
			envs = append(envs, env)
		}
	}
	slices.Sort(envs)
	return envs
}

// sortOldestFirst orders records by time (then ID, for a stable order).
func sortOldestFirst(recs []Record) {
	slices.SortStableFunc(recs, func(a, b Record) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
	})
}

// Histories reads the newest limit records (0: all) of each of envs and
// merges them, newest first by time.
func Histories(ctx context.Context, store oci.Store, envs []string, limit int) ([]Record, error) {
	all := []Record{}
	for _, env := range envs {
		recs, _, err := History(ctx, store, env, limit)
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
	}
	if len(envs) > 1 {
		sortOldestFirst(all)
		slices.Reverse(all)
	}
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}
