package promote

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Registries have no conditional tag update (the distribution spec has no
// If-Match on a manifest PUT), so moving ENV-history is a compare-and-swap
// emulated by the writer:
//
//  1. read the head H (tag → manifest → open page);
//  2. if an earlier attempt's record is already in H, stop;
//  3. write the next head N = H + record, untagged (by digest);
//  4. re-resolve the tag: if it no longer names H, another writer won,
//     go to 1 (after a jittered pause);
//  5. tag N;
//  6. wait the settle time, re-resolve the tag, and follow the heads'
//     previous links back to N's count: if N is not among them, another
//     writer's tag landed over ours, so go to 1.
//
// A head is a pure function of the head before it and the record added, so
// two writers that rebuild the same state produce the same digest, and a
// retry never adds a record twice. What remains possible is a writer whose
// check (4) and tag (5) straddle another writer's whole attempt, landing
// after that writer's settle time (6) had passed: no client can rule that
// out without a conditional PUT. The settle time is three times this
// writer's own check-to-tag time, and at least minSettle, and a writer
// whose own check-to-tag took longer than minSettle warns.

// appendConfig tunes the loop; tests shorten it.
type appendConfig struct {
	minSettle, maxSettle time.Duration
	attempts             int
	sleep                func(context.Context, time.Duration) error
	warn                 func(string)
}

func defaultAppendConfig() appendConfig {
	return appendConfig{minSettle: 200 * time.Millisecond, maxSettle: 3 * time.Second, attempts: 12, sleep: sleepCtx, warn: func(string) {}}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// appendRecord adds rec (already written, with its ID) to env's history in
// store and returns the head that holds it.
func appendRecord(ctx context.Context, store oci.Store, env string, rec Record, cfg appendConfig) (Head, error) {
	tag := HistoryTag(env)
	for attempt := range cfg.attempts {
		if attempt > 0 {
			pause := time.Duration(25+rand.IntN(100*attempt)) * time.Millisecond
			if err := cfg.sleep(ctx, pause); err != nil {
				return Head{}, err
			}
		}
		base, err := readHead(ctx, store, env)
		if err != nil {
			return Head{}, err
		}
		state, err := loadOpenPage(ctx, store, base)
		if err != nil {
			return Head{}, err
		}
		if attempt > 0 {
			if in, err := state.holds(ctx, store, rec.ID); err != nil || in {
				return base, err
			}
		}
		next, err := state.with(store, env, rec)
		if err != nil {
			return Head{}, err
		}
		if err := store.WriteImage(ctx, next.img, ""); err != nil {
			return Head{}, fmt.Errorf("writing the history of %s in %s: %w", env, store.Ref(), err)
		}
		start := time.Now()
		if cur, err := resolveOrZero(ctx, store, tag); err != nil {
			return Head{}, err
		} else if cur != base.Descriptor.Digest {
			continue // another writer moved it: rebuild on theirs
		}
		if err := store.Tag(ctx, next.desc, tag); err != nil {
			return Head{}, fmt.Errorf("moving %s in %s: %w", tag, store.Ref(), err)
		}
		took := time.Since(start)
		if took > cfg.minSettle {
			cfg.warn(fmt.Sprintf("moving %s took %s between check and tag: a promotion to %s made at the same moment may be missing from its history (its record is still attached to its digest)",
				tag, took.Round(time.Millisecond), env))
		}
		if err := cfg.sleep(ctx, min(max(3*took, cfg.minSettle), cfg.maxSettle)); err != nil {
			return Head{}, err
		}
		head, ok, err := descends(ctx, store, env, next.head)
		if err != nil {
			return Head{}, err
		}
		if ok {
			return head, nil
		}
	}
	return Head{}, fault.Runtimef("the history of %s in %s kept moving under %d attempts to add record %s: too many concurrent promotions; the record is attached to %s, retry",
		env, store.Ref(), cfg.attempts, rec.ID, rec.Digest)
}

func resolveOrZero(ctx context.Context, store oci.Store, tag string) (v1.Hash, error) {
	d, err := store.Resolve(ctx, tag)
	if isNotFound(err) {
		return v1.Hash{}, nil
	}
	return d.Digest, err
}

// descends reports whether the head tagged now is mine or built on it,
// walking previous links back to mine's count, and returns the current head.
func descends(ctx context.Context, store oci.Store, env string, mine Head) (Head, bool, error) {
	cur, err := readHead(ctx, store, env)
	if err != nil {
		return Head{}, false, err
	}
	h := cur
	for h.Count > mine.Count && h.Previous != "" {
		prev, err := v1.NewHash(h.Previous)
		if err != nil {
			return cur, false, nil
		}
		count := h.Count
		if h, err = readHeadAt(ctx, store, env, prev); err != nil {
			return Head{}, false, err
		}
		if h.Count >= count {
			return cur, false, nil // a history whose links do not go back: not ours
		}
	}
	return cur, h.Descriptor.Digest == mine.Descriptor.Digest, nil
}

// openState is a head with its open page read.
type openState struct {
	base Head
	open []Record
}

func loadOpenPage(ctx context.Context, store oci.Store, base Head) (openState, error) {
	s := openState{base: base}
	if len(base.Pages) == 0 {
		return s, nil
	}
	recs, err := readPage(ctx, store, base.Pages[len(base.Pages)-1])
	s.open = recs
	return s, err
}

// holds reports whether record id is among the newest records: the open
// page and the last sealed one (a retry looks for a record added moments ago).
func (s openState) holds(ctx context.Context, store oci.Store, id string) (bool, error) {
	if slices.ContainsFunc(s.open, func(r Record) bool { return r.ID == id }) {
		return true, nil
	}
	if len(s.base.Pages) < 2 {
		return false, nil
	}
	sealed, err := readPage(ctx, store, s.base.Pages[len(s.base.Pages)-2])
	return slices.ContainsFunc(sealed, func(r Record) bool { return r.ID == id }), err
}

type nextHead struct {
	built
	head Head
}

// with builds the head that adds rec: to the open page, or to a new page
// when the open one is full (it is then sealed as it is).
func (s openState) with(store oci.Store, env string, rec Record) (nextHead, error) {
	pages := slices.Clone(s.base.Pages)
	open := slices.Clone(s.open)
	if len(open) >= PageSize {
		open = nil
	} else if len(pages) > 0 {
		pages = pages[:len(pages)-1]
	}
	open = append(open, rec)
	raw, err := json.Marshal(page{Records: open})
	if err != nil {
		return nextHead{}, err
	}
	var layers []layer
	for _, p := range pages {
		layers = append(layers, layer{desc: p, store: store})
	}
	layers = append(layers, newLayer(PageMediaType, raw, map[string]string{annotationPageCount: strconv.Itoa(len(open))}))
	count := s.base.Count + 1
	ann := map[string]string{
		annotationHistoryEnv: env,
		annotationCount:      strconv.Itoa(count),
		annotationLatest:     rec.Digest,
		annotationLatestID:   rec.ID,
		annotationCreated:    rec.Time.UTC().Format(time.RFC3339Nano),
	}
	if !s.base.Empty() {
		ann[annotationPrevious] = s.base.Descriptor.Digest.String()
	}
	b, err := buildArtifact(HistoryArtifactType, layers, nil, ann)
	if err != nil {
		return nextHead{}, err
	}
	head := Head{Descriptor: b.desc, Count: count, Latest: rec.Digest, LatestID: rec.ID, Previous: ann[annotationPrevious]}
	for _, l := range layers {
		head.Pages = append(head.Pages, l.desc)
	}
	return nextHead{built: b, head: head}, nil
}
