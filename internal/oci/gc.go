package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
)

// GCRequest says which local stores GC cleans and how.
type GCRequest struct {
	// Stores are the layouts to clean, as oci:DIR references; none means
	// every layout directly under Root.
	Stores []string
	// Root is the folder whose layouts are cleaned when Stores is empty
	// (.slipway when "").
	Root string
	// DryRun lists what would be removed and removes nothing.
	DryRun bool
	// Grace keeps manifests and blobs written less than this long ago: a
	// pack in flight has written blobs that no manifest names yet.
	Grace time.Duration
	// Keep lists digests of a store that must survive although no tag
	// reaches them, with what they reach (promote.Pinned: the artifacts,
	// records and attestations promotion histories name, so a rollback
	// can still move a tag back). nil keeps only what tags reach.
	Keep func(ctx context.Context, s Store) ([]string, error)
}

// GCResult is what GC removed (or, in a dry run, would remove).
type GCResult struct {
	// DryRun says nothing was removed.
	DryRun bool `json:"dryRun"`
	// Stores has one entry per layout cleaned.
	Stores []GCStore `json:"stores"`
	// Manifests, Blobs and TempFiles count what was removed in all stores.
	Manifests int `json:"manifests"`
	Blobs     int `json:"blobs"`
	TempFiles int `json:"tempFiles"`
	// BytesFreed is the size of every file removed.
	BytesFreed int64 `json:"bytesFreed"`
}

// GCStore is what GC removed from one layout.
type GCStore struct {
	// Store is the layout, as oci:DIR.
	Store string `json:"store"`
	// Manifests are the digests of the manifests removed from index.json
	// (their blobs are counted in Blobs too).
	Manifests []string `json:"manifests"`
	// Blobs are the digests of the blob files removed.
	Blobs []string `json:"blobs"`
	// TempFiles are the abandoned temporary files removed.
	TempFiles []string `json:"tempFiles"`
	// BytesFreed is the size of the files removed.
	BytesFreed int64 `json:"bytesFreed"`
}

// GC removes from local layouts what nothing keeps: manifests no tag
// reaches (through index children, subjects, and referrers of kept
// manifests) and that req.Keep does not name, blobs no kept manifest
// names, and temporary files abandoned by killed writers. It holds each
// layout's index lock while it decides and removes, so packs into the same
// store wait; what is younger than req.Grace is kept. A manifest that does
// not match its digest stops GC for that store: nothing is removed on the
// word of forged data.
func GC(ctx context.Context, req GCRequest) (*GCResult, error) {
	dirs, err := gcLayouts(req)
	if err != nil {
		return nil, err
	}
	res := &GCResult{DryRun: req.DryRun, Stores: []GCStore{}}
	for _, dir := range dirs {
		st, err := gcLayout(ctx, &layoutStore{dir: dir}, req, time.Now())
		if err != nil {
			return nil, fmt.Errorf("cleaning %s: %w", Ref{Layout: dir}, err)
		}
		res.Stores = append(res.Stores, *st)
		res.Manifests += len(st.Manifests)
		res.Blobs += len(st.Blobs)
		res.TempFiles += len(st.TempFiles)
		res.BytesFreed += st.BytesFreed
	}
	return res, nil
}

// gcLayouts lists the layout folders req names.
func gcLayouts(req GCRequest) ([]string, error) {
	var dirs []string
	for _, s := range req.Stores {
		ref, err := ParseRef(s, false)
		if err != nil {
			return nil, err
		}
		if !ref.IsLayout() || ref.Identifier() != "" {
			return nil, fault.Usagef("%s: gc cleans local stores; give oci:DIR without tag or digest", s)
		}
		if _, err := os.Stat(filepath.Join(ref.Layout, "index.json")); err != nil {
			return nil, fault.Usagef("%s is not an OCI layout (no index.json)", s)
		}
		dirs = append(dirs, ref.Layout)
	}
	if len(req.Stores) > 0 {
		return dirs, nil
	}
	root := req.Root
	if root == "" {
		root = LocalStoreDir
	}
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "oci-layout")); e.IsDir() && err == nil {
			dirs = append(dirs, dir)
		}
	}
	return dirs, nil
}

// manifestLinks is what a manifest or index names.
type manifestLinks struct {
	Config    *v1.Descriptor  `json:"config"`
	Layers    []v1.Descriptor `json:"layers"`
	Manifests []v1.Descriptor `json:"manifests"`
	Subject   *v1.Descriptor  `json:"subject"`
}

