package modelpack

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	ignore "github.com/sabhiram/go-gitignore"

	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// IgnoreFile lists paths to leave out of a pack, in gitignore syntax.
const IgnoreFile = ".slipwayignore"

// KitfileName is the KitOps manifest honoured when present in a model folder.
const KitfileName = "Kitfile"

// alwaysSkipped are never packed: version control, Slipway's own state.
var alwaysSkipped = []string{".git", oci.LocalStoreDir, ".dvc", IgnoreFile, "slipway.lock", "__pycache__", ".DS_Store"}

// source is one file to pack.
type source struct {
	Rel  string // slash-separated path inside the artifact
	Abs  string // where it is read from
	Role Role
	Info fs.FileInfo
}

// collect lists the files of dir with their roles: from its Kitfile when
// there is one, else by name. datasets are extra paths (files or folders,
// inside or outside dir) packed as datasets.
func collect(dir string, datasets []string) ([]source, *Kitfile, error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, fault.Usagef("model folder %s does not exist: give the folder that holds the model files", dir)
	case err != nil:
		return nil, nil, fault.Usagef("model folder %s: %w", dir, err)
	case !info.IsDir():
		return nil, nil, fault.Usagef("%s is a file, not a folder: give the folder that holds the model files", dir)
	}
	root, err := filepath.Abs(dir)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return nil, nil, fault.Usagef("model folder %s: %w", dir, err)
	}
	ign, err := loadIgnore(root)
	if err != nil {
		return nil, nil, err
	}

	var kit *Kitfile
	roles := map[string]Role{} // explicit roles by path prefix
	var only []string          // with a Kitfile, only the paths it names
	if f, err := os.Open(filepath.Join(root, KitfileName)); err == nil {
		kit, err = ParseKitfile(f, filepath.Join(dir, KitfileName))
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		for _, e := range kit.Entries() {
			p := path.Clean(e.Path)
			roles[p] = e.Role
			only = append(only, p)
		}
		roles[KitfileName] = RoleDocs // the artifact keeps its own description
		only = append(only, KitfileName)
	}

	var out []source
	seen := map[string]bool{}
	add := func(s source) error {
		if seen[s.Rel] {
			return nil
		}
		seen[s.Rel] = true
		out = append(out, s)
		return nil
	}
	err = walk(root, "", func(rel, abs string, fi fs.FileInfo) error {
		if ign != nil && ign.MatchesPath(rel) {
			return nil
		}
		role, named := roleFor(rel, roles)
		if only != nil && !named {
			return nil
		}
		if !named {
			role = InferRole(rel)
		}
		return add(source{Rel: rel, Abs: abs, Role: role, Info: fi})
	}, ign)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range datasets {
		if err := collectDataset(root, d, add); err != nil {
			return nil, nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil, fault.Usagef("model folder %s has no files to pack (check %s and the Kitfile)", dir, IgnoreFile)
	}
	slices.SortFunc(out, func(a, b source) int { return strings.Compare(a.Rel, b.Rel) })
	return out, kit, nil
}

// roleFor finds the role given to rel or to a folder holding it. Inside a
// folder named as the model, only weight files are weights: its config.json,
// tokenizer and README keep the roles their names give them.
func roleFor(rel string, roles map[string]Role) (Role, bool) {
	if r, ok := roles[rel]; ok {
		return r, true
	}
	for p := path.Dir(rel); ; p = path.Dir(p) {
		if r, ok := roles[p]; ok {
			if inferred := InferRole(rel); r == RoleWeights && inferred != RoleWeights {
				return inferred, true
			}
			return r, true
		}
		if p == "." || p == "/" {
			return "", false
		}
	}
}

func collectDataset(root, d string, add func(source) error) error {
	abs, err := filepath.Abs(d)
	if err != nil {
		return fault.Usagef("--dataset %s: %w", d, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return fault.Usagef("--dataset %s: %w", d, err)
	}
	// Inside the model folder a dataset keeps its path; outside it goes under data/.
	prefix := "data/" + filepath.Base(abs)
	if rel, err := filepath.Rel(root, abs); err == nil && filepath.IsLocal(rel) {
		prefix = filepath.ToSlash(rel)
	}
	if !fi.IsDir() {
		return add(source{Rel: prefix, Abs: abs, Role: RoleDataset, Info: fi})
	}
	return walk(abs, prefix, func(rel, a string, fi fs.FileInfo) error {
		return add(source{Rel: rel, Abs: a, Role: RoleDataset, Info: fi})
	}, nil)
}

// walk calls fn for every regular file under root (symlinks resolved, and
// refused when they leave root), with rel prefixed by prefix.
func walk(root, prefix string, fn func(rel, abs string, fi fs.FileInfo) error, ign *ignore.GitIgnore) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fault.Usagef("reading %s: %w: fix its permissions or list it in %s", p, err, IgnoreFile)
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if slices.Contains(alwaysSkipped, d.Name()) || (rel == d.Name() && extract.IsStaging(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if ign != nil && d.IsDir() && ign.MatchesPath(rel+"/") {
			return filepath.SkipDir
		}
		if prefix != "" {
			rel = path.Join(prefix, rel)
		}
		if d.IsDir() {
			return nil
		}
		target := p
		if d.Type()&fs.ModeSymlink != 0 {
			resolved, err := filepath.EvalSymlinks(p)
			if err != nil {
				return fault.Usagef("%s: broken symlink: %w", p, err)
			}
			if inside, _ := filepath.Rel(root, resolved); !filepath.IsLocal(inside) {
				return fault.Usagef("%s is a symlink to %s, outside the model folder: copy the file in, or list it in %s", p, resolved, IgnoreFile)
			}
			target = resolved
		}
		fi, err := os.Stat(target)
		if err != nil {
			return fault.Usagef("%s: %w", p, err)
		}
		if fi.IsDir() {
			return fault.Usagef("%s is a symlink to a folder: Slipway packs files, not links to folders; copy it in or list it in %s", p, IgnoreFile)
		}
		if !fi.Mode().IsRegular() {
			return fault.Usagef("%s is not a regular file (%s): list it in %s", p, fi.Mode().Type(), IgnoreFile)
		}
		f, err := os.Open(target)
		if err != nil {
			return fault.Usagef("cannot read %s: %w: fix its permissions or list it in %s", p, err, IgnoreFile)
		}
		f.Close()
		return fn(rel, target, fi)
	})
}

func loadIgnore(root string) (*ignore.GitIgnore, error) {
	p := filepath.Join(root, IgnoreFile)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	ign, err := ignore.CompileIgnoreFile(p)
	if err != nil {
		return nil, fault.Usagef("%s: %w", p, err)
	}
	return ign, nil
}
