package drift

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/slipwayhq/slipway/internal/atomicfile"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// maxReferenceSize bounds a dataset file read from an artifact.
const maxReferenceSize = 1 << 30

// Request is one `slipway drift`.
type Request struct {
	// Client opens the model when Reference names one.
	Client oci.Client
	// Reference is a CSV or Parquet file, or a model (registry reference or
	// oci:DIR:tag / oci:DIR@digest) whose dataset is the reference.
	Reference string
	// ReferenceFile picks the model's dataset file when it has several.
	ReferenceFile string
	// Current are the current CSV and Parquet files, concatenated; a
	// folder stands for its .csv and .parquet files, sorted; "-" is CSV on
	// Stdin.
	Current []string
	Stdin   io.Reader
	// Columns, when set, are the only columns compared; Ignore are left out;
	// Categorical are compared as categories whatever they hold.
	Columns, Ignore, Categorical []string
	// Thresholds; the zero value is DefaultThresholds.
	Thresholds Thresholds
	// ExactLimit is how many numbers per column and side are held for
	// exact statistics before a quantile sketch takes over; 0 is
	// DefaultExactLimit.
	ExactLimit int
	// Prediction names the column of the model's predictions; Target the
	// true values. With Prediction, the result has a Model section, and
	// neither column counts as a feature.
	Target, Prediction string
	// Task is classification or regression; "" infers it.
	Task string
	// BaselineMetrics is the metrics the performance is compared with: a
	// metrics file, or a model whose signed gate attestation holds them.
	// "" is the reference model's own gate attestation, read only when
	// Verifies.
	BaselineMetrics string
	// Verifies says ReadBaseline can verify a model's gate attestations
	// (a key is set, or unsigned ones were allowed).
	Verifies bool
	// ReadBaseline resolves a baseline (gate.ReadBaseline, with its trust
	// rules); nil compares with nothing.
	ReadBaseline func(ctx context.Context, baseline string) (map[string]any, error)
	// Reports are written once the comparison is done, drift or not.
	Reports []ReportFile
}

// ReportFile is one report to write: --report FORMAT=PATH. Write renders
// the result in Format (the CLI binds report.WriteDrift, which imports
// this package).
type ReportFile struct {
	Format, Path string
	Write        func(io.Writer, *Result) error
}

// writeReports writes each report atomically, creating its folder.
func writeReports(reports []ReportFile, res *Result) error {
	for _, r := range reports {
		if err := atomicfile.WriteReport(r.Path, func(w io.Writer) error { return r.Write(w, res) }); err != nil {
			return fmt.Errorf("writing the %s report %s: %w", r.Format, r.Path, err)
		}
	}
	return nil
}

// Run reads the reference and the current data and compares them. A
// dataset drift is a Result, not an error: Result.Err says what it means
// for the exit code.
func Run(ctx context.Context, req Request) (*Result, error) {
	if req.Reference == "" {
		return nil, fault.Usagef("--reference is required: a CSV or Parquet file, or a model whose dataset is the reference")
	}
	if st, err := os.Stat(req.Reference); err == nil && st.Mode().IsRegular() {
		ref := &Table{ExactLimit: req.ExactLimit}
		if err := readFile(ref, req.Reference, nil, req.categorical()); err != nil {
			return nil, err
		}
		return compareWith(ctx, ref, req.Reference, "", "", req)
	}
	if isDataFile(req.Reference) {
		return nil, fault.Usagef("--reference %s: no such file", req.Reference)
	}
	ref, err := req.Client.ParseTagged(req.Reference, "")
	if err != nil {
		return nil, err
	}
	store := req.Client.For(ref).Open(ref)
	art, err := modelpack.Open(ctx, store, ref.Identifier())
	if err != nil {
		return nil, err
	}
	return FromArtifact(ctx, store, art, ref.WithDigest(art.Descriptor.Digest.String()).String(), req)
}

