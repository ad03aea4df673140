package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Document formats that data files and conftest-style inputs may use.
const (
	formatJSON = "json"
	formatYAML = "yaml"
)

// formatOf returns the document format a file name's extension says, or "".
func formatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return formatJSON
	case ".yaml", ".yml":
		return formatYAML
	}
	return ""
}

// decodeDocuments decodes the documents in b: exactly one for JSON, one
// per `---`-separated document for YAML (empty documents skipped). The
// values are JSON-shaped: map[string]any, []any, string, bool, nil and
// numbers (json.Number from JSON; int or float64 from YAML), so OPA takes
// them as they are. NaN and infinities are refused: they have no JSON form
// and compare in surprising ways.
func decodeDocuments(b []byte, format string) ([]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty document")
	}
	switch format {
	case formatJSON:
		v, err := decodeJSON(b)
		if err != nil {
			return nil, err
		}
		return []any{v}, nil
	case formatYAML:
		return decodeYAML(b)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(b, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("line %d: more than one JSON value", lineAt(b, dec.InputOffset()))
	}
	return v, nil
}

// jsonError adds the line of a syntax error, which encoding/json only
// gives as a byte offset.
func jsonError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %w", lineAt(b, se.Offset), err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("line %d: unexpected end of JSON (is the file complete?)", lineAt(b, int64(len(b))))
	}
	return err
}

func lineAt(b []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(b)))
	return bytes.Count(b[:offset], []byte{'\n'}) + 1
}

func decodeYAML(b []byte) ([]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []any
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if emptyDocument(&n) {
			continue
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		v, err = jsonShape(v, "")
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		docs = append(docs, v)
	}
	if len(docs) == 0 {
		return nil, errors.New("no YAML document")
	}
	return docs, nil
}

// emptyDocument reports whether n is a document with nothing in it, as
// after a trailing "---". An explicit null is kept.
func emptyDocument(n *yaml.Node) bool {
	if n.Kind == 0 || (n.Kind == yaml.DocumentNode && len(n.Content) == 0) {
		return true
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		c := n.Content[0]
		return c.Kind == yaml.ScalarNode && c.Tag == "!!null" && c.Value == ""
	}
	return false
}

// jsonShape turns what yaml.v3 decodes into the shapes JSON has: maps with
// non-string keys get string keys, and NaN or infinite numbers are refused.
func jsonShape(v any, at string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			s, err := jsonShape(e, joinKey(at, k))
			if err != nil {
				return nil, err
			}
			v[k] = s
		}
		return v, nil
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			ks := fmt.Sprint(k)
			s, err := jsonShape(e, joinKey(at, ks))
			if err != nil {
				return nil, err
			}
			m[ks] = s
		}
		return m, nil
	case []any:
		for i, e := range v {
			s, err := jsonShape(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			v[i] = s
		}
		return v, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: %v is not a number JSON can hold", orRoot(at), v)
		}
		return v, nil
	case int, int64, uint64, string, bool, nil:
		return v, nil
	case time.Time:
		// An unquoted date (expires: 2027-01-31) is a YAML timestamp; the
		// policies compare dates as the strings a quoted one would be.
		if v.Equal(v.Truncate(24*time.Hour)) && v.Location() == time.UTC {
			return v.Format(time.DateOnly), nil
		}
		return v.Format(time.RFC3339Nano), nil
	}
	// yaml.v3 keeps binary as a string when decoding into any, so nothing
	// else should reach here.
	return nil, fmt.Errorf("%s: unsupported value %v (%T)", orRoot(at), v, v)
}

func joinKey(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

func orRoot(at string) string {
	if at == "" {
		return "document"
	}
	return at
}
