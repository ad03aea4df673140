package integration

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
)

// repo returns a repository name no other test (or earlier run against the
// same registry) uses: acme/<base>-<random>.
func repo(base string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "acme/" + base + "-" + hex.EncodeToString(b)
}

// exampleDir is the example model, made absolute before any test changes
// the working folder.
var exampleDir = func() string {
	p, err := filepath.Abs("../../testdata/iris")
	if err != nil {
		panic(err)
	}
	return p
}()

// example is the absolute path of the example model.
func example(t *testing.T) string {
	t.Helper()
	require.DirExists(t, exampleDir)
	return exampleDir
}

// copyExample copies the example model into a fresh folder, to be changed.
func copyExample(t *testing.T) string {
	t.Helper()
	src, dst := example(t), filepath.Join(t.TempDir(), "iris")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
	return dst
}

// appendTo adds text at the end of a file.
func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = io.WriteString(f, text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// listFiles lists the regular files and links under dir, slash-separated and sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// manifestSize is the size of the manifest blob h in the layout dir.
func manifestSize(t *testing.T, dir string, h v1.Hash) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
	require.NoError(t, err)
	return fi.Size()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}
