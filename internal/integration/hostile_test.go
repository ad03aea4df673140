package integration

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
)

// TestPullRefusesHostileArtifacts pushes ModelPack-looking artifacts whose
// content would escape the target folder (made with go-containerregistry,
// not Slipway) and pulls them: each pull exits 2, writes nothing outside the
// target, and leaves nothing in it, not even the harmless files that came
// before the hostile one.
func TestPullRefusesHostileArtifacts(t *testing.T) {
	reg := anyRegistry(t)
	nonce := make([]byte, 6)
	_, _ = rand.Read(nonce)
	etcName := "slipway-evil-" + hex.EncodeToString(nonce) // must never appear in /etc
	base := t.TempDir()
	absEvil := filepath.Join(base, "abs-evil")

	docs := types.MediaType(docTar)
	weights := types.MediaType(weightRaw)
	goodWeights := blob{mediaType: weights, content: []byte("weights"), annotations: map[string]string{annotationPath: "model.safetensors"}}
	tarLayer := func(es ...entry) blob { return blob{mediaType: docs, content: tarOf(t, es...)} }
	rawLayer := func(path string) blob {
		return blob{mediaType: weights, content: []byte("evil"), annotations: map[string]string{annotationPath: path}}
	}

	for _, tc := range []struct {
		name   string
		layers []blob
		code   int // exit code; 2 when 0
		says   string
	}{
		{name: "tar entry ../evil", layers: []blob{tarLayer(file("../evil", "evil"))}},
		{name: "tar entry ../../evil after a good one", layers: []blob{tarLayer(file("README.md", "fine"), file("../../evil", "evil"))}},
		{name: "tar entry with an absolute name", layers: []blob{tarLayer(file(absEvil, "evil"))}},
		{name: "tar symlink to /etc", layers: []blob{tarLayer(symlink("etc", "/etc"))}},
		{name: "tar file through a symlink to /etc", layers: []blob{tarLayer(symlink("etc", "/etc"), file("etc/"+etcName, "evil"))}},
		{name: "tar file through a relative symlink out", layers: []blob{tarLayer(symlink("up", "../.."), file("up/evil", "evil"))}},
		{name: "tar symlink chain out", layers: []blob{tarLayer(symlink("a", "."), symlink("b", "a/.."), symlink("c", "b/.."))}},
		{name: "tar hard link out", layers: []blob{tarLayer(hardlink("passwd", "../../../../../../etc/passwd"))}},
		{name: "raw layer ../../evil", layers: []blob{rawLayer("../../evil")}},
		{name: "raw layer with an absolute path", layers: []blob{rawLayer(absEvil)}},
		{name: "good weights, then a hostile tar", layers: []blob{goodWeights, tarLayer(file("../evil", "evil"))}},
		// Corrupt rather than hostile: a runtime error (exit 3).
		{name: "blob larger than its descriptor", code: 3, says: "larger than", layers: []blob{{mediaType: weights,
			content: []byte("more than three bytes"), size: 3, annotations: map[string]string{annotationPath: "model.safetensors"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hostile := reg + "/" + repo("hostile")
			artifact{
				artifactType: artifactType,
				configType:   configMediaType,
				config:       modelConfig("hostile"),
				layers:       tc.layers,
			}.push(t, hostile, "1.0.0")
			ref := hostile + ":1.0.0"

			target := filepath.Join(base, "a", "b", "target")
			code, says := cmp.Or(tc.code, 2), cmp.Or(tc.says, "refusing")
			r := wantExit(t, code, "pull", ref, target)
			assert.Contains(t, r.stderr, says, "the error should say what was refused")
			assert.Empty(t, r.stdout, "stdout of a refused pull")

			assert.Empty(t, listFiles(t, base), "files written under %s by a refused pull", base)
			if entries, err := os.ReadDir(target); err == nil {
				assert.Empty(t, entries, "left in the target folder by a refused pull")
			}
			assert.NoFileExists(t, filepath.Join("/etc", etcName), "written into /etc through a link")
			_ = os.RemoveAll(filepath.Join(base, "a"))
		})
	}
}

// TestPullDoesNotWriteThroughLinksOnDisk pulls a model into a folder whose
// data/ is already a link to a folder outside it: the pull is refused
// (exit 2) before any file is placed, and nothing lands outside.
func TestPullDoesNotWriteThroughLinksOnDisk(t *testing.T) {
	reg := anyRegistry(t)
	dst := reg + "/" + repo("iris")
	mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock")

	outside := filepath.Join(t.TempDir(), "outside")
	target := filepath.Join(t.TempDir(), "target")
	for _, d := range []string{outside, target} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(target, "data")); err != nil {
		t.Fatal(err)
	}

	r := wantExit(t, 2, "pull", dst+":1.0.0", target)
	assert.Contains(t, r.stderr, `"data" is a link that leaves the target folder`)
	assert.Empty(t, listFiles(t, outside), "written outside the target through data -> %s", outside)
	assert.Equal(t, []string{"data"}, listFiles(t, target), "a refused pull should leave the target as it was")
}

// TestInspectOfAnArtifactWithABrokenConfig inspects, as JSON, an artifact
// whose ModelPack config blob is not JSON: inspect must still print one JSON
// document, or refuse the artifact as a usage error (exit 2) that names the
// config, not fail with an encoder error (it does today: exit 3 with
// "json: error calling MarshalJSON for type json.RawMessage").
func TestInspectOfAnArtifactWithABrokenConfig(t *testing.T) {
	reg := anyRegistry(t)
	broken := reg + "/" + repo("broken")
	artifact{
		artifactType: artifactType,
		configType:   configMediaType,
		config:       []byte("not json"),
		layers: []blob{{mediaType: types.MediaType(weightRaw), content: []byte("weights"),
			annotations: map[string]string{annotationPath: "model.safetensors"}}},
	}.push(t, broken, "1.0.0")

	r := slipway(t, "inspect", broken+":1.0.0", "-o", "json")
	switch r.code {
	case 0:
		assert.True(t, json.Valid([]byte(r.stdout)), "inspect -o json printed something that is not JSON:\n%s", r.stdout)
	case 2:
		assert.Contains(t, r.stderr, "config")
	default:
		t.Errorf("BUG: inspect -o json of an artifact whose config is not JSON: want exit 0 with a JSON document, "+
			"or exit 2 naming the config; got\n%s", r)
	}
}
