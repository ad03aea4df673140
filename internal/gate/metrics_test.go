package gate

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

func TestParseMetrics(t *testing.T) {
	tests := []struct {
		name, ext, in string
		want          map[string]any
		wantErr       string
	}{
		{name: "json", ext: ".json", in: `{"accuracy": 0.93, "per_class": {"setosa": 1}}`,
			want: map[string]any{"accuracy": 0.93, "per_class": map[string]any{"setosa": 1.0}}},
		{name: "yaml", ext: ".yaml", in: "accuracy: 0.93\nloss: 1e-3\n", want: map[string]any{"accuracy": 0.93, "loss": 0.001}},
		{name: "csv with header", ext: ".csv", in: "metric,value\naccuracy,0.93\nf1, 0.9\n", want: map[string]any{"accuracy": 0.93, "f1": 0.9}},
		{name: "sniffed json", ext: ".txt", in: `{"a": 1}`, want: map[string]any{"a": 1.0}},
		{name: "empty", ext: ".json", in: " \n", wantErr: "is empty"},
		{name: "torn json", ext: ".json", in: `{"accuracy": 0.9`, wantErr: "does not parse as JSON"},
		{name: "string value", ext: ".json", in: `{"accuracy": "0.9"}`, wantErr: `accuracy is the string "0.9"; want a number`},
		{name: "nested string", ext: ".json", in: `{"per_class": {"setosa": "high"}}`, wantErr: "per_class.setosa is the string"},
		{name: "list", ext: ".json", in: `[1, 2]`, wantErr: "must be an object"},
		{name: "yaml nan", ext: ".yaml", in: "accuracy: .nan\n", wantErr: "NaN and infinite"},
		{name: "yaml inf", ext: ".yml", in: "loss: .inf\n", wantErr: "NaN and infinite"},
		{name: "csv nan", ext: ".csv", in: "accuracy,NaN\n", wantErr: "NaN and infinite"},
		{name: "csv three columns", ext: ".csv", in: "a,1,2\n", wantErr: "want two columns"},
		{name: "csv duplicate", ext: ".csv", in: "a,1\na,2\n", wantErr: "given twice"},
		{name: "csv not a number", ext: ".csv", in: "a,1\nb,high\n", wantErr: `b is "high"`},
		{name: "csv first line overflows", ext: ".csv", in: "log_loss,9.9e999\naccuracy,0.9\n", wantErr: "line 1: log_loss is 9.9e999, which is not a finite number"},
		{name: "csv first line percent", ext: ".csv", in: "accuracy,0.91%\n", wantErr: `line 1: accuracy is "0.91%", which is not a number`},
		{name: "csv header then percent", ext: ".csv", in: "name,value\naccuracy,0.91%\n", wantErr: `line 2: accuracy is "0.91%"`},
		{name: "csv line number counts blank lines", ext: ".csv", in: "a,1\n\n\nb,1e400\n", wantErr: "line 4: b is 1e400"},
		{name: "csv second header line", ext: ".csv", in: "name,value\nmetric,value\n", wantErr: `line 2: metric is "value"`},
		{name: "csv header only", ext: ".csv", in: "name,value\n", wantErr: "has no metrics"},
		{name: "two json documents", ext: ".json", in: `{"a":1}{"b":2}`, wantErr: "more than one document"},
		{name: "bool", ext: ".json", in: `{"ok": true}`, wantErr: "ok is a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMetrics([]byte(tt.in), tt.ext)
			if tt.wantErr != "" {
				require.Error(t, err, "ParseMetrics(%q) should fail", tt.in)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseMetrics(f *testing.F) {
	for _, s := range []string{`{"accuracy": 0.93}`, "a: 1\nb: {c: 2}\n", "name,value\na,1\n", `{"a": NaN}`, "a: .inf"} {
		for _, ext := range []string{".json", ".yaml", ".csv", ""} {
			f.Add([]byte(s), ext)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, ext string) {
		m, err := ParseMetrics(b, ext)
		if err != nil {
			return
		}
		// Whatever is accepted holds only finite numbers.
		var check func(map[string]any)
		check = func(m map[string]any) {
			for k, v := range m {
				switch v := v.(type) {
				case float64:
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("accepted %s = %v", k, v)
					}
				case map[string]any:
					check(v)
				default:
					t.Fatalf("accepted %s of type %T", k, v)
				}
			}
		}
		check(m)
	})
}

// A CSV metric whose value is not a finite number is refused with the file
// and the line, as a usage error (exit 2), even on the first line, where a
// header may stand.
func TestReadMetricsCSVRefusesBadFirstLine(t *testing.T) {
	for _, content := range []string{"log_loss,9.9e999\n", "accuracy,0.91%\n"} {
		p := filepath.Join(t.TempDir(), "eval.csv")
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		m, err := ReadMetrics(p)
		require.Error(t, err, "ReadMetrics(%q) = %v; want a refusal", content, m)
		assert.Contains(t, err.Error(), p+": line 1:")
		assert.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
	}
}