type gcMarks struct {
	s         *layoutStore
	manifests map[v1.Hash]bool
	blobs     map[v1.Hash]bool
}

// mark keeps manifest h and everything it names.
func (g *gcMarks) mark(ctx context.Context, h v1.Hash) error {
	if g.manifests[h] {
		return nil
	}
	g.manifests[h] = true
	raw, err := g.s.Manifest(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return nil // a dangling entry: nothing to keep behind it
	}
	if err != nil {
		return err
	}
	var m manifestLinks
	if err := json.Unmarshal(raw, &m); err != nil {
		return fault.Runtimef("manifest %s does not parse: %w", h, err)
	}
	if m.Config != nil {
		g.blobs[m.Config.Digest] = true
	}
	for _, l := range m.Layers {
		g.blobs[l.Digest] = true
	}
	for _, c := range m.Manifests {
		if err := g.mark(ctx, c.Digest); err != nil {
			return err
		}
	}
	if m.Subject != nil {
		return g.mark(ctx, m.Subject.Digest)
	}
	return nil
}

func gcLayout(ctx context.Context, s *layoutStore, req GCRequest, now time.Time) (*GCStore, error) {
	st := &GCStore{Store: s.Ref().String(), Manifests: []string{}, Blobs: []string{}, TempFiles: []string{}}
	young := func(h v1.Hash) bool {
		info, err := os.Stat(s.blobPath(h))
		return err == nil && now.Sub(info.ModTime()) < req.Grace
	}
	err := s.locked(func() error {
		im, err := s.readIndex()
		if err != nil {
			return err
		}
		g := &gcMarks{s: s, manifests: map[v1.Hash]bool{}, blobs: map[v1.Hash]bool{}}
		for _, d := range im.Manifests {
			if d.Annotations[AnnotationRefName] != "" || young(d.Digest) {
				if err := g.mark(ctx, d.Digest); err != nil {
					return err
				}
			}
		}
		if req.Keep != nil {
			keep, err := req.Keep(ctx, s)
			if err != nil {
				return fmt.Errorf("listing what histories keep: %w", err)
			}
			for _, k := range keep {
				if h, err := v1.NewHash(k); err == nil && s.HasBlob(h) {
					if err := g.mark(ctx, h); err != nil {
						return err
					}
				}
			}
		}
		// Referrers of kept manifests are kept, and theirs in turn.
		for changed := true; changed; {
			changed = false
			for _, d := range im.Manifests {
				if g.manifests[d.Digest] {
					continue
				}
				sub := d.Annotations[annotationSubject]
				if sub == "" {
					if raw, err := s.Manifest(ctx, d.Digest); err == nil {
						sub = subjectOf(raw)
					}
				}
				if h, err := v1.NewHash(sub); err == nil && g.manifests[h] {
					if err := g.mark(ctx, d.Digest); err != nil {
						return err
					}
					changed = true
				}
			}
		}
		kept := im.Manifests[:0:0]
		for _, d := range im.Manifests {
			if g.manifests[d.Digest] {
				kept = append(kept, d)
			} else if !slices.Contains(st.Manifests, d.Digest.String()) {
				st.Manifests = append(st.Manifests, d.Digest.String())
			}
		}
		if !req.DryRun && len(kept) != len(im.Manifests) {
			im.Manifests = kept
			if err := s.writeIndex(im); err != nil {
				return err
			}
		}
		return s.gcBlobs(g, st, req, young)
	})
	if err != nil {
		return nil, err
	}
	for _, t := range s.abandonedTemps(now, TempGrace) {
		if !req.DryRun && os.Remove(t.Path) != nil {
			continue
		}
		st.TempFiles = append(st.TempFiles, t.Path)
		st.BytesFreed += t.Size
	}
	return st, nil
}

// gcBlobs removes the blob files no kept manifest names.
func (s *layoutStore) gcBlobs(g *gcMarks, st *GCStore, req GCRequest, young func(v1.Hash) bool) error {
	dir := filepath.Join(s.dir, "blobs", "sha256")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		h := v1.Hash{Algorithm: "sha256", Hex: e.Name()}
		if g.manifests[h] || g.blobs[h] || young(h) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if !req.DryRun {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
		st.Blobs = append(st.Blobs, h.String())
		st.BytesFreed += info.Size()
	}
	return nil
}
