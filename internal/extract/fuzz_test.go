package extract

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzExtractTar extracts arbitrary bytes into a target that already holds
// links leading outside it. Whatever the archive, nothing outside the target
// changes, no staging folder is left, and no link created leads outside.
func FuzzExtractTar(f *testing.F) {
	for _, tc := range extractCases {
		f.Add(buildTar(f, tc.entries...))
	}
	f.Add(buildTar(f, file("up/x", "x")))
	f.Add(paxTar("big", "x", map[string]string{"GNU.sparse.numblocks": "1", "GNU.sparse.map": "0,1", "GNU.sparse.size": "9"}))
	f.Add(buildTar(f, symlink("l", "up/../model/x")))
	f.Add(buildTar(f, symlink("a/b", ".."), symlink("c", "a/b/../up")))
	f.Fuzz(func(t *testing.T, archive []byte) {
		parent := t.TempDir()
		root, outside := filepath.Join(parent, "model"), filepath.Join(parent, "outside")
		must(t, os.MkdirAll(filepath.Join(outside, "sub"), 0o755))
		must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
		must(t, os.Mkdir(root, 0o755))
		must(t, os.Symlink("../outside", filepath.Join(root, "up")))
		must(t, os.Symlink(outside, filepath.Join(root, "abs")))
		before := outsideOf(t, parent)

		d, err := Open(root)
		require.NoError(t, err)
		if _, err := d.ExtractTar(bytes.NewReader(archive), nil); err == nil {
			_ = d.Commit()
		}
		require.NoError(t, d.Abort())

		require.Equal(t, before, outsideOf(t, parent), "outside the target")
		realRoot, err := filepath.EvalSymlinks(root)
		require.NoError(t, err)
		for name, desc := range tree(t, root) {
			require.False(t, strings.HasPrefix(path.Base(name), stagingPrefix), "staging left: %s", name)
			if !strings.HasPrefix(desc, "link") || name == "up" || name == "abs" {
				continue
			}
			resolved, err := filepath.EvalSymlinks(filepath.Join(root, name))
			if err != nil {
				continue // dangling, or a loop
			}
			require.True(t, resolved == realRoot || strings.HasPrefix(resolved, realRoot+string(filepath.Separator)),
				"link %s (%s) resolves to %s, outside %s", name, desc, resolved, realRoot)
		}
	})
}

// outsideOf describes everything under parent except the target "model".
func outsideOf(t *testing.T, parent string) map[string]string {
	got := tree(t, parent)
	for name := range got {
		if name == "model" || strings.HasPrefix(name, "model/") {
			delete(got, name)
		}
	}
	return got
}

// FuzzValidName checks that an accepted name, cleaned, is local: joined to
// any folder it stays beneath it.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{
		"weights/model.safetensors", "./a//b/", "a/..", "a/../b", "../evil", "/etc/passwd",
		"a/../../evil", `..\evil`, `C:\x`, "c:x", "a\x00b", "", ".", "..", "...", ".slipway-pull-1/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		clean, err := cleanName(name)
		if err != nil {
			require.EqualError(t, ValidName(name), err.Error(), "ValidName and cleanName disagree")
			require.Contains(t, err.Error(), "refusing", "error for %q", name)
			return
		}
		require.NoError(t, ValidName(name))
		require.True(t, filepath.IsLocal(clean), "accepted %q, cleaned %q, is not local", name, clean)
		require.NotContains(t, clean, "\x00")
		require.NotContains(t, clean, `\`)
		require.Equal(t, path.Clean(clean), clean, "cleanName(%q) is not clean", name)
		joined := path.Join("/target", name)
		require.True(t, strings.HasPrefix(joined, "/target/"), "%q joined to /target is %q", name, joined)
	})
}
