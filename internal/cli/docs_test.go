package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra/doc"
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
