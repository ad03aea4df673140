package imagebuild

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Options say what to build and where to write it.
type Options struct {
	// Base holds the base image or index; nil builds on an empty image
	// ("scratch"), for images that only carry a model.
	Base oci.Store
	// BaseID is the tag or digest of the base in Base.
	BaseID string
	// BaseName is the base as recorded in the org.opencontainers.image.base.name
	// annotation and the SBOM, e.g. docker.io/library/python:3.12-slim.
	BaseName string
	// Platforms selects platforms of a base index (all when empty); for a
	// single-image base it must include the base's platform; for scratch it
	// says which platforms to make (linux/amd64 when empty).
	Platforms []v1.Platform

	// Model is the model artifact and ModelStore the store that holds it.
	Model      *modelpack.Artifact
	ModelStore oci.Store
	// ModelVerified says this process has just written and checked the
	// model's blobs (a folder it packed), so hashing need not check them again.
	ModelVerified bool
	// ModelDir is the absolute folder the model's files land in (default /models/<name>).
	ModelDir string

	// Config is the image config to set on top of the base's.
	Config Config
	// Adds are extra layers made from local files (the serving code).
	Adds []Add
	// Annotations are added to the manifest (and index), after Slipway's own.
	Annotations map[string]string
	// Source, Revision and Version fill the org.opencontainers.image
	// annotations of the same names when not empty.
	Source, Revision, Version string
	// Epoch is the time recorded in the tars, the config, the history and
	// the annotations (SOURCE_DATE_EPOCH); the zero Time is 1970-01-01.
	Epoch time.Time

	// Dest is where the image goes, tagged with each of Tags (untagged when none).
	Dest oci.Store
	Tags []string
	// SBOM attaches an SPDX 2.3 document to the image as a referrer.
	SBOM bool
	// Tool names the builder in the SBOM (e.g. "slipway-1.2.0").
	Tool string

	// CacheDir keeps the digests of model layers, keyed by the digest of the
	// blob each is made from; empty disables the cache.
	CacheDir string
	// Jobs is how many layers are hashed at once (default: the number of CPUs).
	Jobs int
	// Progress, when set, follows the hashing of layers in bytes.
	Progress Progress
}

// Progress follows a long operation in bytes.
type Progress interface {
	SetTotal(n int64)
	Add(n int64)
}

// Config is what the build sets in the image config. A nil Entrypoint or
// Cmd keeps the base's; setting Entrypoint without Cmd clears the base's
// Cmd, as a Dockerfile ENTRYPOINT does.
type Config struct {
	Entrypoint []string
	Cmd        []string
	// Env is KEY=VALUE entries, set after MODEL_PATH, MODEL_NAME and
	// MODEL_DIGEST (so they may override them).
	Env        []string
	WorkingDir string
	User       string
	// Ports are PORT or PORT/PROTO (tcp, udp, sctp).
	Ports  []string
	Labels map[string]string
}

// Add is an extra layer: the file or folder Src (on this machine) at Dst
// (absolute, in the image). A folder's contents go under Dst; a file goes to
// Dst, or into it when Dst ends with a slash.
type Add struct {
	Src, Dst string
}

// ParseKeyValue splits KEY=VALUE; flag names the flag in the error.
func ParseKeyValue(flag, s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return "", "", fault.Usagef("--%s %q: want KEY=VALUE", flag, s)
	}
	return k, v, nil
}

// ParseAdd reads --add SRC:DST; DST must be absolute, so the split is at
// the last ":/".
func ParseAdd(s string) (Add, error) {
	i := strings.LastIndex(s, ":/")
	if i <= 0 {
		return Add{}, fault.Usagef("--add %q: want SRC:DST with DST an absolute path in the image, e.g. ./serve:/app", s)
	}
	return Add{Src: s[:i], Dst: s[i+1:]}, nil
}

// ParsePlatforms reads os/arch[/variant] values, e.g. linux/amd64,linux/arm64/v8.
func ParsePlatforms(specs []string) ([]v1.Platform, error) {
	var out []v1.Platform
	for _, s := range specs {
		p, err := v1.ParsePlatform(s)
		if err != nil || p.OS == "" || p.Architecture == "" || strings.Contains(s, ":") {
			return nil, fault.Usagef("--platform %q: want os/arch[/variant], e.g. linux/amd64", s)
		}
		out = append(out, *p)
	}
	return out, nil
}

// ValidModelDir checks a --model-dir: an absolute folder other than the root.
func ValidModelDir(dir string) error {
	if !path.IsAbs(dir) || path.Clean(dir) == "/" || strings.ContainsRune(dir, '\\') {
		return fault.Usagef("--model-dir %q: want an absolute folder in the image other than /, e.g. /models/iris", dir)
	}
	return nil
}

// DefaultModelDir is where a model's files go unless --model-dir says otherwise.
func DefaultModelDir(name string) string {
	clean := path.Clean("/" + strings.ReplaceAll(name, `\`, "/"))
	if clean == "/" {
		clean = "/model"
	}
	return "/models" + clean
}

func validPort(p string) error {
	num, proto, hasProto := strings.Cut(p, "/")
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 65535 || (hasProto && proto != "tcp" && proto != "udp" && proto != "sctp") {
		return fault.Usagef("--port %q: want PORT or PORT/PROTO with PORT in 1-65535 and PROTO tcp, udp or sctp", p)
	}
	return nil
}

func (o *Options) validate() error {
	switch {
	case o.Model == nil || o.ModelStore == nil:
		return fault.Usagef("building an image: no model given")
	case o.Dest == nil:
		return fault.Usagef("building an image: no destination given")
	case o.Base != nil && o.BaseID == "":
		return fault.Usagef("base %s: give a tag or digest", o.BaseName)
	}
	if o.ModelDir == "" {
		o.ModelDir = DefaultModelDir(o.Model.Name)
	}
	if err := ValidModelDir(o.ModelDir); err != nil {
		return err
	}
	o.ModelDir = path.Clean(o.ModelDir)
	return o.Config.check()
}

// ParseKeyValues reads repeated KEY=VALUE flags into a map.
func ParseKeyValues(flag string, kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, err := ParseKeyValue(flag, kv)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// ParseArgv reads --entrypoint or --cmd values: one argument per flag, a
// JSON array ('["python","serve.py"]'), or a single "" for none.
func ParseArgv(flag string, vals []string) ([]string, error) {
	if len(vals) == 1 && strings.HasPrefix(strings.TrimSpace(vals[0]), "[") {
		var out []string
		if err := json.Unmarshal([]byte(vals[0]), &out); err != nil {
			return nil, fault.Usagef("--%s %s: not a JSON array of strings: %w", flag, vals[0], err)
		}
		return out, nil
	}
	if len(vals) == 1 && vals[0] == "" {
		return []string{}, nil
	}
	return vals, nil
}

// ParseAdds reads --add values.
func ParseAdds(specs []string) ([]Add, error) {
	var out []Add
	for _, s := range specs {
		a, err := ParseAdd(s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Check validates what can be checked before the model is read: the
// model folder, the config, and that every --add source exists. Build
// checks it again.
func (o *Options) Check() error {
	if o.ModelDir != "" {
		if err := ValidModelDir(o.ModelDir); err != nil {
			return err
		}
	}
	if _, err := addSources(o.Adds, o.Epoch, false); err != nil {
		return err
	}
	return o.Config.check()
}

func (c Config) check() error {
	for _, e := range c.Env {
		if _, _, err := ParseKeyValue("env", e); err != nil {
			return err
		}
	}
	for _, p := range c.Ports {
		if err := validPort(p); err != nil {
			return err
		}
	}
	return nil
}
