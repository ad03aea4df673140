package modelpack

import (
	"context"
	"os"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// DiffRequest names the two models DiffModels compares.
type DiffRequest struct {
	// Client reaches the references; the command-line credentials go to
	// the first registry named.
	Client oci.Client
	// A and B are each a model folder or a reference with a tag or digest.
	A, B string
	// Cache skips hashing folder files whose stat is unchanged; nil hashes every file.
	Cache *HashCache
}

// DiffResult is what differs from A to B.
type DiffResult struct {
	// A and B are the sides compared, as given.
	A string `json:"a"`
	B string `json:"b"`
	// Changes are the files added, removed and changed, by path (never null).
	Changes []Change `json:"changes"`
	// Files is how many files A holds.
	Files int `json:"files"`
}

// DiffModels lists the files added, removed and changed from req.A to
// req.B. Only manifests are fetched when both are references packed by
// Slipway.
func DiffModels(ctx context.Context, req DiffRequest) (*DiffResult, error) {
	a, err := sideOf(req.Client, req.A)
	if err != nil {
		return nil, err
	}
	b, err := sideOf(req.Client, req.B)
	if err != nil {
		return nil, err
	}
	var refs []oci.Ref // folders are not references: a zero Ref would name Docker Hub
	for _, s := range []side{a, b} {
		if s.dir == "" {
			refs = append(refs, s.ref)
		}
	}
	client := req.Client.For(refs...)
	aFiles, err := a.files(ctx, client, req.Cache)
	if err != nil {
		return nil, err
	}
	bFiles, err := b.files(ctx, client, req.Cache)
	if err != nil {
		return nil, err
	}
	return &DiffResult{A: req.A, B: req.B, Changes: nonNil(Compare(aFiles, bFiles)), Files: len(aFiles)}, nil
}

// side is one side of a diff: a folder, or a reference when dir is "".
type side struct {
	dir string
	ref oci.Ref
}

func sideOf(c oci.Client, arg string) (side, error) {
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		return side{dir: arg}, nil
	}
	ref, err := c.Parse(arg)
	if err != nil {
		return side{}, err
	}
	if ref.Identifier() == "" {
		return side{}, fault.Usagef("%s is neither a folder nor a reference with a tag or digest", arg)
	}
	return side{ref: ref}, nil
}

func (s side) files(ctx context.Context, c oci.Client, cache *HashCache) ([]LockFile, error) {
	if s.dir != "" {
		return DirFiles(s.dir, cache)
	}
	store := c.Open(s.ref)
	art, err := Open(ctx, store, s.ref.Identifier())
	if err != nil {
		return nil, err
	}
	return art.Files(ctx, store)
}
