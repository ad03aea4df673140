package extract

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/internal/fault"
)

// TestOpenNameTooLongIsUsage checks that a target whose name the file
// system refuses as too long is bad input (exit 2), not a runtime failure.
func TestOpenNameTooLongIsUsage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 300))
	d, err := Open(dir)
	if err == nil {
		d.Abort()
		t.Fatalf("Open(%d-character name): no error, want one", 300)
	}
	if k := fault.KindOf(err); k != fault.Usage {
		t.Errorf("Open(%d-character name) = %v: kind %v, want usage", 300, err, k)
	}
}
