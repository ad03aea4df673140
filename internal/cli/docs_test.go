package cli

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra/doc"
	"github.com/stretchr/testify/require"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/cli from the commands")

// TestCLIReferenceIsCurrent keeps docs/cli, generated from the commands
// themselves, in step with the flags: run
// `go test ./internal/cli -run TestCLIReference -update-docs` after changing one.
func TestCLIReferenceIsCurrent(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "cli")
	got := t.TempDir()
	root := NewRootCmd(IO{Stdin: &bytes.Buffer{}, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	root.DisableAutoGenTag = true
	if err := doc.GenMarkdownTree(root, got); err != nil {
		t.Fatal(err)
	}
	if *updateDocs {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(dir, os.DirFS(got)); err != nil {
			t.Fatal(err)
		}
		return
	}
	entries, err := os.ReadDir(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Errorf("docs/cli/%s is missing: run go test ./internal/cli -run TestCLIReference -update-docs", e.Name())
			continue
		}
		have, _ := os.ReadFile(filepath.Join(got, e.Name()))
		if !bytes.Equal(have, want) {
			t.Errorf("docs/cli/%s is out of date: run go test ./internal/cli -run TestCLIReference -update-docs", e.Name())
		}
	}
	committed, _ := os.ReadDir(dir)
	if len(committed) != len(entries) {
		t.Errorf("docs/cli has %d files, the commands make %d: run go test ./internal/cli -run TestCLIReference -update-docs", len(committed), len(entries))
	}
}

// TestMarkdownLinksResolve: every relative link in the repository's
// markdown names a file or folder that exists, so the docs never send a
// reader to a page the project does not have.
func TestMarkdownLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".md") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range link.FindAllStringSubmatch(string(raw), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(path), filepath.FromSlash(target))); err != nil {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s links %s, which does not exist", rel, m[1])
			}
		}
		return nil
	})
	require.NoError(t, err)
}
