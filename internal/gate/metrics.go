package gate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/fault"
)

// maxMetricsSize bounds a metrics file: it is read whole.
const maxMetricsSize = 16 << 20

// maxMetricsDepth bounds how deep metrics nest (per-class, per-slice…):
// real metrics are a few levels deep, and a document nested thousands of
// levels deep is refused before it is walked.
const maxMetricsDepth = 64

// ReadMetrics reads a metrics file: JSON, YAML, or a two-column CSV
// (name,value; an optional header). Values must be finite numbers, or
// objects of them (per-class metrics); anything else is a usage error that
// names the file, the metric and the fix.
func ReadMetrics(path string) (map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Usagef("metrics file %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMetricsSize+1))
	if err != nil {
		return nil, fault.Usagef("metrics file %s: %w", path, err)
	}
	if len(b) > maxMetricsSize {
		return nil, fault.Usagef("metrics file %s is larger than %d MiB", path, maxMetricsSize>>20)
	}
	m, err := ParseMetrics(b, strings.ToLower(filepath.Ext(path)))
	if err != nil {
		return nil, fault.Usagef("metrics file %s: %w", path, err)
	}
	return m, nil
}

// ParseMetrics decodes metrics given the file extension (".json", ".yaml",
// ".yml", ".csv"; anything else is sniffed).
func ParseMetrics(b []byte, ext string) (map[string]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("is empty: write the evaluation metrics as JSON, e.g. {\"accuracy\": 0.93}")
	}
	var raw any
	switch {
	case ext == ".csv":
		return parseCSV(b)
	case ext == ".json" || (ext != ".yaml" && ext != ".yml" && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{"))):
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("does not parse as JSON: %w", err)
		}
		if dec.More() {
			return nil, errors.New("does not parse as JSON: more than one document")
		}
	default:
		if err := yaml.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("does not parse as YAML: %w", err)
		}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be an object of metric names to numbers, got %s", typeName(raw))
	}
	out, err := normalise(obj, "", 1)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// normalise turns every leaf into a float64, refusing what is not a finite number.
func normalise(obj map[string]any, prefix string, depth int) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the first bad metric deterministically
	for _, k := range keys {
		name := prefix + k
		switch v := obj[k].(type) {
		case json.Number:
			f, err := strconv.ParseFloat(v.String(), 64)
			if err != nil {
				return nil, fmt.Errorf("%s is %s, which is not a number", name, v)
			}
			out[k] = f
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s is %v: NaN and infinite values are not metrics; fix the evaluation that produced it", name, v)
			}
			out[k] = v
		case int:
			out[k] = float64(v)
		case map[string]any:
			if depth >= maxMetricsDepth {
				return nil, fmt.Errorf("%s nests deeper than %d levels; metrics are names mapped to numbers, or objects of them a few levels deep", name, maxMetricsDepth)
			}
			inner, err := normalise(v, name+".", depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = inner
		default:
			return nil, fmt.Errorf("%s is %s; want a number (write 0.93, not \"0.93\")", name, typeName(v))
		}
	}
	return out, nil
}

func parseCSV(b []byte) (map[string]any, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	out := map[string]any{}
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("does not parse as CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) != 2 {
			return nil, fmt.Errorf("line %d: want two columns, name,value; got %d", line, len(rec))
		}
		name, val := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if first && isHeader(val) {
			continue
		}
		f, err := strconv.ParseFloat(val, 64)
		switch {
		case errors.Is(err, strconv.ErrRange) && (math.IsInf(f, 0)):
			return nil, fmt.Errorf("line %d: %s is %s, which is not a finite number", line, name, val)
		case err != nil:
			return nil, fmt.Errorf("line %d: %s is %q, which is not a number", line, name, val)
		case math.IsNaN(f) || math.IsInf(f, 0):
			return nil, fmt.Errorf("line %d: %s is %s: NaN and infinite values are not metrics", line, name, val)
		case name == "":
			return nil, fmt.Errorf("line %d: empty metric name", line)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("line %d: %s is given twice", line, name)
		}
		out[name] = f
	}
	if len(out) == 0 {
		return nil, errors.New("has no metrics")
	}
	return out, nil
}

// isHeader reports whether the value column of a CSV's first line is a
// column title ("value", "score") rather than a metric: it holds no digit
// and does not parse as a number. A first line whose value is a mistyped
// number ("0.91%", "9.9e999") is a metric and is refused, never skipped.
func isHeader(val string) bool {
	if strings.ContainsAny(val, "0123456789") {
		return false
	}
	_, err := strconv.ParseFloat(val, 64)
	return err != nil
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
