package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/slipwayhq/slipway/internal/fault"
)

// yamlFile is one YAML file opened for editing. Its documents are parsed
// into kyaml nodes only to find things; an edit replaces the exact bytes
// of the token a node came from, so every other byte of the file, its
// comments, blank lines, quoting and indentation stay as they were.
type yamlFile struct {
	name    string
	src     []byte
	docs    []*yaml.RNode
	lines   []int // byte offset of the start of each line
	splices []splice
}

type splice struct {
	start, end int
	text       string
}

// parseYAML reads every document of src; name is for messages.
func parseYAML(name string, src []byte) (*yamlFile, error) {
	f := &yamlFile{name: name, src: src, lines: []int{0}}
	for i, b := range src {
		if b == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fault.Usagef("%s is not YAML: %v", name, err)
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			f.docs = append(f.docs, yaml.NewRNode(n.Content[0]))
		}
	}
	return f, nil
}

// offset turns a node's line and column (1-based, columns in characters)
// into a byte offset of src.
func (f *yamlFile) offset(line, col int) int {
	off := f.lines[line-1]
	for i := 1; i < col && off < len(f.src); i++ {
		_, size := utf8.DecodeRune(f.src[off:])
		off += size
	}
	return off
}

// tokenEnd is the byte offset just past the scalar token n starts.
func (f *yamlFile) tokenEnd(n *yaml.Node, start int) (int, error) {
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		for i := start + 1; i < len(f.src); i++ {
			switch f.src[i] {
			case '\\':
				i++
			case '"':
				return i + 1, nil
			}
		}
	case yaml.SingleQuotedStyle:
		for i := start + 1; i < len(f.src); i++ {
			if f.src[i] == '\'' {
				if i+1 < len(f.src) && f.src[i+1] == '\'' {
					i++
					continue
				}
				return i + 1, nil
			}
		}
	case 0, yaml.TaggedStyle:
		if strings.Contains(n.Value, "\n") || n.Tag != "" && n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float" && n.Tag != "!!null" && n.Tag != "!!bool" {
			break
		}
		end := start
		for end < len(f.src) && f.src[end] != '\n' {
			end++
		}
		// A plain scalar ends before a comment or trailing blanks.
		text := string(f.src[start:end])
		if i := strings.Index(text, " #"); i >= 0 {
			text = text[:i]
		}
		return start + len(strings.TrimRight(text, " \t\r")), nil
	}
	return 0, fault.Usagef("%s:%d: the value is a multi-line or block scalar, which Slipway does not rewrite: write it on one line", f.name, n.Line)
}

// setScalar replaces the value of scalar node n, keeping its quoting.
func (f *yamlFile) setScalar(n *yaml.Node, value string) error {
	if n.Kind != yaml.ScalarNode || n.Anchor != "" {
		return fault.Usagef("%s:%d: want a plain value here (not a mapping, list, anchor or alias)", f.name, n.Line)
	}
	if n.Value == value {
		return nil
	}
	start := f.offset(n.Line, n.Column)
	end, err := f.tokenEnd(n, start)
	if err != nil {
		return err
	}
	f.splices = append(f.splices, splice{start, end, quote(value, n.Style)})
	n.Value = value
	return nil
}

// replacePair rewrites `key: value` as `newKey: value` in place (for
// kustomize's newTag, which a digest replaces).
func (f *yamlFile) replacePair(key, val *yaml.Node, newKey, value string) error {
	start := f.offset(key.Line, key.Column)
	vstart := f.offset(val.Line, val.Column)
	end, err := f.tokenEnd(val, vstart)
	if err != nil {
		return err
	}
	f.splices = append(f.splices, splice{start, end, newKey + ": " + quote(value, 0)})
	key.Value, val.Value, val.Style = newKey, value, 0
	return nil
}

// insertAfter adds a `key: value` line after line (1-based), indented to
// column col (1-based), as a new key of the block mapping there.
func (f *yamlFile) insertAfter(line, col int, key, value string) {
	at, text := len(f.src), strings.Repeat(" ", col-1)+key+": "+quote(value, 0)+"\n"
	if line < len(f.lines) {
		at = f.lines[line]
	}
	if at == len(f.src) && len(f.src) > 0 && f.src[len(f.src)-1] != '\n' {
		text = "\n" + strings.TrimSuffix(text, "\n")
	}
	f.splices = append(f.splices, splice{at, at, text})
}

// deleteLine removes a whole line (1-based).
func (f *yamlFile) deleteLine(line int) {
	end := len(f.src)
	if line < len(f.lines) {
		end = f.lines[line]
	}
	f.splices = append(f.splices, splice{f.lines[line-1], end, ""})
}

// changed says whether any edit was made.
func (f *yamlFile) changed() bool { return len(f.splices) > 0 }

// bytes applies the edits to the original bytes.
func (f *yamlFile) bytes() []byte {
	sp := append([]splice(nil), f.splices...)
	sort.SliceStable(sp, func(i, j int) bool { return sp[i].start > sp[j].start })
	out := append([]byte(nil), f.src...)
	for _, s := range sp {
		out = append(out[:s.start:s.start], append([]byte(s.text), out[s.end:]...)...)
	}
	return out
}

// quote writes value in the style of the token it replaces; a plain
// value that YAML would read as something else is double-quoted.
func quote(value string, style yaml.Style) string {
	switch style {
	case yaml.DoubleQuotedStyle:
		return fmt.Sprintf("%q", value)
	case yaml.SingleQuotedStyle:
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	}
	if value == "" || strings.ContainsAny(value[:1], "!&*{}[],#|>@%'\"`?- ") ||
		strings.Contains(value, ": ") || strings.Contains(value, " #") || strings.HasSuffix(value, ":") {
		return fmt.Sprintf("%q", value)
	}
	return value
}

// lastLine is the last line a node's content reaches.
func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// field returns the key and value nodes of key in mapping m, or nils.
func field(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// keys lists the keys of mapping m, for messages.
func keys(m *yaml.Node) []string {
	var out []string
	if m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i < len(m.Content); i += 2 {
			out = append(out, m.Content[i].Value)
		}
	}
	return out
}
