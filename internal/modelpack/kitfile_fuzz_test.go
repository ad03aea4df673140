package modelpack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// FuzzParseKitfile checks that ParseKitfile never panics, refuses with a
// usage error that names the file, and lets through only Kitfiles whose paths
// are distinct and stay inside the model folder.
func FuzzParseKitfile(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "kitfile", "*.yaml"))
	require.NoError(f, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(string(data))
	}
	for _, tc := range badKitfiles {
		f.Add(tc.yaml)
	}
	f.Add("manifestVersion: 1\na: &a [*a, *a]\n")
	f.Add("manifestVersion: 1\nmodel: &m {path: a}\ncode: [*m]\n")
	f.Fuzz(func(t *testing.T, data string) {
		k, err := ParseKitfile(strings.NewReader(data), "Kitfile")
		if err != nil {
			require.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
			require.True(t, strings.HasPrefix(err.Error(), "Kitfile"), "error does not name the file: %v", err)
			return
		}
		require.NotEmpty(t, strings.TrimSpace(k.ManifestVersion), "accepted without manifestVersion")
		seen := map[string]bool{}
		for _, e := range k.Entries() {
			require.True(t, filepath.IsLocal(e.Path), "accepted path %q is not local", e.Path)
			require.NotContains(t, e.Path, `\`)
			require.NotContains(t, e.Path, "://")
			require.False(t, seen[e.Path], "accepted %q twice", e.Path)
			seen[e.Path] = true
			require.NotEmpty(t, e.Role)
		}
	})
}