// FromArtifact compares the current data with the dataset of an artifact
// already open (the gate's): its one CSV or Parquet dataset file, or
// req.ReferenceFile, read by digest.
func FromArtifact(ctx context.Context, store oci.Store, art *modelpack.Artifact, pinned string, req Request) (*Result, error) {
	name, err := datasetFile(ctx, store, art, pinned, req.ReferenceFile)
	if err != nil {
		return nil, err
	}
	b, err := art.ReadFile(ctx, store, name, maxReferenceSize)
	if err != nil {
		return nil, fmt.Errorf("reading the reference %s from %s: %w", name, pinned, err)
	}
	ref := &Table{ExactLimit: req.ExactLimit}
	source := pinned + ":" + name
	if isParquetName(name) || isParquet(b) {
		err = ref.ReadParquet(bytes.NewReader(b), int64(len(b)), source, req.categorical())
	} else {
		err = ref.ReadCSV(bytes.NewReader(b), source, req.categorical())
	}
	if err != nil {
		return nil, err
	}
	return compareWith(ctx, ref, pinned, name, pinned, req)
}

func datasetFile(ctx context.Context, store oci.Store, art *modelpack.Artifact, pinned, want string) (string, error) {
	files, err := art.Files(ctx, store)
	if err != nil {
		return "", err
	}
	var csvs []string
	for _, f := range files {
		if want != "" && path.Clean(f.Path) == path.Clean(want) {
			return f.Path, nil
		}
		if f.Role == modelpack.RoleDataset && isDataFile(f.Path) {
			csvs = append(csvs, f.Path)
		}
	}
	switch {
	case want != "":
		return "", fault.Usagef("--reference-file %s: %s has no such file (its CSV and Parquet datasets: %s)", want, pinned, orNone(csvs))
	case len(csvs) == 0:
		return "", fault.Usagef("%s has no CSV or Parquet dataset to use as the reference; pack the training data with the model, or give --reference FILE.csv", pinned)
	case len(csvs) > 1:
		return "", fault.Usagef("%s has several CSV and Parquet datasets (%s); pick one with --reference-file", pinned, strings.Join(csvs, ", "))
	}
	return csvs[0], nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// compareWith reads the current data and compares it with ref; model is
// the reference model pinned, "" for a file.
func compareWith(ctx context.Context, ref *Table, source, file, model string, req Request) (*Result, error) {
	if len(req.Current) == 0 {
		return nil, fault.Usagef("--current is required: the CSV or Parquet files (or folders of them) of the data to compare with the reference")
	}
	current, err := expandFolders(req.Current)
	if err != nil {
		return nil, err
	}
	if req.Target != "" && req.Prediction == "" {
		return nil, fault.Usagef("--target %s needs --prediction COL: the column of the model's predictions to score against it", req.Target)
	}
	if req.Task != "" && req.Task != TaskClassification && req.Task != TaskRegression {
		return nil, fault.Usagef("--task %q: want %s or %s", req.Task, TaskClassification, TaskRegression)
	}
	cur := &Table{ExactLimit: req.ExactLimit, Keep: map[string]bool{req.Target: req.Target != "", req.Prediction: req.Prediction != ""}}
	for _, c := range current {
		if err := readFile(cur, c, req.Stdin, req.categorical()); err != nil {
			return nil, err
		}
	}
	if err := cur.checkRows(2, "the current data"); err != nil {
		return nil, err
	}
	var refPred, curPred, curTarget *Column
	var refCol string
	if req.Prediction != "" {
		if refPred, curPred, curTarget, refCol, err = req.modelColumns(ref, cur); err != nil {
			return nil, err
		}
	}
	if err := req.selectColumns(ref, cur); err != nil {
		return nil, err
	}
	th := req.Thresholds
	if th == (Thresholds{}) {
		th = DefaultThresholds
	}
	res := Compare(ref, cur, th)
	res.Reference, res.ReferenceFile = source, file
	res.ExactLimit, res.SketchAccuracy = cmp.Or(req.ExactLimit, DefaultExactLimit), SketchAccuracy
	if req.Prediction != "" {
		if res.Model, err = req.modelDrift(ctx, refPred, curPred, curTarget, refCol, model, th); err != nil {
			return nil, err
		}
	}
	if err := writeReports(req.Reports, res); err != nil {
		return nil, err
	}
	return res, nil
}

// readFile appends one file to t: Parquet when its name ends in .parquet
// or it starts with PAR1, CSV otherwise.
func readFile(t *Table, name string, stdin io.Reader, categorical map[string]bool) error {
	if name == "-" {
		if stdin == nil {
			return fault.Usagef("--current -: no standard input")
		}
		return t.ReadCSV(stdin, "-", categorical)
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return fault.Usagef("%s: no such file", name)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, len(parquetMagic))
	n, _ := io.ReadFull(f, head)
	if isParquetName(name) || isParquet(head[:n]) {
		return t.ReadParquet(f, st.Size(), name, categorical)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return t.ReadCSV(f, name, categorical)
}

func isParquetName(name string) bool { return strings.EqualFold(path.Ext(name), ".parquet") }

// isDataFile tells the files a folder or an artifact offers as data.
func isDataFile(name string) bool {
	return isParquetName(name) || strings.EqualFold(path.Ext(name), ".csv")
}

// expandFolders replaces each folder in names by its .csv and .parquet
// files, sorted by name, not recursing.
func expandFolders(names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		st, err := os.Stat(name)
		if name == "-" || err != nil || !st.IsDir() {
			out = append(out, name)
			continue
		}
		entries, err := os.ReadDir(name) // sorted by name
		if err != nil {
			return nil, fault.Usagef("--current %s: %w", name, err)
		}
		n := len(out)
		for _, e := range entries {
			p := filepath.Join(name, e.Name())
			if !isDataFile(e.Name()) {
				continue
			}
			if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() { // follows symlinks
				out = append(out, p)
			}
		}
		if len(out) == n {
			return nil, fault.Usagef("--current %s: the folder holds no .csv or .parquet file", name)
		}
	}
	return out, nil
}

func (req Request) categorical() map[string]bool {
	m := map[string]bool{}
	for _, c := range req.Categorical {
		m[c] = true
	}
	return m
}

// selectColumns applies --columns and --ignore to both tables.
func (req Request) selectColumns(ref, cur *Table) error {
	keep := func(string) bool { return true }
	if len(req.Columns) > 0 {
		want := map[string]bool{}
		for _, c := range req.Columns {
			if ref.Column(c) == nil && cur.Column(c) == nil {
				return fault.Usagef("--columns %s: neither the reference nor the current data has that column", c)
			}
			want[c] = true
		}
		keep = func(n string) bool { return want[n] }
	}
	ignore := map[string]bool{}
	for _, c := range req.Ignore {
		ignore[c] = true
	}
	for _, t := range []*Table{ref, cur} {
		var cols []*Column
		for _, c := range t.Columns {
			if keep(c.Name) && !ignore[c.Name] {
				cols = append(cols, c)
			} else {
				delete(t.byName, c.Name)
			}
		}
		t.Columns = cols
	}
	return nil
}

// Err is what the result means for the exit code: a refusal when the data
// set or the model drifted, nil otherwise.
func (r *Result) Err() error {
	if r.DatasetDrift {
		return fault.Deniedf("dataset drift: %d of %d features drifted (%.0f%%, threshold %.0f%%)",
			r.Drifted, r.Tested, 100*r.ShareDrifted, 100*r.Thresholds.Share)
	}
	if r.Model != nil && r.Model.Drifted {
		return fault.Deniedf("model drift: %s", strings.Join(r.Model.Reasons, "; "))
	}
	return nil
}
