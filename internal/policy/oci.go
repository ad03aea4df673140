package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipwayhq/slipway/internal/extract"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// conftest's media types (`conftest push`/`pull`): one layer per policy
// file and per data document, titled with its relative path.
const (
	ConfigMediaType      types.MediaType = "application/vnd.cncf.openpolicyagent.config.v1+json"
	PolicyLayerMediaType types.MediaType = "application/vnd.cncf.openpolicyagent.policy.layer.v1+rego"
	DataLayerMediaType   types.MediaType = "application/vnd.cncf.openpolicyagent.data.layer.v1+json"
)

// annotationTitle names a layer's file, as ORAS (and so conftest) does.
const annotationTitle = "org.opencontainers.image.title"

// PushOCI pushes the policies (tests included) and data of src to store
// in conftest's format and tags the manifest with tag ("" leaves it
// untagged). Every policy must compile first. Data documents are pushed
// merged, as one data.json layer, so that they are found at the same paths
// after a pull. The manifest has no timestamps: the same policies push to
// the same digest.
func PushOCI(ctx context.Context, store oci.Store, tag string, src Sources) (v1.Descriptor, error) {
	l, err := load(ctx, src)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := checkCompiles(ctx, l); err != nil {
		return v1.Descriptor{}, err
	}
	files := map[string]bool{}
	var layers []layerFile
	for _, m := range l.modules {
		if files[m.rel] {
			return v1.Descriptor{}, fault.Usagef("two policy files would both be pushed as %s: push them separately", m.rel)
		}
		files[m.rel] = true
		layers = append(layers, layerFile{title: m.rel, mediaType: PolicyLayerMediaType, raw: m.raw})
	}
	slices.SortFunc(layers, func(a, b layerFile) int { return strings.Compare(a.title, b.title) })
	if len(l.docs) > 0 {
		data, err := mergeData(l.docs)
		if err != nil {
			return v1.Descriptor{}, err
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("encoding the data documents: %w", err)
		}
		layers = append(layers, layerFile{title: "data.json", mediaType: DataLayerMediaType, raw: raw})
	}
	img, desc, err := newArtifact(ConfigMediaType, layers)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := store.WriteImage(ctx, img, tag); err != nil {
		return v1.Descriptor{}, fmt.Errorf("pushing policies to %s: %w", store.Ref(), err)
	}
	return desc, nil
}

// checkCompiles parses every module (tests too) and compiles the policies.
func checkCompiles(ctx context.Context, l *loaded) error {
	if _, err := parseModules(l.modules, true); err != nil {
		return err
	}
	modules, err := parseModules(l.modules, false)
	if err != nil {
		return err
	}
	if len(modules) == 0 {
		return fault.Usagef("no policies found to push")
	}
	store, err := buildStore(l.docs)
	if err != nil {
		return err
	}
	_, err = compileModules(ctx, store, modules)
	return err
}

// layerFile is one file of a policy artifact.
type layerFile struct {
	title     string
	mediaType types.MediaType
	raw       []byte
}

// newArtifact makes a policy bundle: conftest's config ("{}" with the OPA
// config media type) and one layer per file, titled with its path.
func newArtifact(configType types.MediaType, files []layerFile) (v1.Image, v1.Descriptor, error) {
	a := oci.Artifact{Config: &oci.Blob{MediaType: configType, Data: oci.EmptyJSON}}
	for _, f := range files {
		a.Layers = append(a.Layers, oci.Blob{MediaType: f.mediaType, Data: f.raw, Annotations: map[string]string{annotationTitle: f.title}})
	}
	b, err := a.Build()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	return b.Image, b.Descriptor, nil
}

// PullOCI writes the policy bundle that id (a tag or digest) names in
// store into dir, each layer at its title as conftest pull does, and
// returns the paths written. An OPA bundle tarball layer is written as a
// .tar.gz file, which Compile loads as a bundle. It writes through the same
// code as model pull (internal/extract): a link already in dir is never
// followed out of it, and the files appear together or, on error, not at all.
func PullOCI(ctx context.Context, store oci.Store, id, dir string) ([]string, error) {
	name, layers, err := fetchOCI(ctx, store, id)
	if err != nil {
		return nil, err
	}
	dest, err := extract.Open(dir)
	if err != nil {
		return nil, fault.Runtimef("pulling %s: %w", name, err)
	}
	defer dest.Abort()
	written := make([]string, 0, len(layers))
	for _, l := range layers {
		if err := dest.WriteFile(l.title, 0o644, bytes.NewReader(l.raw)); err != nil {
			return nil, fmt.Errorf("pulling %s: %w", name, err)
		}
		written = append(written, filepath.Join(dir, filepath.FromSlash(l.title)))
	}
	if err := dest.Commit(); err != nil {
		return nil, fmt.Errorf("pulling %s: %w", name, err)
	}
	return written, nil
}

