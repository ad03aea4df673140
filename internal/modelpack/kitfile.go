package modelpack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Kitfile is a KitOps ModelKit manifest (https://kitops.org/docs/kitfile/format/).
// Paths are slash-separated, relative to the folder holding the Kitfile, and
// may name a file or a folder.
type Kitfile struct {
	ManifestVersion string         `yaml:"manifestVersion"`
	Package         KitPackage     `yaml:"package,omitempty"`
	Model           *KitModel      `yaml:"model,omitempty"`
	Code            []KitCode      `yaml:"code,omitempty"`
	Datasets        []KitDataset   `yaml:"datasets,omitempty"`
	Docs            []KitDoc       `yaml:"docs,omitempty"`
	Prompts         []KitDoc       `yaml:"prompts,omitempty"`
	MCPServers      []KitMCPServer `yaml:"mcpServers,omitempty"`
}

// KitPackage describes the ModelKit as a whole; it names and versions the
// packed model.
type KitPackage struct {
	Name        string   `yaml:"name,omitempty"`
	Version     string   `yaml:"version,omitempty"`
	Description string   `yaml:"description,omitempty"`
	Authors     []string `yaml:"authors,omitempty"`
	License     string   `yaml:"license,omitempty"`
}

// KitModel is the model: its main path and the parts that go with it.
type KitModel struct {
	Name        string    `yaml:"name,omitempty"`
	Path        string    `yaml:"path"`
	Framework   string    `yaml:"framework,omitempty"`
	Format      string    `yaml:"format,omitempty"`
	Version     string    `yaml:"version,omitempty"`
	Description string    `yaml:"description,omitempty"`
	License     string    `yaml:"license,omitempty"`
	Parts       []KitPart `yaml:"parts,omitempty"`
	Parameters  any       `yaml:"parameters,omitempty"` // free-form, as KitOps allows
}

// KitPart is a file or folder that belongs to the model (LoRA weights, a
// tokenizer, a config); Type is free text.
type KitPart struct {
	Name    string `yaml:"name,omitempty"`
	Path    string `yaml:"path"`
	Type    string `yaml:"type,omitempty"`
	License string `yaml:"license,omitempty"`
}

// KitCode is source code shipped with the model.
type KitCode struct {
	Path        string `yaml:"path"`
	Description string `yaml:"description,omitempty"`
	License     string `yaml:"license,omitempty"`
}

// KitDataset is a dataset shipped with the model.
type KitDataset struct {
	Name        string `yaml:"name,omitempty"`
	Path        string `yaml:"path"`
	Description string `yaml:"description,omitempty"`
	License     string `yaml:"license,omitempty"`
	Parameters  any    `yaml:"parameters,omitempty"`
}

// KitDoc is documentation, or a prompt file (prompts have the same shape).
type KitDoc struct {
	Path        string `yaml:"path"`
	Description string `yaml:"description,omitempty"`
}

// KitMCPServer is an MCP server bundle (.mcpb), packed as code.
type KitMCPServer struct {
	Name        string `yaml:"name,omitempty"`
	Path        string `yaml:"path"`
	Description string `yaml:"description,omitempty"`
}

// KitEntry is one path a Kitfile lists, with the role it is packed as.
// Path is cleaned and may name a folder, which the caller expands; inside a
// RoleWeights folder the caller may refine each file's role with InferRole
// (a config.json beside the weights is RoleConfig). Entries may overlap
// ("." and "README.md"): the most specific one should win.
type KitEntry struct {
	Path        string
	Role        Role
	Name        string
	Description string
	License     string
}

// maxKitfileSize bounds what ParseKitfile reads: a Kitfile is a few lines,
// and one taken from an artifact is untrusted.
const maxKitfileSize = 1 << 20

// ParseKitfile reads a Kitfile. name is how errors call the file. Every error
// is a usage error of the form "name:line: field: problem": an unknown or
// misspelled field, a value of the wrong type, a missing manifestVersion or
// path, a path that is absolute, leaves the model folder or is listed twice.
func ParseKitfile(r io.Reader, name string) (*Kitfile, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxKitfileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxKitfileSize {
		return nil, fault.Usagef("%s: larger than %d bytes, not a Kitfile", name, maxKitfileSize)
	}
	var doc yaml.Node
	nodes := yaml.NewDecoder(bytes.NewReader(data))
	if err := nodes.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, fault.Usagef("%s: empty, want a Kitfile with at least manifestVersion", name)
	} else if err != nil {
		return nil, kitYAMLError(name, nil, err)
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return nil, fault.Usagef("%s: empty, want a Kitfile with at least manifestVersion", name)
	}
	if top.Kind != yaml.MappingNode {
		return nil, fault.Usagef("%s:%d: want a mapping of Kitfile fields, got %s", name, top.Line, kitNodeKind(top))
	}
	var next yaml.Node
	if err := nodes.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil || line == 0 {
			line = top.Line
		}
		return nil, fault.Usagef("%s:%d: more than one YAML document, want one Kitfile", name, line)
	}
	ix := kitIndex{lines: map[string]int{}, fields: map[int][]kitField{}}
	ix.walk(top, "")

	var k Kitfile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&k); err != nil {
		return nil, kitYAMLError(name, &ix, err)
	}
	if errs := k.validate(name, &ix); len(errs) > 0 {
		return nil, fault.Wrap(fault.Usage, errors.Join(errs...))
	}
	return &k, nil
}

