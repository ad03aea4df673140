package promote

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/slipwayhq/slipway/internal/oci"
)

// scanBack calls fn on env's records newest first, a page at a time, until
// fn returns false or the history ends: checking the chain usually reads
// one page.
func scanBack(ctx context.Context, store oci.Store, head Head, fn func(Record) bool) error {
	for i := len(head.Pages) - 1; i >= 0; i-- {
		recs, err := readPage(ctx, store, head.Pages[i])
		if err != nil {
			return err
		}
		for _, r := range slices.Backward(recs) {
			if !fn(r) {
				return nil
			}
		}
	}
	return nil
}

// Stint is a stretch of time a digest was the one in an environment.
type Stint struct {
	Environment string    `json:"environment"`
	Repository  string    `json:"repository"`
	Since       time.Time `json:"since"`
	// Until is when another digest replaced it; zero while it is still there.
	Until time.Time `json:"until,omitzero"`
	// RolledBack is set when it was replaced by a rollback.
	RolledBack bool `json:"rolledBack,omitempty"`
}

// lastStint finds the latest stint of digest in env's history: from the
// first of the consecutive records that put it there to the record that
// replaced it. ok is false when digest was never there.
func lastStint(ctx context.Context, store oci.Store, env, digest string) (Stint, bool, error) {
	head, err := readHead(ctx, store, env)
	if err != nil || head.Empty() {
		return Stint{}, false, err
	}
	s := Stint{Environment: env, Repository: store.Ref().String()}
	var after *Record
	found := false
	err = scanBack(ctx, store, head, func(r Record) bool {
		switch {
		case r.Digest == digest:
			found, s.Since = true, r.Time
			return true
		case found:
			return false // the record before the stint
		}
		after = &r
		return true
	})
	if err != nil || !found {
		return Stint{}, false, err
	}
	if after != nil {
		s.Until, s.RolledBack = after.Time, after.Action == ActionRollback
	}
	return s, true, nil
}

// requirement checks that digest went through env (in the first store that
// has it there) and soaked there long enough; it returns the stint and, if
// the requirement is not met, why.
func requirement(ctx context.Context, stores []oci.Store, required, target, digest string, soak time.Duration, now time.Time) (*Stint, string, error) {
	for _, store := range stores {
		s, ok, err := lastStint(ctx, store, required, digest)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			continue
		}
		if s.RolledBack {
			return &s, fmt.Sprintf("%s requires %s, and %s was rolled back out of %s at %s",
				target, required, oci.ShortDigest(digest), required, stamp(s.Until)), nil
		}
		end := s.Until
		if end.IsZero() {
			end = now
		}
		if stayed := end.Sub(s.Since); stayed < soak {
			if s.Until.IsZero() {
				return &s, fmt.Sprintf("%s requires %s of soak in %s: %s has been there since %s (%s); ready at %s",
					target, soak, required, oci.ShortDigest(digest), stamp(s.Since), round(stayed), stamp(s.Since.Add(soak))), nil
			}
			return &s, fmt.Sprintf("%s requires %s of soak in %s: %s was there only %s (%s to %s)",
				target, soak, required, oci.ShortDigest(digest), round(stayed), stamp(s.Since), stamp(s.Until)), nil
		}
		return &s, "", nil
	}
	return nil, fmt.Sprintf("%s requires %s first: %s was never promoted to %s", target, required, oci.ShortDigest(digest), required), nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

func round(d time.Duration) time.Duration {
	if d > time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
