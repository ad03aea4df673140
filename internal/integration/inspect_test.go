package integration

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/registrytest"
)

// TestInspectAndDiffOnRegistry reads artifacts straight from the registry:
// inspect summarises one, diff lists the files that changed between two
// versions, or between a version and a folder.
func TestInspectAndDiffOnRegistry(t *testing.T) {
	reg := env(t)
	dst := reg + "/" + repo("iris")
	v1 := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "v1.lock").lastLine()
	changed := copyExample(t)
	appendTo(t, filepath.Join(changed, "README.md"), "\n## Changelog\n\nRetrained on more data.\n")
	mustSlipway(t, "pack", changed, "--version", "1.1.0", "--to", dst, "--lock", "v2.lock")

	t.Run("inspect", func(t *testing.T) {
		r := mustSlipway(t, "inspect", dst+":1.0.0")
		assert.Contains(t, r.stdout, "Reference:  "+v1+"\n")
		assert.Contains(t, r.stdout, "Name:       iris-classifier\n")
		assert.Contains(t, r.stdout, "Version:    1.0.0\n")
		assert.Contains(t, r.stdout, "Format:     modelpack\n")
		assert.Regexp(t, regexp.MustCompile(`(?m)^weights\s+388 B\s+[0-9a-f]{12}\s+model\.safetensors$`), r.stdout)
		// One layer per file, each named by its path (org.cncf.model.filepath).
		for role, file := range map[string]string{"config": "config.json", "code": "predict.py", "docs": "README.md", "datasets": "data/iris.csv"} {
			assert.Regexp(t, regexp.MustCompile(`(?m)^`+role+`\s.*tar of `+regexp.QuoteMeta(file)+`$`), r.stdout)
		}

		r = mustSlipway(t, "inspect", v1, "-o", "json")
		var doc struct {
			Reference, Digest, Format, Name, Version string
			Manifest                                 struct {
				ArtifactType string `json:"artifactType"`
			}
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), "inspect -o json printed:\n%s", r.stdout)
		assert.Equal(t, v1, doc.Reference)
		assert.Equal(t, strings.TrimPrefix(v1, dst+"@"), doc.Digest)
		assert.Equal(t, "1.0.0", doc.Version)
		assert.Equal(t, artifactType, doc.Manifest.ArtifactType)
	})

	t.Run("diff of two versions", func(t *testing.T) {
		// Models that differ exit 1, like git diff --exit-code.
		r := wantExit(t, 1, "diff", dst+":1.0.0", dst+":1.1.0")
		assert.Regexp(t, regexp.MustCompile(`(?m)^changed\s+README\.md\s`), r.stdout)
		assert.Regexp(t, regexp.MustCompile(`(?m)^descriptor\.version\s+"1\.0\.0"\s+"1\.1\.0"$`), r.stdout)
		assert.Equal(t, 5, strings.Count(r.stdout, "\n"), "diff lists one changed file and one changed field, each under a header:\n%s", r.stdout)

		r = wantExit(t, 1, "diff", v1, dst+":1.1.0", "-o", "json")
		var doc struct {
			Changes []struct{ Path, Kind string }
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), "diff -o json printed:\n%s", r.stdout)
		assert.Equal(t, []struct{ Path, Kind string }{{"README.md", "changed"}}, doc.Changes)
	})

	t.Run("diff reads no layer", func(t *testing.T) {
		proxy, stats := registrytest.Counting(t, reg)
		log := logRequests(stats)
		via := proxy + strings.TrimPrefix(dst, reg)
		wantExit(t, 1, "diff", via+":1.0.0", via+":1.1.0")
		m1, _ := skopeoManifest(t, dst+":1.0.0")
		m2, _ := skopeoManifest(t, dst+":1.1.0")
		configs := map[string]bool{m1.Config.Digest: true, m2.Config.Digest: true}
		for _, r := range log.matching(http.MethodGet, "/blobs/") {
			_, digest, _ := strings.Cut(r, "/blobs/")
			assert.True(t, configs[digest], "diff of two Slipway artifacts fetched a layer: %s", r)
		}
	})

	t.Run("diff of the same version", func(t *testing.T) {
		r := mustSlipway(t, "diff", dst+":1.0.0", v1)
		assert.Equal(t, "no differences (8 files)\n", r.stdout)
	})

	t.Run("diff of a version and a folder", func(t *testing.T) {
		r := wantExit(t, 1, "diff", dst+":1.1.0", example(t))
		assert.Regexp(t, regexp.MustCompile(`(?m)^changed\s+README\.md\s`), r.stdout)
	})

	t.Run("inspect of a missing tag", func(t *testing.T) {
		r := slipway(t, "inspect", dst+":9.9.9")
		assert.NotEqual(t, 0, r.code, "inspect of a missing tag\n%s", r)
		assert.Contains(t, r.stderr, "not found")
	})
}