// Entries lists every path of the Kitfile with its role: the model and its
// parts (weights, or config for a part whose type or name says so), code and
// MCP servers (code), datasets, docs and prompts (docs).
func (k *Kitfile) Entries() []KitEntry {
	var out []KitEntry
	add := func(p string, role Role, name, desc, license string) {
		out = append(out, KitEntry{Path: path.Clean(p), Role: role, Name: name, Description: desc, License: license})
	}
	if m := k.Model; m != nil {
		add(m.Path, kitPartRole("", m.Path), m.Name, m.Description, m.License)
		for _, p := range m.Parts {
			add(p.Path, kitPartRole(p.Type, p.Path), p.Name, "", p.License)
		}
	}
	for _, c := range k.Code {
		add(c.Path, RoleCode, "", c.Description, c.License)
	}
	for _, d := range k.Datasets {
		add(d.Path, RoleDataset, d.Name, d.Description, d.License)
	}
	for _, d := range k.Docs {
		add(d.Path, RoleDocs, "", d.Description, "")
	}
	for _, p := range k.Prompts {
		add(p.Path, RoleDocs, "", p.Description, "")
	}
	for _, s := range k.MCPServers {
		add(s.Path, RoleCode, s.Name, s.Description, "")
	}
	return out
}

// Licenses lists the distinct licences the Kitfile names, sorted.
func (k *Kitfile) Licenses() []string {
	all := []string{k.Package.License}
	for _, e := range k.Entries() {
		all = append(all, e.License)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	return slices.DeleteFunc(all, func(s string) bool { return strings.TrimSpace(s) == "" })
}

// kitPartRole is RoleConfig for a part typed as a config or tokenizer, or,
// untyped, named like one ("config.json", "tokenizer/"); RoleWeights otherwise.
func kitPartRole(typ, p string) Role {
	t := strings.ToLower(strings.TrimSpace(typ))
	switch {
	case t == "" && InferRole(p) == RoleConfig:
		return RoleConfig
	case strings.Contains(t, "config") || strings.Contains(t, "tokenizer"):
		return RoleConfig
	}
	return RoleWeights
}

// validate checks what the YAML schema cannot say.
func (k *Kitfile) validate(name string, ix *kitIndex) []error {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s: %s", name, ix.line(field), field, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(k.ManifestVersion) == "" {
		fail("manifestVersion", "required, for example manifestVersion: \"1.0.0\"")
	}
	seen := map[string]string{} // cleaned path -> the field that listed it first
	check := func(field, p string) {
		if problem := kitPathProblem(p); problem != "" {
			fail(field, "%s", problem)
			return
		}
		clean := path.Clean(p)
		if first, dup := seen[clean]; dup {
			fail(field, "%q is already listed as %s (line %d)", clean, first, ix.line(first))
			return
		}
		seen[clean] = field
	}
	if m := k.Model; m != nil {
		check("model.path", m.Path)
		for i, p := range m.Parts {
			check(fmt.Sprintf("model.parts[%d].path", i), p.Path)
		}
	}
	for i, c := range k.Code {
		check(fmt.Sprintf("code[%d].path", i), c.Path)
	}
	for i, d := range k.Datasets {
		check(fmt.Sprintf("datasets[%d].path", i), d.Path)
	}
	for i, d := range k.Docs {
		check(fmt.Sprintf("docs[%d].path", i), d.Path)
	}
	for i, p := range k.Prompts {
		check(fmt.Sprintf("prompts[%d].path", i), p.Path)
	}
	for i, s := range k.MCPServers {
		check(fmt.Sprintf("mcpServers[%d].path", i), s.Path)
	}
	return errs
}

// kitPathProblem says what is wrong with a path in a Kitfile, or "".
func kitPathProblem(p string) string {
	switch {
	case strings.TrimSpace(p) == "":
		return "required"
	case strings.ContainsRune(p, 0):
		return fmt.Sprintf("must not contain a NUL byte, got %q", p)
	case strings.Contains(p, "://"):
		return fmt.Sprintf("must be a path in the model folder (remote references are not supported), got %q", p)
	case strings.ContainsRune(p, '\\'):
		return fmt.Sprintf("must use forward slashes, got %q", p)
	case strings.HasPrefix(p, "/"), len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z'):
		return fmt.Sprintf("must be relative to the model folder, got %q", p)
	}
	if c := path.Clean(p); c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Sprintf("must stay inside the model folder, got %q", p)
	}
	return ""
}

