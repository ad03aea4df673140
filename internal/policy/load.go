package policy

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/slipwayhq/slipway/internal/fault"
)

// maxFileBytes bounds one policy or data file read into memory.
const maxFileBytes = 32 << 20

// moduleFile is one Rego file, not yet parsed.
type moduleFile struct {
	name string // for messages and as the compiler's key
	rel  string // slash-separated path inside its source: the OCI layer title
	raw  []byte
	test bool // *_test.rego: run by Test, never evaluated
	// workspace is set for a file given by path (a folder or a .rego
	// file), as opposed to an embedded library, a bundle or a reference.
	workspace bool
}

// loaded is everything the sources hold, before parsing.
type loaded struct {
	modules []moduleFile
	docs    []dataDoc
	seen    map[string][]byte // module name → content, to drop repeats
	found   int               // modules and data documents met, repeats included
}

// load reads every source. It does not parse Rego: that happens in one
// pass later, so all syntax errors are reported together.
func load(ctx context.Context, src Sources) (*loaded, error) {
	l := &loaded{seen: map[string][]byte{}}
	for _, p := range src.Paths {
		if err := l.path(p); err != nil {
			return nil, err
		}
	}
	for _, s := range src.FS {
		root := path.Clean(cmp.Or(s.Root, "."))
		if err := l.walk(s.FS, root, func(rel string) string { return path.Join(root, rel) }); err != nil {
			return nil, err
		}
	}
	for _, s := range src.OCI {
		if err := l.oci(ctx, s); err != nil {
			return nil, err
		}
	}
	for _, d := range src.Data {
		if err := l.dataPath(d); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *loaded) path(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return fault.Usagef("policy path %s: %w", p, unwrapPathError(err))
	}
	switch {
	case info.IsDir():
		from := len(l.modules)
		err := l.walk(os.DirFS(p), ".", func(rel string) string { return filepath.Join(p, filepath.FromSlash(rel)) })
		l.markWorkspace(from)
		return err
	case isBundle(p):
		f, err := os.Open(p)
		if err != nil {
			return fault.Usagef("policy bundle %s: %w", p, unwrapPathError(err))
		}
		defer f.Close()
		return l.bundle(f, p)
	case strings.HasSuffix(p, ".rego"):
		raw, err := readFile(p)
		if err != nil {
			return err
		}
		from := len(l.modules)
		err = l.addModule(p, filepath.Base(p), raw)
		l.markWorkspace(from)
		return err
	}
	return fault.Usagef("policy path %s: want a folder, a .rego file or a .tar.gz bundle", p)
}

func isBundle(name string) bool {
	return strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz")
}

// walk loads the .rego files under root in fsys, and data.json, data.yaml
// or data.yml documents rooted at their folder, as OPA bundles have them.
// Hidden folders (.git) are skipped.
func (l *loaded) walk(fsys fs.FS, root string, name func(rel string) string) error {
	return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		rel := p
		if root != "." {
			rel = strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		}
		if err != nil {
			return fault.Usagef("reading policies at %s: %w", name(rel), unwrapPathError(err))
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		isData := isDataFile(d.Name())
		if !isData && !strings.HasSuffix(d.Name(), ".rego") {
			return nil
		}
		raw, err := readFSFile(fsys, p)
		if err != nil {
			return fault.Usagef("reading %s: %w", name(rel), unwrapPathError(err))
		}
		if isData {
			return l.addData(name(rel), rel, dataPrefix(path.Dir(rel)), raw, false)
		}
		return l.addModule(name(rel), rel, raw)
	})
}

func isDataFile(base string) bool {
	switch base {
	case "data.json", "data.yaml", "data.yml":
		return true
	}
	return false
}

