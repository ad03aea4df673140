package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/drift"
	goldenfile "github.com/slipwayhq/slipway/internal/golden"
)

// hostile is a column name a data supplier chose: it must reach every
// report as text, never as markup or a broken table.
const hostile = "<script>alert(1)</script>"

// driftResult compares two small CSVs with a shifted numeric column, a
// steady one, a categorical one with a new category, a column whose name
// holds "|" and a newline, one with missing values, one all missing in
// the current data, and one column on each side only.
func driftResult(t *testing.T) *drift.Result {
	t.Helper()
	var ref, cur strings.Builder
	header := fmt.Sprintf("shifted,steady,%q,\"a|b\nc\",gaps,empty,old\n", hostile)
	ref.WriteString(header)
	cur.WriteString(strings.Replace(header, ",old\n", ",new\n", 1))
	for i := range 200 {
		gap := fmt.Sprint(i % 7)
		if i%10 == 0 {
			gap = ""
		}
		fmt.Fprintf(&ref, "%d,%d,%s,%d,%s,%d,1\n", i, i%50, []string{"red", "green", "blue"}[i%3], i%5, gap, i)
		fmt.Fprintf(&cur, "%d,%d,%s,%d,%s,,1\n", i+80, (i+1)%50, []string{"red", "green", "blue", "<b>violet</b>"}[i%4], i%5, gap)
	}
	rt, ct := &drift.Table{}, &drift.Table{}
	require.NoError(t, rt.ReadCSV(strings.NewReader(ref.String()), "ref.csv", nil))
	require.NoError(t, ct.ReadCSV(strings.NewReader(cur.String()), "cur.csv", nil))
	res := drift.Compare(rt, ct, drift.DefaultThresholds)
	res.Reference = "registry.example.com/ml/iris:1.0.0@sha256:" + strings.Repeat("a", 64)
	res.ReferenceFile = "data/train.csv"
	res.Current = []string{"today.csv"}
	return res
}

func TestDriftGolden(t *testing.T) {
	for _, format := range []string{Markdown, HTML} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, WriteDrift(&buf, format, driftResult(t)))
			goldenfile.Equal(t, filepath.Join("testdata", "drift."+map[string]string{Markdown: "md", HTML: "html"}[format]), buf.Bytes())
		})
	}
}

func TestDriftSeverityOrder(t *testing.T) {
	res := driftResult(t)
	got := bySeverity(res)
	require.Len(t, got, len(res.Columns))
	assert.Equal(t, "empty", got[len(got)-1], "the skipped feature comes last")
	for i := 1; i < len(got); i++ {
		a, b := res.Features[got[i-1]], res.Features[got[i]]
		if a.Drifted == b.Drifted && a.Test != "" && b.Test != "" {
			assert.GreaterOrEqual(t, a.PSI, b.PSI, "%s before %s: PSI descending", got[i-1], got[i])
		}
		assert.False(t, !a.Drifted && b.Drifted, "%s (not drifted) before %s (drifted)", got[i-1], got[i])
	}
	assert.True(t, res.Features[got[0]].Drifted, "the first feature, %s, drifted", got[0])
}

func TestDriftMarkdownTable(t *testing.T) {
	res := driftResult(t)
	var buf bytes.Buffer
	require.NoError(t, DriftMarkdown(&buf, res))
	md := buf.String()
	lines := strings.Split(md, "\n")
	assert.Equal(t, "<!-- slipway-drift:registry.example.com/ml/iris -->", lines[0], "the marker names the model without tag or digest")
	// Inside a code span, markup is shown as text; outside it must not be.
	prose := regexp.MustCompile("`[^`]*`").ReplaceAllString(md, "")
	assert.NotContains(t, prose, "<script>", "a column name outside a code span")
	assert.NotContains(t, prose, "<b>", "a category outside a code span")
	assert.Contains(t, md, "`"+hostile+"`")
	rows := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "| `") {
			rows++
			// Every row has the header's 9 cells: no name split a row or a cell.
			cells := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") - 1
			assert.Equal(t, 9, cells, "row %q", l)
		}
	}
	assert.Equal(t, len(res.Columns), rows, "one table row per feature:\n%s", md)
	assert.Contains(t, md, "`a\\|b c`", "| escaped and the newline a space in the code span")
	assert.Contains(t, md, "Only in the reference (not compared): `old`")
	assert.Contains(t, md, "Only in the current data (not compared): `new`")
	assert.Contains(t, md, "| 20 / 20 |", "the missing counts of gaps")
}

