package deploy

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/slipwayhq/slipway/internal/fault"
)

// splitPath splits a key path such as image.digest or
// spec.template.spec.containers[name=model].image into kyaml's path
// parts (image, digest; …, containers, [name=model], image). Dots inside
// brackets belong to the match; steps[0] is the first element.
func splitPath(p string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	depth, prev := 0, rune(0)
	flush := func() error {
		if cur.Len() == 0 {
			return fmt.Errorf("empty part")
		}
		parts = append(parts, cur.String())
		cur.Reset()
		return nil
	}
	for _, r := range p {
		switch {
		case r == '[' && depth == 0:
			if cur.Len() > 0 {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			depth++
			cur.WriteRune(r)
		case r == ']' && depth == 1:
			depth--
			cur.WriteRune(r)
			s := cur.String()
			cur.Reset()
			if inner := s[1 : len(s)-1]; !strings.Contains(inner, "=") {
				s = inner // [0]: an index
			}
			parts = append(parts, s)
		case r == '.' && depth == 0:
			if cur.Len() > 0 {
				if err := flush(); err != nil {
					return nil, err
				}
			} else if prev != ']' {
				return nil, fmt.Errorf("empty part")
			}
		default:
			cur.WriteRune(r)
		}
		prev = r
	}
	if depth != 0 {
		return nil, fmt.Errorf("unclosed [")
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return parts, nil
}

// lookupScalar finds the scalar at key path p in doc. A path that does not
// lead to a scalar is a usage error naming the longest part that exists
// and what is there instead.
func lookupScalar(f *yamlFile, doc *yaml.RNode, p string) (*yaml.Node, error) {
	parts, err := splitPath(p)
	if err != nil {
		return nil, fault.Usagef("key path %q: %v: want keys joined by dots, e.g. image.digest or containers[name=model].image", p, err)
	}
	node := doc
	for i, part := range parts {
		next, err := node.Pipe(yaml.Lookup(part))
		if err != nil || next == nil {
			where := strings.Join(parts[:i], ".")
			if where == "" {
				where = "the top level"
			}
			return nil, fault.Usagef("%s: key path %s not found: %s has no %s (%s)", f.name, p, where, part, describe(node.YNode()))
		}
		node = next
	}
	if node.YNode().Kind != yaml.ScalarNode {
		return nil, fault.Usagef("%s:%d: key path %s is a %s, not a value", f.name, node.YNode().Line, p, kindName(node.YNode()))
	}
	return node.YNode(), nil
}

// describe says what a node holds, for a path that went astray there.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		if ks := keys(n); len(ks) > 0 {
			return "its keys: " + strings.Join(ks, ", ")
		}
		return "it is empty"
	case yaml.SequenceNode:
		var names []string
		for _, c := range n.Content {
			if _, v := field(c, "name"); v != nil {
				names = append(names, "name="+v.Value)
			}
		}
		if len(names) > 0 {
			return fmt.Sprintf("a list of %d: %s", len(n.Content), strings.Join(names, ", "))
		}
		return fmt.Sprintf("a list of %d", len(n.Content))
	}
	return "it is the value " + fmt.Sprintf("%q", n.Value)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}
