package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/internal/fault"
)

// nested returns a document of depth objects, each holding the next under "a".
func nested(depth int, yaml bool) string {
	if yaml {
		return strings.Repeat("{a: ", depth) + "1" + strings.Repeat("}", depth) + "\n"
	}
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestReadMetricsBadInputIsUsage checks that metrics the user must fix exit
// as usage (2), with the file named, however the bad input is shaped.
func TestReadMetricsBadInputIsUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file, content, want string
	}{
		{"json nested 10,000 deep", "deep.json", nested(10000, false), "nests deeper than 64 levels"},
		{"json nested past the decoder's limit", "deeper.json", nested(10001, false), "does not parse as JSON"},
		{"yaml nested 10,000 deep", "deep.yaml", nested(10000, true), "nests deeper than 64 levels"},
		{"yaml nested past the decoder's limit", "deeper.yaml", nested(20000, true), "does not parse as YAML"},
		{"json nested 65 deep", "65.json", nested(65, false), "nests deeper than 64 levels"},
		{"file name too long", strings.Repeat("m", 300) + ".json", "", "file name too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if tc.content != "" {
				if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ReadMetrics(path)
			if err == nil {
				t.Fatalf("ReadMetrics(%s): no error, want a usage error", tc.name)
			}
			if k := fault.KindOf(err); k != fault.Usage {
				t.Errorf("ReadMetrics(%s) = %v: kind %v, want usage", tc.name, short(err), k)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadMetrics(%s) = %q, want it to name %s and say %q", tc.name, short(err), path, tc.want)
			}
		})
	}
}

func TestReadMetricsNestedWithinLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.json")
	if err := os.WriteFile(path, []byte(nested(64, false)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMetrics(path); err != nil {
		t.Fatalf("ReadMetrics of metrics nested 64 deep: %v, want them read", short(err))
	}
}

func short(err error) string {
	if s := err.Error(); len(s) > 400 {
		return s[:400] + "…"
	}
	return err.Error()
}
