package policy

import (
	"reflect"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// dataDoc is one data document and where in data it is rooted.
type dataDoc struct {
	name     string   // for messages
	prefix   []string // path under data; none for the root
	value    any
	raw      []byte
	override bool // a --data document: overrides data shipped with policies
}

// mergeData merges the data documents in two layers: those that come with
// the policies (folders, bundles, the embedded library) are the defaults,
// and --data documents override them key by key. Within a layer two
// documents may only meet in objects, so two files disagreeing is an
// error naming both rather than a silent pick.
func mergeData(docs []dataDoc) (map[string]any, error) {
	base, user := newDataTree(), newDataTree()
	for _, d := range docs {
		t := base
		if d.override {
			t = user
		}
		if err := t.add(d); err != nil {
			return nil, err
		}
	}
	overlay(base.root, user.root)
	return base.root, nil
}

// overlay writes src over dst: objects merge, anything else replaces.
func overlay(dst, src map[string]any) {
	for k, v := range src {
		dm, ok1 := dst[k].(map[string]any)
		sm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			overlay(dm, sm)
			continue
		}
		dst[k] = v
	}
}

// dataTree merges data documents, remembering which file set each path so
// that a clash can name both files.
type dataTree struct {
	root   map[string]any
	owners map[string]string // "a.b.c" → file that first set it
}

func newDataTree() *dataTree {
	return &dataTree{root: map[string]any{}, owners: map[string]string{}}
}

// add merges doc into the tree. Objects merge key by key; anything else
// meeting an existing value is a clash, unless the two are equal.
func (t *dataTree) add(doc dataDoc) error {
	node, at := t.root, ""
	for _, seg := range doc.prefix {
		at = joinKey(at, seg)
		switch next := node[seg].(type) {
		case map[string]any:
			node = next
		case nil:
			if _, taken := node[seg]; taken {
				return t.clash(at, doc.name)
			}
			m := map[string]any{}
			node[seg], t.owners[at] = m, doc.name
			node = m
		default:
			return t.clash(at, doc.name)
		}
	}
	// A copy: merging writes into the tree's objects, and the documents
	// may be merged again (PushOCI checks, then pushes).
	obj, ok := deepCopy(doc.value).(map[string]any)
	if !ok {
		return fault.Usagef("data document %s: want an object at the top, got %s", doc.name, describe(doc.value))
	}
	return t.merge(node, obj, at, doc.name)
}

func (t *dataTree) merge(dst, src map[string]any, at, name string) error {
	for k, v := range src {
		p := joinKey(at, k)
		old, exists := dst[k]
		if !exists {
			dst[k] = v
			t.own(p, v, name)
			continue
		}
		oldObj, ok1 := old.(map[string]any)
		newObj, ok2 := v.(map[string]any)
		switch {
		case ok1 && ok2:
			if err := t.merge(oldObj, newObj, p, name); err != nil {
				return err
			}
		case reflect.DeepEqual(old, v):
		default:
			return t.clash(p, name)
		}
	}
	return nil
}

// own records name as the owner of p and of every path below it.
func (t *dataTree) own(p string, v any, name string) {
	t.owners[p] = name
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			t.own(joinKey(p, k), e, name)
		}
	}
}

func (t *dataTree) clash(p, name string) error {
	first := t.owners[p]
	if first == "" {
		first = "another document"
	}
	return fault.Usagef("data conflict at data.%s: set by both %s and %s (only objects merge)", p, first, name)
}

// dataPrefix is where a bundle-style data.json in folder dir (slash
// separated, relative to its source root) is rooted.
func dataPrefix(dir string) []string {
	dir = strings.Trim(dir, "/")
	if dir == "" || dir == "." {
		return nil
	}
	return strings.Split(dir, "/")
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}