// TestDriftHTMLParses reads the HTML back as XML: it is well formed, has
// one <svg> per feature with values on both sides, and every hostile name
// is text, not an element.
func TestDriftHTMLParses(t *testing.T) {
	res := driftResult(t)
	var buf bytes.Buffer
	require.NoError(t, DriftHTML(&buf, res))
	assert.NotContains(t, buf.String(), "<script", "a name became a script element")
	assert.NotContains(t, buf.String(), "<b>", "a category became markup")
	for _, external := range []string{"src=", "href=", "<link", "url("} {
		assert.NotContains(t, buf.String(), external, "an external asset")
	}

	d := xml.NewDecoder(&buf)
	d.Strict = true
	elements := map[string]int{}
	var text strings.Builder
	var svgTexts []string
	inSVG := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "the HTML does not parse as XML")
		switch tok := tok.(type) {
		case xml.StartElement:
			elements[tok.Name.Local]++
			inSVG = inSVG || tok.Name.Local == "svg"
		case xml.EndElement:
			if tok.Name.Local == "svg" {
				inSVG = false
			}
		case xml.CharData:
			text.Write(tok)
			if inSVG {
				svgTexts = append(svgTexts, string(tok))
			}
		}
	}
	tested := 0
	for _, f := range res.Features {
		if f.Test != "" {
			tested++
		}
	}
	assert.Equal(t, tested, elements["svg"], "one <svg> per tested feature")
	assert.Zero(t, elements["script"], "script elements")
	assert.Contains(t, text.String(), hostile, "the hostile name, as text")
	assert.Contains(t, text.String(), "a|b\nc")
	assert.Contains(t, strings.Join(svgTexts, "\n"), "<b>violet</b>: reference 0 (0.0%), current 50 (25.0%)", "the new category's bar title")
}

func TestDriftManyCategories(t *testing.T) {
	d := &drift.Distribution{}
	for i := range 40 {
		d.Categories = append(d.Categories, fmt.Sprintf("c%02d", i))
		d.Reference = append(d.Reference, 100-i)
		d.Current = append(d.Current, 1)
	}
	c := chartOf(d)
	require.Len(t, c.Bars, maxCategories)
	assert.Contains(t, c.Bars[maxCategories-1].Title, "(11 others): reference ")
	assert.Contains(t, c.Bars[0].Title, "c00:", "the largest categories stay, in order")
}

func TestDriftName(t *testing.T) {
	for _, tc := range []struct{ ref, file, want string }{
		{"registry.example.com/ml/iris:1.0.0@sha256:abc", "train.csv", "registry.example.com/ml/iris"},
		{"localhost:5000/ml/iris@sha256:abc", "train.csv", "localhost:5000/ml/iris"},
		{"oci:.slipway/iris:1.0.0@sha256:abc", "train.csv", "oci:.slipway/iris"},
		{"data/train.csv", "", "train.csv"},
	} {
		assert.Equal(t, tc.want, DriftName(&drift.Result{Reference: tc.ref, ReferenceFile: tc.file}), "DriftName(%q)", tc.ref)
	}
}

func TestDriftUnknownFormat(t *testing.T) {
	err := WriteDrift(io.Discard, "junit", &drift.Result{})
	require.Error(t, err)
}
