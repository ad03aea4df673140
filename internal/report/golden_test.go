package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/gate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenExt names each format's golden file by what it holds.
var goldenExt = map[string]string{
	Text:     "txt",
	JSON:     "json",
	JUnit:    "junit.xml",
	SARIF:    "sarif",
	TAP:      "tap",
	GitHub:   "github.txt",
	GitLab:   "gitlab.json",
	Markdown: "md",
}

var verdicts = []struct {
	name    string
	verdict func() *gate.Verdict
}{
	{"pass", passVerdict},
	{"fail", failVerdict},
	{"warn", warnVerdict},
}

func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		for _, v := range verdicts {
			t.Run(format+"/"+v.name, func(t *testing.T) {
				r, err := New(format)
				require.NoError(t, err)
				var buf bytes.Buffer
				require.NoError(t, r.Report(&buf, v.verdict()))
				golden(t, filepath.Join("testdata", v.name+"."+goldenExt[format]), buf.Bytes())
			})
		}
	}
}

func TestGoldenEval(t *testing.T) {
	for _, format := range EvalFormats() {
		t.Run(format, func(t *testing.T) {
			r, err := NewEval(format)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, r.ReportFiles(&buf, evalResults()))
			golden(t, filepath.Join("testdata", "eval."+goldenExt[format]), buf.Bytes())
		})
	}
}

// TestDeterministic renders each report twice from verdicts whose findings
// come in a different order: the bytes must not change.
func TestDeterministic(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			r, err := New(format)
			require.NoError(t, err)
			v1, v2 := failVerdict(), failVerdict()
			fs := v2.Result.Findings
			for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
				fs[i], fs[j] = fs[j], fs[i]
			}
			var a, b bytes.Buffer
			require.NoError(t, r.Report(&a, v1))
			require.NoError(t, r.Report(&b, v2))
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("Report(%s) depends on finding order:\n%s\n---\n%s", format, a.String(), b.String())
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "reading golden file (run go test -update to create it)")
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
