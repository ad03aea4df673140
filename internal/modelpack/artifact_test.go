package modelpack

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

// TestOpenRefusesConfigThatDoesNotDecode checks that a config whose name or
// version is not a string is a usage error naming the artifact and its
// config, not an artifact with no name.
func TestOpenRefusesConfigThatDoesNotDecode(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, config string
		wantErr      bool
	}{
		{"name is a number", `{"descriptor": {"name": 5}}`, true},
		{"descriptor is a list", `{"descriptor": []}`, true},
		{"config is a list", `[]`, true},
		{"fields slipway does not read are left alone", `{"descriptor": {"name": "m", "createdAt": "yesterday"}, "modelfs": 3}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := oci.OpenLayout(t.TempDir())
			p := pack(t, writeTree(t, sample), store, nil)
			raw, err := store.Manifest(ctx, p.Descriptor.Digest)
			require.NoError(t, err)
			var m map[string]any
			require.NoError(t, json.Unmarshal(raw, &m))
			h, size, err := store.Ingest(bytes.NewReader([]byte(tc.config)))
			require.NoError(t, err)
			cfg := m["config"].(map[string]any)
			cfg["digest"], cfg["size"] = h.String(), size
			raw, err = json.Marshal(m)
			require.NoError(t, err)
			_, err = store.WriteManifest(ctx, raw, types.OCIManifestSchema1, "", "bad")
			require.NoError(t, err)

			_, err = Open(ctx, store, "bad")
			if !tc.wantErr {
				require.NoError(t, err, "Open of an artifact with config %s", tc.config)
				return
			}
			require.Error(t, err, "Open of an artifact with config %s", tc.config)
			if k := fault.KindOf(err); k != fault.Usage {
				t.Errorf("Open with config %s = %v: kind %v, want usage", tc.config, err, k)
			}
			if !strings.Contains(err.Error(), h.String()) {
				t.Errorf("Open with config %s = %q, want it to name the config %s", tc.config, err, h)
			}
		})
	}
}

func TestPackRefusesBrokenCardFrontMatter(t *testing.T) {
	files := map[string]string{"model.safetensors": "w", "README.md": "---\nname: [unclosed\n---\n# Card\n"}
	dir := writeTree(t, files)
	_, err := Pack(context.Background(), oci.OpenLayout(t.TempDir()), PackOptions{Dir: dir})
	require.Error(t, err, "Pack of a folder whose README.md front matter does not parse")
	if k := fault.KindOf(err); k != fault.Usage {
		t.Errorf("Pack = %v: kind %v, want usage", err, k)
	}
	require.Contains(t, err.Error(), "README.md")
}

func TestPullRefusesFileAnnotationThatDoesNotParse(t *testing.T) {
	ctx := context.Background()
	store := oci.OpenLayout(t.TempDir())
	p := pack(t, writeTree(t, map[string]string{"model.safetensors": "w"}), store, nil)
	raw, err := store.Manifest(ctx, p.Descriptor.Digest)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	layer := m["layers"].([]any)[0].(map[string]any)
	layer["annotations"].(map[string]any)[AnnotationFile] = `{"mode": "rwx"}`
	raw, err = json.Marshal(m)
	require.NoError(t, err)
	_, err = store.WriteManifest(ctx, raw, types.OCIManifestSchema1, "", "bad")
	require.NoError(t, err)
	art, err := Open(ctx, store, "bad")
	require.NoError(t, err)

	_, err = Pull(ctx, store, art, t.TempDir(), PullOptions{})
	require.Error(t, err, "Pull of a layer whose %s annotation does not parse", AnnotationFile)
	if k := fault.KindOf(err); k != fault.Usage {
		t.Errorf("Pull = %v: kind %v, want usage", err, k)
	}
	require.Contains(t, err.Error(), AnnotationFile)
}

func TestPackNameTooLongIsUsage(t *testing.T) {
	long := strings.Repeat("m", 300)
	for _, tc := range []struct {
		name  string
		dir   string
		store func(t *testing.T) oci.LayoutStore
	}{
		{"model folder", long, func(t *testing.T) oci.LayoutStore { return oci.OpenLayout(t.TempDir()) }},
		{"layout", "", func(t *testing.T) oci.LayoutStore { return oci.OpenLayout(t.TempDir() + "/" + long) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"model.safetensors": "w"})
			if tc.dir != "" {
				dir = dir + "/" + tc.dir
			}
			_, err := Pack(context.Background(), tc.store(t), PackOptions{Dir: dir})
			require.Error(t, err, "Pack with a %d-character %s name", len(long), tc.name)
			if k := fault.KindOf(err); k != fault.Usage {
				t.Errorf("Pack with a %d-character %s name = %v: kind %v, want usage", len(long), tc.name, err, k)
			}
		})
	}
}