// bundle loads an OPA bundle tarball: its modules, and its data documents
// at their folders. Other files (.manifest, signatures) are ignored.
func (l *loaded) bundle(r io.Reader, name string) error {
	loader := bundle.NewTarballLoaderWithBaseURL(r, "").WithSizeLimitBytes(maxFileBytes)
	for {
		f, err := loader.NextFile()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fault.Usagef("policy bundle %s: %w", name, err)
		}
		rel := strings.TrimLeft(path.Clean("/"+f.Path()), "/")
		base := path.Base(rel)
		if !strings.HasSuffix(base, ".rego") && !isDataFile(base) {
			f.Close()
			continue
		}
		var buf bytes.Buffer
		_, err = f.Read(&buf, maxFileBytes)
		f.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			return fault.Usagef("policy bundle %s: reading %s: %w", name, rel, err)
		}
		if isDataFile(base) {
			err = l.addData(name+"/"+rel, rel, dataPrefix(path.Dir(rel)), buf.Bytes(), false)
		} else {
			err = l.addModule(name+"/"+rel, rel, buf.Bytes())
		}
		if err != nil {
			return err
		}
	}
}

// dataPath loads a --data file, or every JSON and YAML file under a folder,
// at the root of data.
func (l *loaded) dataPath(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return fault.Usagef("data %s: %w", p, unwrapPathError(err))
	}
	if !info.IsDir() {
		raw, err := readFile(p)
		if err != nil {
			return err
		}
		return l.addData(p, filepath.Base(p), nil, raw, true)
	}
	return filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return fault.Usagef("data %s: %w", p, err)
		}
		if d.IsDir() || formatOf(f) == "" {
			return nil
		}
		raw, err := readFile(f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p, f)
		return l.addData(f, filepath.ToSlash(rel), nil, raw, true)
	})
}

func (l *loaded) addModule(name, rel string, raw []byte) error {
	l.found++
	if prev, ok := l.seen[name]; ok {
		if bytes.Equal(prev, raw) {
			return nil
		}
		return fault.Usagef("policy %s is loaded twice with different content", name)
	}
	l.seen[name] = raw
	l.modules = append(l.modules, moduleFile{name: name, rel: rel, raw: raw, test: strings.HasSuffix(rel, "_test.rego")})
	return nil
}

// addData adds a data document rooted at prefix; override marks a --data
// document, which overrides data that came with the policies.
func (l *loaded) addData(name, rel string, prefix []string, raw []byte, override bool) error {
	l.found++
	for _, d := range l.docs {
		if d.name == name && bytes.Equal(d.raw, raw) {
			return nil
		}
	}
	format := formatOf(rel)
	if format == "" {
		format = formatJSON
	}
	docs, err := decodeDocuments(raw, format)
	if err != nil {
		return fault.Usagef("data document %s: %w", name, err)
	}
	if len(docs) != 1 {
		return fault.Usagef("data document %s: has %d YAML documents; want one", name, len(docs))
	}
	l.docs = append(l.docs, dataDoc{name: name, prefix: prefix, value: docs[0], raw: raw, override: override})
	return nil
}

// files lists what the engine is built from, tests excluded.
func (l *loaded) files() []File {
	var out []File
	for _, m := range l.modules {
		if !m.test {
			out = append(out, File{Name: m.name, Digest: digestOf(m.raw)})
		}
	}
	for _, d := range l.docs {
		out = append(out, File{Name: d.name, Digest: digestOf(d.raw), Data: true})
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func readFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fault.Usagef("reading %s: %w", p, unwrapPathError(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fault.Runtimef("reading %s: %w", p, err)
	}
	if len(b) > maxFileBytes {
		return nil, fault.Usagef("%s is larger than %d MiB", p, maxFileBytes>>20)
	}
	return b, nil
}

func readFSFile(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", p, maxFileBytes>>20)
	}
	return b, nil
}

// unwrapPathError drops the *PathError wrapper, whose message repeats the
// path that the caller's message already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// markWorkspace marks the modules added since index from as files of the
// workspace.
func (l *loaded) markWorkspace(from int) {
	for i := from; i < len(l.modules); i++ {
		l.modules[i].workspace = true
	}
}

// workspaceFiles are the names of the modules given by path.
func (l *loaded) workspaceFiles() map[string]bool {
	out := map[string]bool{}
	for _, m := range l.modules {
		if m.workspace {
			out[m.name] = true
		}
	}
	return out
}
