package modelpack

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/dustin/go-humanize/english"
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
	// Changes are the files added, removed and changed, and those whose
	// role changed, by path (never null).
	Changes []Change `json:"changes"`
	// Metadata are the fields of the model's config that differ (name,
	// version, licences, authors, architecture, format, …; never null).
	Metadata []FieldChange `json:"metadata"`
	// Files is how many files A holds.
	Files int `json:"files"`
	// Differ says A and B differ in files, roles or metadata.
	Differ bool `json:"differ"`
}

// FieldChange is one config field that differs; values are JSON, "" when
// the side lacks the field.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Err is the outcome of a diff that found differences (fault.Denied, exit
// 1, as diff and git diff --exit-code do); nil when A and B are the same.
func (r *DiffResult) Err() error {
	if !r.Differ {
		return nil
	}
	return fault.Deniedf("%s and %s differ: %s, %s", r.A, r.B,
		english.Plural(len(r.Changes), "file", "files"), english.Plural(len(r.Metadata), "metadata field", "metadata fields"))
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
	aFiles, aCfg, err := a.read(ctx, client, req.Cache)
	if err != nil {
		return nil, err
	}
	bFiles, bCfg, err := b.read(ctx, client, req.Cache)
	if err != nil {
		return nil, err
	}
	res := &DiffResult{A: req.A, B: req.B, Changes: nonNil(diffFiles(aFiles, bFiles)), Metadata: diffConfigs(aCfg, bCfg), Files: len(aFiles)}
	res.Differ = len(res.Changes) > 0 || len(res.Metadata) > 0
	return res, nil
}

// diffFiles is Compare, with the roles: the same bytes under another role
// are a "role" change, and a changed file whose role changed says so.
func diffFiles(old, new []LockFile) []Change {
	changes := Compare(old, new)
	oldBy := map[string]LockFile{}
	for _, f := range old {
		oldBy[f.Path] = f
	}
	changed := map[string]int{}
	for i, c := range changes {
		changed[c.Path] = i
	}
	for _, n := range new {
		o, ok := oldBy[n.Path]
		if !ok || o.Role == n.Role {
			continue
		}
		if i, ok := changed[n.Path]; ok {
			changes[i].OldRole, changes[i].NewRole = o.Role, n.Role
			continue
		}
		changes = append(changes, Change{Path: n.Path, Kind: "role", OldSize: o.Size, NewSize: n.Size, OldRole: o.Role, NewRole: n.Role})
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return changes
}

// diffConfigs lists the config fields that differ, by their dotted path
// (descriptor.version, config.architecture, package.name for a
// ModelKit). The layer digests (modelfs) and the creation time are left
// out: files are compared on their own, and a time is not content.
func diffConfigs(a, b json.RawMessage) []FieldChange {
	fa, fb := map[string]string{}, map[string]string{}
	flattenConfig(a, fa)
	flattenConfig(b, fb)
	var out []FieldChange
	for _, k := range slices.Sorted(maps.Keys(fa)) {
		if fa[k] != fb[k] {
			out = append(out, FieldChange{Field: k, Old: fa[k], New: fb[k]})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fb)) {
		if _, ok := fa[k]; !ok {
			out = append(out, FieldChange{Field: k, New: fb[k]})
		}
	}
	slices.SortFunc(out, func(x, y FieldChange) int { return strings.Compare(x.Field, y.Field) })
	return nonNil(out)
}

func flattenConfig(raw json.RawMessage, out map[string]string) {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	delete(m, "modelfs")
	if d, ok := m["descriptor"].(map[string]any); ok {
		delete(d, "createdAt")
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				walk(strings.TrimPrefix(prefix+"."+k, "."), x)
			}
			return
		}
		b, _ := json.Marshal(v)
		out[prefix] = string(b)
	}
	walk("", m)
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

// read lists the side's files and its config: a folder's as pack would
// write it (with the version it declares).
func (s side) read(ctx context.Context, c oci.Client, cache *HashCache) ([]LockFile, json.RawMessage, error) {
	if s.dir != "" {
		files, err := DirFiles(s.dir, cache)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := FolderConfig(s.dir)
		return files, cfg, err
	}
	store := c.Open(s.ref)
	art, err := Open(ctx, store, s.ref.Identifier())
	if err != nil {
		return nil, nil, err
	}
	files, err := art.Files(ctx, store)
	return files, art.Config, err
}
