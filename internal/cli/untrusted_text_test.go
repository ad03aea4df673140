package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/modelpack"
)

// hostile is a file path an artifact may carry: a newline forging a table
// row, a tab forging a column, and escapes that clear the screen.
const hostile = "a.txt\nweights\t1 GiB\x1b[2J\x1b]0;pwned\x07"

// Names taken from artifacts are escaped in text output, so that they can
// neither forge rows nor act on the terminal; JSON keeps them exact.
func TestTextOutputEscapesArtifactNames(t *testing.T) {
	inspect := &modelpack.InspectResult{
		Reference: "oci:st@sha256:ab", Name: "m\x1b[31m", Version: "1\n2", Format: "modelpack",
		Layers: []modelpack.InspectLayer{{Role: "weights", Size: 1, Digest: "sha256:abcdef", Path: hostile}},
	}
	changes := []modelpack.Change{{Path: hostile, Kind: "extra", NewSize: 1}}
	tests := []struct {
		name  string
		print func(w *bytes.Buffer) error
		lines int
	}{
		{name: "inspect", print: func(w *bytes.Buffer) error { return printInspect(w, inspect) }, lines: 8},
		{name: "pull, verify and diff changes", print: func(w *bytes.Buffer) error { return printChanges(w, changes) }, lines: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, tt.print(&out))
			text := out.String()
			assert.NotContains(t, text, "\x1b", "terminal escape in\n%s", text)
			assert.NotContains(t, text, "\t", "tab in\n%s", text)
			assert.Equal(t, tt.lines, strings.Count(text, "\n"), "lines in\n%s", text)
			assert.Contains(t, text, `a.txt\nweights\t1 GiB\x1b[2J\x1b]0;pwned\a`)
		})
	}
	raw, err := json.Marshal(changes)
	require.NoError(t, err)
	var back []modelpack.Change
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, hostile, back[0].Path, "the path after a JSON round trip")
}
