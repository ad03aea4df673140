package modelpack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFrontMatter bounds how much of a README is read for its front matter.
const maxFrontMatter = 1 << 20

// ReadFrontMatter returns the YAML front matter of a Markdown model card
// (between a first line `---` and the next `---`), or nil when there is none.
func ReadFrontMatter(r io.Reader) (map[string]any, error) {
	br := bufio.NewReader(io.LimitReader(r, maxFrontMatter))
	first, err := br.ReadString('\n')
	if strings.TrimRight(first, "\r\n") != "---" {
		return nil, nil
	}
	if err != nil {
		return nil, nil
	}
	var body bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if t := strings.TrimRight(line, "\r\n"); t == "---" || t == "..." {
			break
		}
		body.WriteString(line)
		if errors.Is(err, io.EOF) {
			return nil, errors.New("front matter has no closing ---")
		}
		if err != nil {
			return nil, err
		}
	}
	var m map[string]any
	if err := yaml.Unmarshal(body.Bytes(), &m); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	return m, nil
}

func stringField(m map[string]any, key string) string {
	if s, ok := m[key].(string); ok {
		return s
	}
	return ""
}

func stringsField(m map[string]any, key string) []string {
	switch v := m[key].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
