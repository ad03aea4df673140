package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/oci"
)

// A link already in the target that leads outside it is never written
// through: policy pull refuses a folder link (as model pull does) and
// replaces a file link by the file, and nothing appears outside.
func TestPullOCIDoesNotFollowLinksOutOfTheTarget(t *testing.T) {
	ctx := context.Background()
	store := oci.OpenLayout(t.TempDir())
	pushRaw(t, store, "v1", ConfigMediaType,
		layerFile{title: "lib/helper.rego", mediaType: PolicyLayerMediaType, raw: []byte("package lib\n")},
		layerFile{title: "metrics.rego", mediaType: PolicyLayerMediaType, raw: []byte(thresholdPolicy)},
	)
	tests := []struct {
		name    string
		link    string // the name of the link in the target
		outside string // what it points at, outside the target
		wantErr string
	}{
		{name: "a folder link", link: "lib", outside: "elsewhere", wantErr: `"lib" is a link that leaves the target folder`},
		{name: "a file link", link: "metrics.rego", outside: "elsewhere/metrics.rego"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			outside := filepath.Join(parent, "elsewhere")
			require.NoError(t, os.MkdirAll(outside, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(outside, "metrics.rego"), []byte("mine"), 0o644))
			dir := filepath.Join(parent, "policies")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.Symlink(filepath.Join(parent, tt.outside), filepath.Join(dir, tt.link)))

			_, err := PullOCI(ctx, store, "v1", dir)
			if tt.wantErr != "" {
				requireUsage(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				fi, err := os.Lstat(filepath.Join(dir, tt.link))
				require.NoError(t, err)
				assert.True(t, fi.Mode().IsRegular(), "%s after pull is %s; want the bundle's file in place of the link", tt.link, fi.Mode())
			}
			entries, err := os.ReadDir(outside)
			require.NoError(t, err)
			require.Len(t, entries, 1, "files outside the target after pull")
			got, err := os.ReadFile(filepath.Join(outside, "metrics.rego"))
			require.NoError(t, err)
			assert.Equal(t, "mine", string(got), "the file outside the target after pull")
		})
	}
}
