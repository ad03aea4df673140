package modelpack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/slipwayhq/slipway/internal/oci"
)

// ownLayerSize is the size from which a file that is not a weight file still
// gets a layer of its own (a large dataset, say) instead of joining its role's tar.
const ownLayerSize = 64 << 20

// PackOptions say what to pack and how.
type PackOptions struct {
	// Dir is the model folder.
	Dir string
	// Name overrides the model name (else the Kitfile's, the model card's, or the folder's).
	Name string
	// Version is recorded in the artifact; tagging is Upload's job.
	Version string
	// Datasets are extra files or folders packed as datasets.
	Datasets []string
	// GroupBelow, when above 0, lets the files of one role in one folder
	// that are each smaller than GroupBelow bytes share a tar layer whose
	// org.cncf.model.filepath is the folder (see planLayers); 0 gives
	// every file a layer of its own.
	GroupBelow int64
	// Epoch is the fixed time written into tars and the config (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// Cache skips reading files whose stat is unchanged since they were hashed.
	Cache *HashCache
	// Jobs is how many files are read at once (default: the number of CPUs).
	Jobs int
	// Progress, when set, is told the total bytes to read, then each step's.
	Progress Progress
	// Built, when set, is told each blob as soon as it is in the store (the
	// layers as they are finished, from the goroutines that build them, then
	// the config), before the manifest is written: an upload can start
	// while the next layer is read.
	Built func(v1.Descriptor)
	// Streaming, when set, is told each file of at least StreamMinSize bytes
	// that is packed as a layer of its own and whose digest is not known
	// yet, before it is read: it may start uploading the file at once. The
	// function it returns is told the digest once the file is hashed, or the
	// error that stopped the pack.
	Streaming func(path string, size int64) func(v1.Hash, error)
	// Direct, when set, takes the files of at least StreamMinSize bytes
	// that are packed as a layer of their own in place of the store, which
	// then never holds them (see Direct).
	Direct Direct
}

// Direct takes a pack's large single-file layers instead of the staging
// store: an upload straight from the model folder, or a pass that only
// hashes (to learn a digest without sending or copying anything).
type Direct interface {
	// Send reads the size bytes of f once, hashing them (and sending
	// them on the way, for an upload), tells read how many bytes it read,
	// and returns their digest.
	Send(f *os.File, size int64, read func(int64)) (v1.Hash, error)
	// Known is told the digest the hash cache gave for the file at path,
	// which is not read: a Direct that uploads sends it from there if the
	// destination does not hold it.
	Known(path string, h v1.Hash)
}

// StreamMinSize is the smallest file Streaming is told of: below it, asking
// the registry first (HEAD) whether it has the blob costs less than sending
// the bytes unasked.
const StreamMinSize = 8 << 20

// Progress follows a long operation in bytes.
type Progress interface {
	SetTotal(n int64)
	Add(n int64)
}

// Packed is the result of Pack.
type Packed struct {
	Name        string
	Version     string
	Descriptor  v1.Descriptor
	Files       []LockFile
	BytesRead   int64 // bytes read from the model folder
	FilesCached int   // files whose digest came from the cache
	TotalBytes  int64
}

// Pack turns the model folder into a ModelPack artifact in store: every file
// is read once, hashed while it is copied in, files in parallel. The
// manifest is stored untagged; Upload tags it.
func Pack(ctx context.Context, store oci.LayoutStore, o PackOptions) (*Packed, error) {
	srcs, kit, err := collect(o.Dir, o.Datasets)
	if err != nil {
		return nil, err
	}
	meta, err := describe(o, kit)
	if err != nil {
		return nil, err
	}
	plans := planLayers(srcs, o.GroupBelow)
	if o.Progress != nil {
		var total int64
		for _, s := range srcs {
			total += s.Info.Size()
		}
		o.Progress.SetTotal(total)
	}

	o.Cache = o.Cache.forFolder(o.Dir)
	p := &packer{store: store, o: o, epoch: o.Epoch.UTC()}
	if p.o.Jobs <= 0 {
		p.o.Jobs = runtime.NumCPU()
	}
	layers := make([]builtLayer, len(plans))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.o.Jobs)
	for i, pl := range plans {
		g.Go(func() error {
			l, err := p.build(gctx, pl)
			layers[i] = l
			if err == nil && o.Built != nil {
				o.Built(l.desc)
			}
			return err
		})
	}
	// What was hashed before a failure is saved too: a re-run (a resumed
	// upload) does not read it again.
	err = g.Wait()
	if serr := o.Cache.Save(); serr != nil && err == nil {
		err = fmt.Errorf("saving hash cache: %w", serr)
	}
	if err != nil {
		return nil, err
	}

	res := &Packed{Name: meta.Name, Version: o.Version}
	cfg := modelConfig{Descriptor: meta, ModelFS: modelFS{Type: "layers", DiffIDs: []string{}}, Config: execConfig(srcs)}
	var descs []v1.Descriptor
	for _, l := range layers {
		descs = append(descs, l.desc)
		cfg.ModelFS.DiffIDs = append(cfg.ModelFS.DiffIDs, l.desc.Digest.String())
		res.Files = append(res.Files, l.files...)
		res.BytesRead += l.read
		res.FilesCached += l.cached
		res.TotalBytes += l.desc.Size
	}
	rawCfg, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cfgDigest, cfgSize, err := store.Ingest(strings.NewReader(string(rawCfg)))
	if err != nil {
		return nil, err
	}
	cfgDesc := v1.Descriptor{MediaType: MediaTypeConfig, Digest: cfgDigest, Size: cfgSize}
	if o.Built != nil {
		o.Built(cfgDesc)
	}
	m := manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        cfgDesc,
		Layers:        descs,
		Annotations:   map[string]string{annotationTitle: meta.Name},
	}
	if o.Version != "" {
		m.Annotations[annotationVer] = o.Version
	}
	if !p.epoch.IsZero() && p.epoch.Unix() != 0 {
		m.Annotations[annotationCreate] = p.epoch.Format(time.RFC3339)
	}
	rawManifest, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	res.Descriptor, err = store.WriteManifest(ctx, rawManifest, types.OCIManifestSchema1, ArtifactType, "")
	return res, err
}

// manifest is an OCI image manifest with the artifactType field.
type manifest struct {
	SchemaVersion int64             `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        v1.Descriptor     `json:"config"`
	Layers        []v1.Descriptor   `json:"layers"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}
