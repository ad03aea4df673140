package integration

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exampleFiles are the files of the example model, as pull writes them.
var exampleFiles = []string{
	"README.md", "config.json", "data/iris.csv", "data/iris.rst",
	"eval.json", "model.safetensors", "predict.py", "requirements.txt",
}

// pulledFiles are what a full pull leaves in its folder: the example's
// files and the lock of what it wrote (so a later pull can tell local edits).
var pulledFiles = append(slices.Clone(exampleFiles), "slipway.lock")

// TestPullFromRegistry pulls a packed model back by tag, by digest and by
// lock; each copy passes verify and holds the example's bytes. --only picks
// roles or globs.
func TestPullFromRegistry(t *testing.T) {
	reg := anyRegistry(t)
	dst := reg + "/" + repo("iris")
	pinned := mustSlipway(t, "pack", example(t), "--version", "1.0.0", "--to", dst, "--lock", "iris.lock").lastLine()

	for _, tc := range []struct {
		name string
		args []string
	}{
		{name: "by tag", args: []string{"pull", dst + ":1.0.0"}},
		{name: "by digest", args: []string{"pull", pinned}},
		{name: "by lock", args: []string{"pull", "--lock", "iris.lock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			r := mustSlipway(t, append(tc.args, dir)...)
			assert.Equal(t, pinned, r.lastLine(), "pinned reference pull printed")
			assert.Equal(t, pulledFiles, listFiles(t, dir), "files pulled")
			for _, f := range exampleFiles {
				sameFile(t, filepath.Join(example(t), f), filepath.Join(dir, f))
			}
			v := mustSlipway(t, "verify", dir, "--lock", "iris.lock")
			assert.Contains(t, v.stdout, "matches iris.lock")
		})
	}

	t.Run("only weights", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "weights")
		mustSlipway(t, "pull", dst+":1.0.0", dir, "--only", "weights")
		assert.Equal(t, []string{"model.safetensors"}, listFiles(t, dir), "files pulled with --only weights")
		sameFile(t, filepath.Join(example(t), "model.safetensors"), filepath.Join(dir, "model.safetensors"))

		// verify names the files left out as missing, and fails.
		r := wantExit(t, 1, "verify", dir, "--lock", "iris.lock")
		assert.Contains(t, r.stdout, "missing")
	})

	t.Run("only a glob", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		mustSlipway(t, "pull", dst+":1.0.0", dir, "--only", "data/*.csv")
		assert.Equal(t, []string{"data/iris.csv"}, listFiles(t, dir), "files pulled with --only 'data/*.csv'")
		sameFile(t, filepath.Join(example(t), "data/iris.csv"), filepath.Join(dir, "data/iris.csv"))
	})

	t.Run("only weights and config", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "serving")
		mustSlipway(t, "pull", dst+":1.0.0", dir, "--only", "weights,config")
		assert.Equal(t, []string{"config.json", "model.safetensors"}, listFiles(t, dir), "files pulled with --only weights,config")
	})

	t.Run("a tag that does not exist", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "none")
		r := slipway(t, "pull", dst+":9.9.9", dir)
		assert.NotEqual(t, 0, r.code, "pull of a missing tag\n%s", r)
		assert.Contains(t, r.stderr, "not found")
		assert.NoDirExists(t, dir, "pull of a missing tag created the folder")
	})
}

// sameFile fails the test unless the two files have the same bytes.
func sameFile(t *testing.T, want, got string) {
	t.Helper()
	w, err := os.ReadFile(want)
	require.NoError(t, err)
	g, err := os.ReadFile(got)
	require.NoError(t, err)
	if string(w) != string(g) {
		t.Errorf("%s (%d bytes) differs from %s (%d bytes)", got, len(g), want, len(w))
	}
}
