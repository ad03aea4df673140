// Package golden compares what a test produced with a file under testdata,
// and rewrites the file when the test runs with -update-golden. Only tests
// import it.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update-golden", false, "rewrite golden files under testdata from what the tests produce")

// Equal fails t when got differs from the file at path; with
// -update-golden it writes got there first.
func Equal(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file %s: %v (run go test -update-golden to write it)", path, err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from what the test produced (check the change, then run go test -update-golden):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
