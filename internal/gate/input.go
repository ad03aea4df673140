package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Baseline is what the candidate is compared with.
type Baseline struct {
	Model   *ModelRef      `json:"model,omitempty"`
	Metrics map[string]any `json:"metrics"`
	// Source says where it came from: "file", "reference" or "environment".
	Source string `json:"source"`
}

// Sources say where each part of the gate input comes from.
type Sources struct {
	Store     oci.Store
	Artifact  *modelpack.Artifact
	Reference string // the pinned reference of the candidate
	Metrics   string // metrics file
	Baseline  *Baseline
	Card      string // model-card YAML; empty: the artifact's README.md front matter
	Drift     string // drift report, optional
	// DriftReport is a drift report computed from Current (gate --current);
	// it takes the place of Drift.
	DriftReport map[string]any
	// Current are the current data files DriftReport was computed from,
	// recorded by digest ("-", stdin, is not).
	Current []string
	CI      ci.Job
	Now     time.Time
}

// Input is the document policies see, and what went into it.
type Input struct {
	// Document is the gate input, typed.
	Document Document
	// Doc is Document as plain JSON values, as policies see it (and as
	// they would from conftest).
	Doc      map[string]any
	Model    ModelRef
	Metrics  map[string]any
	Baseline *Baseline
	Files    []DigestedFile // the input files, by digest, for the attestation
}

// maxCardSize bounds how much of a model card is read.
const maxCardSize = 1 << 20

// BuildInput assembles the gate input (docs/gate-input.md).
func BuildInput(ctx context.Context, s Sources) (*Input, error) {
	art := s.Artifact
	in := &Input{Model: ModelRef{Name: art.Name, Version: art.Version, Digest: art.Descriptor.Digest.String(), Reference: s.Reference}}

	model, err := modelDoc(ctx, s.Store, art, s.Reference)
	if err != nil {
		return nil, err
	}
	if err := requireMetrics(s.Metrics); err != nil {
		return nil, err
	}
	if in.Metrics, err = ReadMetrics(s.Metrics); err != nil {
		return nil, err
	}
	if err := in.addFile(s.Metrics); err != nil {
		return nil, err
	}
	card, err := readCard(ctx, s, in)
	if err != nil {
		return nil, err
	}
	drift := s.DriftReport
	if s.Drift != "" && drift == nil {
		if drift, err = readDocument(s.Drift, "drift report"); err != nil {
			return nil, err
		}
		if err := in.addFile(s.Drift); err != nil {
			return nil, err
		}
	}
	for _, f := range s.Current {
		if f == "-" {
			continue
		}
		if err := in.addFile(f); err != nil {
			return nil, err
		}
	}
	in.Baseline = s.Baseline
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	in.Document = Document{
		Model: model, Metrics: in.Metrics, Baseline: s.Baseline, Card: card, Drift: drift,
		CI: s.CI, Time: now.UTC().Format(time.RFC3339),
	}
	// Policies see plain JSON values, as they would from conftest.
	b, err := json.Marshal(in.Document)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &in.Doc); err != nil {
		return nil, err
	}
	return in, nil
}

func modelDoc(ctx context.Context, store oci.Store, art *modelpack.Artifact, ref string) (ModelDocument, error) {
	files, err := art.Files(ctx, store)
	if err != nil {
		return ModelDocument{}, fmt.Errorf("listing the files of %s: %w", ref, err)
	}
	fs, datasets := []FileDocument{}, []FileDocument{}
	for _, f := range files {
		d := ""
		if f.SHA256 != "" {
			d = "sha256:" + f.SHA256
		}
		x := FileDocument{Path: f.Path, Size: f.Size, Digest: d, Role: string(f.Role), MediaType: f.MediaType}
		if f.Role == modelpack.RoleWeights {
			x.Format = modelpack.Format(f.Path)
		}
		fs = append(fs, x)
		if f.Role == modelpack.RoleDataset {
			datasets = append(datasets, x)
		}
	}
	var cfg map[string]any
	if err := json.Unmarshal(art.Config, &cfg); err != nil {
		return ModelDocument{}, fault.Usagef("config of %s: %w", ref, err)
	}
	return ModelDocument{
		Name: art.Name, Version: art.Version, Digest: art.Descriptor.Digest.String(), Reference: ref,
		Format: art.Format, Size: art.Size(), Files: fs, Datasets: datasets, Config: cfg,
		Annotations: orEmptyMap(art.Manifest.Annotations),
	}, nil
}

// readCard reads the model card: --card FILE, else the front matter of the
// artifact's README.md; nil when there is none.
func readCard(ctx context.Context, s Sources, in *Input) (map[string]any, error) {
	if s.Card != "" {
		card, err := readDocument(s.Card, "model card")
		if err != nil {
			return nil, err
		}
		return card, in.addFile(s.Card)
	}
	b, err := s.Artifact.ReadFile(ctx, s.Store, "README.md", maxCardSize)
	if errors.Is(err, oci.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the model card of %s: %w", s.Reference, err)
	}
	fm, err := modelpack.ReadFrontMatter(strings.NewReader(string(b)))
	if err != nil {
		return nil, fault.Usagef("model card README.md of %s: %w", s.Reference, err)
	}
	if fm == nil {
		return nil, nil
	}
	return fm, nil
}

// readDocument reads a JSON or YAML document given by the user.
func readDocument(path, what string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Usagef("%s %s: %w", what, path, errors.Unwrap(err))
	}
	var v any
	if strings.EqualFold(filepath.Ext(path), ".json") {
		err = json.Unmarshal(b, &v)
	} else {
		err = yaml.Unmarshal(b, &v)
	}
	if err != nil {
		return nil, fault.Usagef("%s %s does not parse: %w", what, path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fault.Usagef("%s %s must be an object, got %s", what, path, typeName(v))
	}
	return m, nil
}

// requireMetrics refuses a gate without a metrics file.
func requireMetrics(path string) error {
	if path == "" {
		return fault.Usagef("--metrics is required: the evaluation metrics of the model (JSON, YAML or name,value CSV)")
	}
	return nil
}

// addFile records path by digest, hashing it as it streams (a current data
// file may be large).
func (in *Input) addFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fault.Usagef("%s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	in.Files = append(in.Files, DigestedFile{Name: filepath.ToSlash(path), Digest: "sha256:" + hex.EncodeToString(h.Sum(nil))})
	sort.Slice(in.Files, func(i, j int) bool { return in.Files[i].Name < in.Files[j].Name })
	return nil
}