// oci loads a policy bundle in memory: policy layers as modules, data
// layers merged at the root of data (conftest's --data), bundle tarballs
// as bundles.
func (l *loaded) oci(ctx context.Context, s OCISource) error {
	name, layers, err := fetchOCI(ctx, s.Store, s.ID)
	if err != nil {
		return err
	}
	before := l.found
	for _, f := range layers {
		fname := name + "/" + f.title
		switch f.mediaType {
		case PolicyLayerMediaType:
			err = l.addModule(fname, f.title, f.raw)
		case DataLayerMediaType:
			err = l.addData(fname, f.title, nil, f.raw, false)
		default:
			err = l.bundle(bytes.NewReader(f.raw), fname)
		}
		if err != nil {
			return err
		}
	}
	if l.found == before {
		return fault.Usagef("%s is not a policy bundle: it has no Rego or data files", name)
	}
	return nil
}

// fetchOCI reads the policy, data and OPA bundle layers of the manifest
// id names, each checked against its digest. Titles must be relative
// paths inside the bundle: a hostile one cannot write elsewhere.
func fetchOCI(ctx context.Context, store oci.Store, id string) (string, []layerFile, error) {
	ref := store.Ref().WithTag(id)
	if strings.HasPrefix(id, "sha256:") {
		ref = store.Ref().WithDigest(id)
	}
	name := ref.String()
	desc, err := store.Resolve(ctx, id)
	if errors.Is(err, oci.ErrNotFound) {
		return "", nil, fault.Usagef("policy bundle %s: not found", name)
	}
	if err != nil {
		return "", nil, fmt.Errorf("resolving policy bundle %s: %w", name, err)
	}
	raw, err := store.Manifest(ctx, desc.Digest)
	if err != nil {
		return "", nil, fmt.Errorf("reading policy bundle %s: %w", name, err)
	}
	if h, _, err := v1.SHA256(bytes.NewReader(raw)); err != nil || h != desc.Digest {
		return "", nil, fault.Runtimef("policy bundle %s: manifest does not match its digest %s", name, desc.Digest)
	}
	if desc.MediaType.IsIndex() {
		return "", nil, fault.Usagef("%s is an index, not a policy bundle: want an image manifest", name)
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return "", nil, fault.Usagef("%s is not a policy bundle: want an image manifest", name)
	}
	var out []layerFile
	for i, d := range m.Layers {
		title := d.Annotations[annotationTitle]
		switch d.MediaType {
		case PolicyLayerMediaType, DataLayerMediaType:
		case types.OCILayer, types.DockerLayer: // an OPA bundle tarball pushed with ORAS or OPA
			if title == "" {
				title = fmt.Sprintf("bundle-%d.tar.gz", i)
			}
		default:
			continue
		}
		if title == "" || !filepath.IsLocal(filepath.FromSlash(title)) || path.Clean(title) != title {
			return "", nil, fault.Usagef("policy bundle %s: layer %s has title %q; want a relative path inside the bundle", name, d.Digest, title)
		}
		if d.Size > maxFileBytes {
			return "", nil, fault.Usagef("policy bundle %s: %s is %d bytes; the limit is %d MiB", name, title, d.Size, maxFileBytes>>20)
		}
		b, err := readBlob(ctx, store, d)
		if err != nil {
			return "", nil, fmt.Errorf("policy bundle %s: %s: %w", name, title, err)
		}
		out = append(out, layerFile{title: title, mediaType: d.MediaType, raw: b})
	}
	if len(out) == 0 {
		return "", nil, fault.Usagef("%s is not a policy bundle: no layer has a policy, data or OPA bundle media type (config %s)", name, m.Config.MediaType)
	}
	return name, out, nil
}

func readBlob(ctx context.Context, store oci.Store, d v1.Descriptor) ([]byte, error) {
	r, err := oci.OpenVerified(ctx, store, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
