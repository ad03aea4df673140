package modelpack

import (
	"cmp"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/slipwayhq/slipway/internal/fault"
)

// modelConfig is the ModelPack config (application/vnd.cncf.model.config.v1+json).
type modelConfig struct {
	Descriptor modelDescriptor `json:"descriptor"`
	ModelFS    modelFS         `json:"modelfs"`
	Config     modelExec       `json:"config"`
}

type modelDescriptor struct {
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	Authors     []string   `json:"authors,omitempty"`
	Name        string     `json:"name,omitempty"`
	Version     string     `json:"version,omitempty"`
	Licenses    []string   `json:"licenses,omitempty"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description,omitempty"`
}

type modelFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diffIds"`
}

type modelExec struct {
	Architecture string `json:"architecture,omitempty"`
	Format       string `json:"format,omitempty"`
}

// describe gathers the model's metadata: flags first, then the Kitfile,
// then the model card's front matter, then the folder name.
func describe(o PackOptions, kit *Kitfile) (modelDescriptor, error) {
	d := modelDescriptor{Name: o.Name, Version: o.Version}
	if !o.Epoch.IsZero() && o.Epoch.Unix() != 0 {
		t := o.Epoch.UTC()
		d.CreatedAt = &t
	}
	if kit != nil {
		d.Name = cmp.Or(d.Name, kit.Package.Name)
		d.Description = kit.Package.Description
		d.Authors = kit.Package.Authors
		d.Licenses = normaliseLicences(kit.Licenses())
	}
	fm, err := readCard(o.Dir)
	if err != nil {
		return modelDescriptor{}, err
	}
	if fm != nil {
		d.Name = cmp.Or(d.Name, stringField(fm, "name"))
		d.Description = cmp.Or(d.Description, stringField(fm, "description"))
		if len(d.Authors) == 0 {
			d.Authors = stringsField(fm, "authors")
		}
		if len(d.Licenses) == 0 {
			d.Licenses = normaliseLicences(stringsField(fm, "license"))
		}
	}
	if d.Name == "" {
		abs, _ := filepath.Abs(o.Dir)
		d.Name = filepath.Base(abs)
	}
	d.Title = d.Name
	return d, nil
}

// Name is the name a pack of dir gets: name when given, else the Kitfile's
// package name, the model card's, or the folder's.
func Name(dir, name string) (string, error) {
	if name != "" {
		return name, nil
	}
	var kit *Kitfile
	if f, err := os.Open(filepath.Join(dir, KitfileName)); err == nil {
		kit, err = ParseKitfile(f, filepath.Join(dir, KitfileName))
		f.Close()
		if err != nil {
			return "", err
		}
	}
	d, err := describe(PackOptions{Dir: dir}, kit)
	return d.Name, err
}

// readCard returns the front matter of dir's README.md, or nil when there
// is no README.md; front matter that does not parse is a usage error, as
// the gate would refuse the packed card later.
func readCard(dir string) (map[string]any, error) {
	p := filepath.Join(dir, "README.md")
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fault.Usagef("model card %s: %w", p, err)
	}
	defer f.Close()
	fm, err := ReadFrontMatter(f)
	if err != nil {
		return nil, fault.Usagef("model card %s: %w: fix its front matter (YAML between --- lines)", p, err)
	}
	return fm, nil
}

// execConfig reads what the weights are: the format of the first weight
// file and the architecture its config.json names.
func execConfig(srcs []source) modelExec {
	var c modelExec
	for _, s := range srcs {
		if s.Role == RoleWeights && c.Format == "" {
			c.Format = Format(s.Rel)
		}
		if path.Base(s.Rel) == "config.json" && s.Info.Size() < 1<<20 && c.Architecture == "" {
			var hf struct {
				Architecture  string   `json:"architecture"`
				Architectures []string `json:"architectures"`
				ModelType     string   `json:"model_type"`
			}
			if b, err := os.ReadFile(s.Abs); err == nil && json.Unmarshal(b, &hf) == nil {
				c.Architecture = hf.Architecture
				if c.Architecture == "" && len(hf.Architectures) > 0 {
					c.Architecture = hf.Architectures[0]
				}
				c.Architecture = cmp.Or(c.Architecture, hf.ModelType)
			}
		}
	}
	return c
}

// DeclaredVersion is the version dir declares for itself: its Kitfile's
// package.version, else its model card's front-matter version; "" when
// neither has one. A version that is not MAJOR.MINOR.PATCH is a usage
// error naming the file.
func DeclaredVersion(dir string) (string, error) {
	kitPath := filepath.Join(dir, KitfileName)
	if f, err := os.Open(kitPath); err == nil {
		kit, err := ParseKitfile(f, kitPath)
		f.Close()
		if err != nil {
			return "", err
		}
		if v := kit.Package.Version; v != "" {
			if err := checkVersion(v); err != nil {
				return "", fault.Usagef("package.version in %s: %w", kitPath, err)
			}
			return v, nil
		}
	}
	fm, err := readCard(dir)
	if err != nil || fm == nil || fm["version"] == nil {
		return "", err
	}
	card := filepath.Join(dir, "README.md")
	v, ok := fm["version"].(string)
	if !ok {
		return "", fault.Usagef("version in %s front matter is %v, not a string: quote it (version: \"1.0.0\")", card, fm["version"])
	}
	if err := checkVersion(v); err != nil {
		return "", fault.Usagef("version in %s front matter: %w", card, err)
	}
	return v, nil
}

// FolderConfig is the ModelPack config a pack of dir would write, without
// its layers: the metadata from the Kitfile and model card, the version
// they declare, and what the weights are.
func FolderConfig(dir string) (json.RawMessage, error) {
	srcs, kit, err := collect(dir, nil)
	if err != nil {
		return nil, err
	}
	version, err := DeclaredVersion(dir)
	if err != nil {
		return nil, err
	}
	d, err := describe(PackOptions{Dir: dir, Version: version}, kit)
	if err != nil {
		return nil, err
	}
	return json.Marshal(modelConfig{Descriptor: d, Config: execConfig(srcs)})
}
