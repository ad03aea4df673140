package deploy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
)

// Image is what an update writes: the digest and, where the file names
// the image, its repository.
type Image struct {
	// Repository is the image repository without tag or digest.
	Repository string
	// Digest is sha256:….
	Digest string
}

// maxFile bounds a file read for editing: manifests are kilobytes.
const maxFile = 8 << 20

// editor holds the files of one deploy path being edited, read through
// an os.Root so that no name in the configuration or the repository
// leads outside it.
type editor struct {
	root  *os.Root
	where string // the path inside the repository, for messages
	files map[string]*yamlFile
}

func newEditor(root *os.Root, where string) *editor {
	return &editor{root: root, where: where, files: map[string]*yamlFile{}}
}

// open reads and parses name (relative to the deploy path), once.
func (e *editor) open(name string) (*yamlFile, error) {
	if f, ok := e.files[name]; ok {
		return f, nil
	}
	display := path.Join(e.where, name)
	fh, err := e.root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Usagef("%s not found in the deploy repository (%s)", display, e.listing())
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", display, err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", display, err)
	}
	if len(data) > maxFile {
		return nil, fault.Usagef("%s is larger than %d MiB: not a manifest", display, maxFile>>20)
	}
	f, err := parseYAML(display, data)
	if err != nil {
		return nil, err
	}
	e.files[name] = f
	return f, nil
}

// yamlFiles lists the YAML files under the deploy path, sorted.
func (e *editor) yamlFiles() ([]string, error) {
	var out []string
	err := fs.WalkDir(e.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != "." {
			return fs.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// listing names the YAML files there are, for a file that is not.
func (e *editor) listing() string {
	files, err := e.yamlFiles()
	if err != nil || len(files) == 0 {
		return "no YAML files under " + cmpOr(e.where, "its top level")
	}
	if len(files) > 20 {
		files = append(files[:20], "…")
	}
	return "YAML files under " + cmpOr(e.where, "its top level") + ": " + strings.Join(files, ", ")
}

// save writes the files that changed and returns their names in the
// repository.
func (e *editor) save() ([]string, error) {
	var changed []string
	for name, f := range e.files {
		if !f.changed() {
			continue
		}
		info, err := e.root.Stat(name)
		if err != nil {
			return nil, err
		}
		if err := e.root.WriteFile(name, f.bytes(), info.Mode().Perm()); err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.name, err)
		}
		changed = append(changed, f.name)
	}
	sort.Strings(changed)
	return changed, nil
}

// apply runs one update.
func (e *editor) apply(u config.Update, img Image) error {
	switch u.Type {
	case config.UpdateKustomize:
		return e.kustomize(u, img)
	case config.UpdateHelm:
		return e.helm(u, img)
	case config.UpdateManifest:
		return e.manifest(u, img)
	case config.UpdateBlueGreen:
		return e.blueGreen(u, img)
	case config.UpdateCanary:
		return e.canary(u, img)
	}
	return fault.Usagef("unknown update type %q", u.Type)
}

// imageValue is what a key that held old gets: the digest where it held a
// digest (or nothing), else old's image (or newName) pinned by the digest.
func imageValue(old, newName, digest string) string {
	if old == "" || strings.HasPrefix(old, "sha256:") {
		return digest
	}
	return cmpOr(newName, repositoryOf(old)) + "@" + digest
}

// repositoryOf strips the tag and digest of an image reference.
func repositoryOf(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