// kitIndex maps the fields of a YAML document to the lines they are on.
type kitIndex struct {
	lines  map[string]int     // field path ("model.parts[1].path") -> line
	fields map[int][]kitField // line -> the fields written on it, outermost first
}

// kitField is a mapping key (key is true) or a list item, and its value.
type kitField struct {
	path  string
	value *yaml.Node
	key   bool
}

// walk indexes n, found at field path p. Aliases are not followed: their
// targets are indexed where they are defined, and following them could
// multiply the work without bound.
func (ix *kitIndex) walk(n *yaml.Node, p string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			field := key.Value
			if p != "" {
				field = p + "." + field
			}
			if _, ok := ix.lines[field]; !ok {
				ix.lines[field] = key.Line
			}
			ix.fields[key.Line] = append(ix.fields[key.Line], kitField{path: field, value: value, key: true})
			ix.walk(value, field)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			field := fmt.Sprintf("%s[%d]", p, i)
			ix.lines[field] = item.Line
			ix.fields[item.Line] = append(ix.fields[item.Line], kitField{path: field, value: item})
			ix.walk(item, field)
		}
	}
}

// line is where field, or the nearest enclosing field that is written, is.
func (ix *kitIndex) line(field string) int {
	for f := field; f != ""; {
		if n, ok := ix.lines[f]; ok {
			return n
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return 1
}

var (
	kitLineRE    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	kitUnknownRE = regexp.MustCompile(`^field (.+) not found in type \S+$`)
	kitTypeRE    = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
)

// kitParserErrors are the messages of yaml.v3's parser (not its scanner),
// whose line yaml.v3 reports counting from 0.
var kitParserErrors = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// kitYAMLError rewrites yaml.v3's errors ("yaml: line 3: …", "line 3: field
// x not found in type …") as "name:3: field: problem". ix is nil when the
// YAML does not parse.
func kitYAMLError(name string, ix *kitIndex, err error) error {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var errs []error
	for _, msg := range msgs {
		m := kitLineRE.FindStringSubmatch(msg)
		if m == nil {
			errs = append(errs, fmt.Errorf("%s: %s", name, strings.TrimPrefix(msg, "yaml: ")))
			continue
		}
		line, _ := strconv.Atoi(m[1])
		if kitParserErrors[m[2]] {
			line++ // yaml.v3 reports these 0-based
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, ix.explain(line, m[2])))
	}
	return fault.Wrap(fault.Usage, errors.Join(errs...))
}

// explain names the field a yaml.v3 message at line is about and says what
// was wanted in words rather than Go types.
func (ix *kitIndex) explain(line int, msg string) string {
	if ix == nil {
		return msg
	}
	fields := ix.fields[line]
	if m := kitUnknownRE.FindStringSubmatch(msg); m != nil {
		for _, f := range fields {
			if f.key && (f.path == m[1] || strings.HasSuffix(f.path, "."+m[1])) {
				return fmt.Sprintf("%s: unknown field", f.path)
			}
		}
		return fmt.Sprintf("%s: unknown field", m[1])
	}
	m := kitTypeRE.FindStringSubmatch(msg)
	if m == nil || len(fields) == 0 {
		return msg
	}
	tag, value, into := m[1], m[2], m[3]
	field, got := fields[len(fields)-1].path, ""
	for _, f := range slices.Backward(fields) {
		if kitNodeMatches(f.value, tag, value) {
			field, got = f.path, kitNodeKind(f.value)
			break
		}
	}
	if got == "" {
		got = map[string]string{"map": "a mapping", "seq": "a list"}[tag]
	}
	if got == "" {
		got = strconv.Quote(value)
	}
	want := "a mapping"
	switch {
	case strings.HasPrefix(into, "[]"):
		want = "a list"
	case into == "string":
		want = "a string"
	}
	return fmt.Sprintf("%s: want %s, got %s", field, want, got)
}

// kitNodeMatches reports whether n is the value a yaml.v3 type error quotes:
// its tag, and for a scalar its text, which yaml.v3 cuts to 7 bytes and "...".
func kitNodeMatches(n *yaml.Node, tag, value string) bool {
	switch tag {
	case "map":
		return n.Kind == yaml.MappingNode
	case "seq":
		return n.Kind == yaml.SequenceNode
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if cut, ok := strings.CutSuffix(value, "..."); ok && len(n.Value) > 10 {
		return strings.HasPrefix(n.Value, cut)
	}
	return n.Value == value
}

// kitNodeKind names a node's kind for a message.
func kitNodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if len(n.Value) > 40 {
			return strconv.Quote(n.Value[:37] + "...")
		}
		return strconv.Quote(n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a mapping"
}
